"""Replies that are not SMTP, and replies at and just past the client's size limits.

The reply parser allows a line of 2048 octets before its CRLF (four times RFC 5321 §4.5.3.1.5's
512), 100 lines and 64 KiB per reply; beyond that, and for anything that is not a reply (RFC 5321
§4.2: three digits, then a space or a hyphen), the answer is a protocol error (76) at once, and
nothing of the message is sent.
"""

import pytest

from fault_server import (Expect, FaultServers, Send, assert_exit_within,
                          assert_no_body_sent, dialog, reply, run_client)

PROTOCOL = 76
QUICK_SECONDS = 3.0
# The client's limits (src/smtp/reply_parser.hpp).
MAX_REPLY_LINE_OCTETS = 2048
MAX_REPLY_LINES = 100
# Every octet value, CR and LF included, as noise in place of a greeting.
BINARY_NOISE = bytes(range(256)) * 4 + b"\r\n"


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def ehlo_lines(count: int) -> Send:
    return reply(*(f"250-EXTENSION-{n}" for n in range(count - 1)), "250 8BITMIME")


# Each case: (the stage the server spoils, the steps that spoil it).
GARBAGE = {
    "binary-noise-greeting": ("greeting", [Send(BINARY_NOISE)]),
    "non-digit-code": ("greeting", [reply("2x0 fault.test ESMTP")]),
    "code-out-of-range": ("ehlo", [Expect("EHLO"), reply("999 what")]),
    "no-separator-after-code": ("greeting", [reply("220fault.test")]),
    "mismatched-codes-in-one-reply": ("ehlo", [Expect("EHLO"), reply("250-a", "251 b")]),
    # A second reply nobody asked for: the client must not take it as the answer to EHLO.
    "two-greetings": ("greeting", [Send(b"220 a\r\n220 b\r\n")]),
}
# Replies just past a limit, and the same replies at the limit (which must work).
OVER_THE_LIMITS = {
    "line-one-octet-too-long": ("greeting",
                                [reply("220 " + "x" * (MAX_REPLY_LINE_OCTETS - 3))]),
    "one-line-too-many": ("ehlo", [Expect("EHLO"), ehlo_lines(MAX_REPLY_LINES + 1)]),
    "more-than-64-kib": ("ehlo", [Expect("EHLO"), reply(*(["250-" + "y" * 1000] * 70),
                                                        "250 8BITMIME")]),
}
AT_THE_LIMITS = {
    "longest-line": ("greeting", [reply("220 " + "x" * (MAX_REPLY_LINE_OCTETS - 4))]),
    "most-lines": ("ehlo", [Expect("EHLO"), ehlo_lines(MAX_REPLY_LINES)]),
}


def spoiled(stage: str, steps) -> list:
    return dialog().replacing(stage, steps)


@pytest.mark.parametrize("case", list(GARBAGE))
def test_a_reply_that_is_not_smtp_is_a_protocol_error(smtpsend, fault_server, case):
    server = fault_server(spoiled(*GARBAGE[case]))

    run = run_client(smtpsend, server)

    assert_exit_within(run, PROTOCOL, QUICK_SECONDS)
    assert_no_body_sent(server, run)
    assert "DATA" not in server.verbs(), server.describe()


@pytest.mark.parametrize("case", list(OVER_THE_LIMITS))
def test_a_reply_past_the_limits_is_a_protocol_error(smtpsend, fault_server, case):
    server = fault_server(spoiled(*OVER_THE_LIMITS[case]))

    run = run_client(smtpsend, server)

    assert_exit_within(run, PROTOCOL, QUICK_SECONDS)
    assert_no_body_sent(server, run)


@pytest.mark.parametrize("case", list(AT_THE_LIMITS))
def test_a_reply_at_the_limits_is_accepted(smtpsend, fault_server, case):
    server = fault_server(spoiled(*AT_THE_LIMITS[case]))

    run = run_client(smtpsend, server)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.message is not None


def test_control_bytes_in_a_refusal_are_escaped_not_printed(smtpsend, fault_server):
    # A reply's text reaches the user's terminal in the error message; escape sequences in it
    # must arrive as visible text, not as commands to the terminal.
    server = fault_server(spoiled("rcpt", [
        Expect("RCPT"), Send(b"550 5.1.1 \x1b]0;owned\x07\x1b[2Jno such user\r\n")]))

    run = run_client(smtpsend, server)

    assert run.returncode == 67, run.describe()
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr, run.describe()
    assert "no such user" in run.stderr, run.describe()
