"""BDAT (RFC 3030 CHUNKING) through a real MTA: smtpsend -> Exim (STARTTLS + AUTH, CHUNKING offered
with `chunking_advertise_hosts = *`) -> recording server, the received bytes checked.

Exim must be installed (Debian package exim4-daemon-light); CI installs it, so its absence is a
failure, not a skip.
"""

import pytest

from support import (MESSAGE_WAIT_SECONDS, PASSWORD, RECIPIENT, all_defects, assert_exit,
                     envelope_args, parse_message, text_body)
from test_exim_interop import exim_args

REFUSED = "nobody@example.test"


@pytest.fixture
def exim_relay(start_exim):
    """(exim, sink): Exim offering CHUNKING, relaying what it accepts to `sink`."""
    return start_exim(refuse=[REFUSED])


def client_lines(stderr: str) -> list[str]:
    """The commands the trace shows the client sending inside TLS, in order."""
    return [line.split("] ~> ", 1)[1] for line in stderr.splitlines() if "] ~> " in line]


def received_through(exim, sink, run, count=1):
    try:
        return sink.wait_for_messages(count, MESSAGE_WAIT_SECONDS)
    except TimeoutError as error:
        pytest.fail(f"{error}\n{run.describe()}\n{exim.logs()}")


def test_a_small_message_goes_in_one_bdat_last_in_the_envelopes_flight(smtpsend, exim_relay,
                                                                       pki):
    exim, sink = exim_relay
    body = "Chunked.\n.a line that starts with a dot\n..and two\nbare CR\rend\n"

    run = smtpsend.run(*exim_args(exim, pki), "--trace", *envelope_args(RECIPIENT),
                       body=body, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    sent = client_lines(run.stderr)
    assert "DATA" not in sent, run.describe()
    bdat = [line for line in sent if line.startswith("BDAT ")]
    assert len(bdat) == 1 and bdat[0].endswith(" LAST"), run.describe()
    [received] = received_through(exim, sink, run)
    assert received.rcpt_tos == [RECIPIENT]
    # No dot-stuffing with BDAT: a stuffed dot would arrive doubled.
    assert b"\r\n.a line that starts with a dot\r\n..and two\r\nbare CR\r\nend\r\n" in received.raw
    message = parse_message(received.raw)
    assert all_defects(message) == []
    assert text_body(message) == body.replace("\r", "\n")


def test_a_large_message_streams_in_chunks_and_arrives_intact(smtpsend, exim_relay, pki):
    exim, sink = exim_relay
    lines = [f"{'.' if n % 5 == 0 else ''}line {n:06d} " + "x" * 60 for n in range(4000)]
    body = "\n".join(lines) + "\n"  # about 290 KiB: several 64 KiB chunks, then the last

    run = smtpsend.run(*exim_args(exim, pki), "--trace", *envelope_args(RECIPIENT),
                       body=body, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    bdat = [line for line in client_lines(run.stderr) if line.startswith("BDAT ")]
    assert len(bdat) >= 4, bdat
    assert all(line == "BDAT 65536" for line in bdat[:-1]), bdat
    assert bdat[-1].endswith(" LAST"), bdat
    [received] = received_through(exim, sink, run)
    message = parse_message(received.raw)
    assert all_defects(message) == []
    assert text_body(message) == body


def test_a_refused_recipient_among_several_stops_the_message_for_all(smtpsend, exim_relay, pki):
    exim, sink = exim_relay

    run = smtpsend.run(*exim_args(exim, pki), "--trace", *envelope_args(RECIPIENT, REFUSED),
                       env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 67)
    assert not any(line.startswith("BDAT") for line in client_lines(run.stderr)), run.describe()
    assert sink.messages == []


def test_partial_delivery_sends_to_the_accepted_and_names_the_refused(smtpsend, exim_relay, pki):
    exim, sink = exim_relay

    run = smtpsend.run(*exim_args(exim, pki), "--trace", "--partial-delivery",
                       *envelope_args(RECIPIENT, REFUSED), env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert "refused 1 of 2 recipients" in run.stderr, run.describe()
    assert REFUSED in run.stderr
    # The chunk went in the envelope's flight: BDAT LAST is traced before any reply to RCPT.
    trace = run.stderr
    assert trace.index("] ~> BDAT ") < trace.index("<~ 250 Accepted"), run.describe()
    [received] = received_through(exim, sink, run)
    assert received.rcpt_tos == [RECIPIENT]
