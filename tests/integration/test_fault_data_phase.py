"""Replies that arrive while the message is being sent, before its final dot.

Only the reply to the final dot can say the message was accepted (RFC 5321 §4.1.1.4). A positive
reply that comes earlier, in the same packet as DATA's 354 or in the middle of a long body, is a
protocol error: the client stops, never sends the dot, and closes, so nothing is delivered; and
the refusal the server sends after the dot can no longer be mistaken for anything else.
"""

import pytest

from fault_server import (BODY_MARKER, Expect, FaultServers, ReadBody, Receive, Send, dialog,
                          reply, run_client)

PROTOCOL = 76
# Far more than the socket buffers of a loopback connection hold, so the client is still
# streaming when the early reply comes back.
LARGE_BODY = "".join(f"{BODY_MARKER} line {n:07d} of a long message body\n"
                     for n in range(200_000))


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def assert_stopped_before_the_dot(server, run):
    assert run.returncode == PROTOCOL, f"expected exit {PROTOCOL}\n{run.describe()}"
    assert "before the end of the message" in run.stderr, run.describe()
    assert "not sent" in run.stderr, run.describe()
    # ReadBody never saw the final "." line: the client closed without it.
    assert server.message is None, f"the final dot was sent\n{server.describe()}"


def test_an_early_250_with_the_354_is_a_protocol_error_and_no_dot_is_sent(smtpsend,
                                                                           fault_server):
    good = dialog()
    server = fault_server(good.before("data") + [
        Expect("DATA"),
        Send(b"354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued early\r\n"),
        ReadBody(), reply("554 5.7.1 Message refused after all"),
        *good.stages["quit"]])

    run = run_client(smtpsend, server)

    assert_stopped_before_the_dot(server, run)
    assert "250 2.0.0 Ok: queued early" in run.stderr, run.describe()


def test_an_early_250_in_the_middle_of_a_long_body_stops_it_before_the_dot(smtpsend,
                                                                            fault_server):
    good = dialog()
    server = fault_server(good.before("body") + [
        Receive(4096), reply("250 2.0.0 Ok: queued early"),
        ReadBody(), reply("554 5.7.1 Message refused after all"),
        *good.stages["quit"]])

    run = run_client(smtpsend, server, body=LARGE_BODY)

    assert_stopped_before_the_dot(server, run)
