"""Servers that say nothing, say it one octet at a time, or never stop talking.

smtpsend runs unattended: a stalled or slow server must cost it its --timeout per reply (counted
from when the reply was awaited, not from the last octet), never more than --max-time in all, and
an endless reply must hit the reply limits instead of memory.
"""

import pytest

from fault_server import (Delay, Expect, FaultServers, Flood, ReadBody, Send, Stall, Trickle,
                          assert_exit_within, assert_no_body_sent, dialog, ehlo_reply,
                          run_client)

REPLY_TIMEOUT_SECONDS = 2
TIMEOUT = ("--timeout", str(REPLY_TIMEOUT_SECONDS))
# Room for process start-up and a loaded machine on top of a limit the client must keep.
MARGIN_SECONDS = 3
TEMPFAIL = 75
PROTOCOL = 76
# About ten seconds each at 0.35 s per octet: they would arrive complete long after --timeout 2.
TRICKLE_INTERVAL_SECONDS = 0.35
SLOW_REPLIES = {
    "greeting": b"220 fault.test ESMTP slowly\r\n",
    "ehlo": ehlo_reply(["8BITMIME"]).data,
}
# Each reply comes this late: within --timeout 2, but three of them exceed --max-time 3.
LATE_REPLY_SECONDS = 1.5
MAX_TIME_SECONDS = 3
# --max-time is one deadline for the whole run: only start-up and exit may come on top.
MAX_TIME_MARGIN_SECONDS = 1.5


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


@pytest.mark.waits_out_time_limits
def test_no_greeting_times_out(smtpsend, fault_server):
    server = fault_server([Stall()])

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert run.elapsed >= REPLY_TIMEOUT_SECONDS * 0.9, f"gave up too early\n{run.describe()}"


@pytest.mark.waits_out_time_limits
def test_no_reply_to_ehlo_times_out(smtpsend, fault_server):
    server = fault_server(dialog().before("ehlo") + [Expect("EHLO"), Stall()])

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert "MAIL" not in server.verbs(), server.describe()


@pytest.mark.waits_out_time_limits
def test_no_reply_to_the_final_dot_times_out(smtpsend, fault_server):
    server = fault_server(dialog().before("body") + [ReadBody(), Stall()])

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert server.message is not None, server.describe()
    # The message went out and was never confirmed: the user must hear that it may have arrived.
    assert "delivery state unknown" in run.stderr, run.describe()


@pytest.mark.waits_out_time_limits
@pytest.mark.parametrize("stage", list(SLOW_REPLIES))
def test_a_reply_sent_one_octet_at_a_time_gets_the_timeout_once_not_per_octet(smtpsend,
                                                                              fault_server, stage):
    slow = Trickle(SLOW_REPLIES[stage], 1, TRICKLE_INTERVAL_SECONDS)
    steps = [slow] if stage == "greeting" else [Expect("EHLO"), slow]
    server = fault_server(dialog().replacing(stage, steps))

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert run.elapsed >= REPLY_TIMEOUT_SECONDS * 0.9, f"gave up too early\n{run.describe()}"
    assert_no_body_sent(server, run)


@pytest.mark.waits_out_time_limits
def test_max_time_bounds_a_dialog_of_replies_each_just_within_the_timeout(smtpsend,
                                                                          fault_server):
    late = Delay(LATE_REPLY_SECONDS)
    steps = []
    for step in dialog().all():
        steps += [late, step] if isinstance(step, Send) else [step]
    server = fault_server(steps)

    run = run_client(smtpsend, server, *TIMEOUT, "--max-time", str(MAX_TIME_SECONDS))

    assert_exit_within(run, TEMPFAIL, MAX_TIME_SECONDS + MAX_TIME_MARGIN_SECONDS)
    assert run.elapsed >= MAX_TIME_SECONDS * 0.9, f"gave up too early\n{run.describe()}"
    assert "max-time" in run.stderr, run.describe()
    assert_no_body_sent(server, run)


def test_a_reply_of_endless_continuation_lines_is_a_protocol_error(smtpsend, fault_server):
    server = fault_server(dialog().before("ehlo") + [Expect("EHLO"), Flood(b"250-x\r\n")])

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, PROTOCOL, REPLY_TIMEOUT_SECONDS)
    assert "MAIL" not in server.verbs(), server.describe()


def test_an_endless_reply_line_without_crlf_is_a_protocol_error(smtpsend, fault_server):
    server = fault_server([Send(b"220 "), Flood(b"x" * 4096)])

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, PROTOCOL, REPLY_TIMEOUT_SECONDS)
    assert "EHLO" not in server.verbs(), server.describe()


@pytest.mark.waits_out_time_limits
def test_a_reply_of_slow_continuation_lines_gets_the_timeout_once_not_per_line(smtpsend,
                                                                               fault_server):
    # Whole lines keep coming, too slowly to reach the 100-line limit before the timeout: each
    # complete line is progress, but the reply as a whole is what must arrive in time.
    server = fault_server([Trickle(b"220-x\r\n" * 200, len(b"220-x\r\n"), 0.3)])

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)


@pytest.mark.waits_out_time_limits
def test_a_late_reply_within_the_timeout_is_waited_for(smtpsend, fault_server):
    # The control for the timeouts above: a reply 1.5 s late is fine with --timeout 2.
    server = fault_server([Delay(LATE_REPLY_SECONDS)] + dialog().all())

    run = run_client(smtpsend, server, *TIMEOUT)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.message is not None
