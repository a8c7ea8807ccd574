"""Prepared messages (sendmail mode's standard input, --message FILE|-) with the line ends and
bytes that real programs produce: text converted to CRLF twice ("\\r\\r\\n", from Windows tools),
Resent-* fields, lines over 998 octets and NUL bytes.

What arrives at the recording server is checked byte for byte and parsed with Python's `email`:
Bcc and Resent-Bcc never reach it, the fields after them are still header fields, and every line
is CRLF-ended and at most 998 octets long.
"""

from __future__ import annotations

import re

import pytest

from support import (SENDER, assert_exit, assert_nothing_delivered, assert_wire_format,
                     connect_args, header_section, parse_message)
from test_sendmail_mode import Sendmail

EX_DATAERR = 65
BCC_FIELD = re.compile(rb"^(resent-)?bcc\s*:", re.IGNORECASE | re.MULTILINE)
HIDDEN = "hidden@example.test"
VISIBLE = "bob@example.test"

# A message converted to CRLF twice: every line ends in "\r\r\n".
DOUBLE_CR_MESSAGE = (b"From: Alice <alice@example.test>\r\r\n"
                     b"To: " + VISIBLE.encode() + b"\r\r\n"
                     b"Bcc: " + HIDDEN.encode() + b"\r\r\n"
                     b"Subject: converted twice\r\r\n"
                     b"X-After-Bcc: still a header field\r\r\n"
                     b"\r\r\n"
                     b"First line.\r\r\n"
                     b"Second line.\r\r\n")


@pytest.fixture
def sendmail(smtpsend_binary, tmp_path) -> Sendmail:
    return Sendmail(smtpsend_binary, tmp_path / "sendmail")


def assert_bcc_hidden_and_fields_kept(raw: bytes) -> None:
    assert_wire_format(raw)
    assert BCC_FIELD.search(raw) is None, f"a Bcc field reached the server:\n{raw!r}"
    assert HIDDEN.encode() not in raw, f"the hidden address reached the server:\n{raw!r}"
    message = parse_message(raw)
    assert message["Subject"] == "converted twice"
    assert message["X-After-Bcc"] == "still a header field", raw
    assert raw.split(b"\r\n\r\n", 1)[1] == b"First line.\r\nSecond line.\r\n"


def test_sendmail_t_with_cr_cr_lf_line_ends_sends_to_bcc_and_hides_it(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run("-t", "-i", message=DOUBLE_CR_MESSAGE)

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == [VISIBLE, HIDDEN], run.describe()
    assert_bcc_hidden_and_fields_kept(received.raw)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_message_with_cr_cr_lf_line_ends_hides_bcc(smtpsend, start_server, tmp_path, source):
    server = start_server("plain")
    if source == "file":
        prepared = tmp_path / "prepared.eml"
        prepared.write_bytes(DOUBLE_CR_MESSAGE)
        message_args, stdin = ["--message", str(prepared)], b""
    else:
        message_args, stdin = ["--message", "-"], DOUBLE_CR_MESSAGE

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-t",
                       VISIBLE, "-b", HIDDEN, *message_args, body=stdin)

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == [VISIBLE, HIDDEN], run.describe()
    assert_bcc_hidden_and_fields_kept(received.raw)


RESENT_MESSAGE = (b"Resent-From: Alice <alice@example.test>\n"
                  b"Resent-To: carol@example.test\n"
                  b"Resent-Cc: dave@example.test\n"
                  b"Resent-Bcc: " + HIDDEN.encode() + b"\n"
                  b"From: Bob <bob@example.test>\n"
                  b"To: original@example.test\n"
                  b"Bcc: original-hidden@example.test\n"
                  b"Subject: forwarded as it was\n"
                  b"\n"
                  b"Body.\n")


def test_sendmail_t_sends_a_resent_message_to_its_resent_recipients(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run("-t", "-i", message=RESENT_MESSAGE)

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == ["carol@example.test", "dave@example.test", HIDDEN], (
        run.describe())
    assert BCC_FIELD.search(received.raw) is None, received.raw
    message = parse_message(received.raw)
    assert message["Resent-To"] == "carol@example.test"
    assert message["To"] == "original@example.test"


def test_message_file_has_its_resent_bcc_removed(smtpsend, start_server, tmp_path):
    server = start_server("plain")
    prepared = tmp_path / "resent.eml"
    prepared.write_bytes(RESENT_MESSAGE)

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-t",
                       "carol@example.test", "--message", str(prepared), body=b"")

    assert_exit(run, 0)
    [received] = server.messages
    assert BCC_FIELD.search(received.raw) is None, received.raw
    assert b"Resent-To: carol@example.test\r\n" in header_section(received.raw)


# A cron job's output with one 2,000-character log line: it must arrive, broken to the limit.
LONG_LINE = b"x" * 2000
CRON_LONG_LINE = (b"To: " + VISIBLE.encode() + b"\n"
                  b"Subject: nightly log " + b"s" * 1200 + b"\n"
                  b"\n"
                  b"log: " + LONG_LINE + b"\n")


def test_sendmail_breaks_lines_over_998_octets(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run("-t", "-i", message=CRON_LONG_LINE)

    assert_exit(run, 0)
    assert "longer than the 998 octets a mail line may have" in run.stderr, run.describe()
    [received] = server.messages
    assert_wire_format(received.raw)
    message = parse_message(received.raw)
    assert message["To"] == VISIBLE
    body = received.raw.split(b"\r\n\r\n", 1)[1]
    assert body.replace(b"\r\n", b"") == b"log: " + LONG_LINE


def test_message_file_size_matches_what_is_sent_after_breaking(smtpsend, start_server, tmp_path):
    server = start_server("plain")
    prepared = tmp_path / "long.eml"
    prepared.write_bytes(CRON_LONG_LINE)

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-t",
                       VISIBLE, "--message", str(prepared), body=b"")

    assert_exit(run, 0)
    [received] = server.messages
    assert_wire_format(received.raw)
    # The SIZE declared (RFC 1870) is what was sent before dot-stuffing, breaks included.
    [size] = [option.split("=", 1)[1] for option in received.mail_options
              if option.upper().startswith("SIZE=")]
    assert int(size) == len(received.raw), run.describe()


NUL_IN_BODY = (b"To: " + VISIBLE.encode() + b"\n"
               b"Subject: binary by mistake\n"
               b"\n" + b"text before the NUL byte\n" * 10000 + b"binary \0 data\n" + b"after\n")


def test_sendmail_nul_byte_in_the_body_sends_nothing(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run("-t", "-i", message=NUL_IN_BODY)

    assert_exit(run, EX_DATAERR)
    assert server.messages == [], f"the server stored a message\n{run.describe()}"
    assert "NUL byte" in run.stderr and "line 10004" in run.stderr, run.describe()
    assert "not sent" in run.stderr, run.describe()


def test_message_file_with_a_nul_byte_is_refused_before_connecting(smtpsend, start_server,
                                                                   tmp_path):
    server = start_server("plain")
    prepared = tmp_path / "nul.eml"
    prepared.write_bytes(NUL_IN_BODY)

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-t",
                       VISIBLE, "--message", str(prepared), body=b"")

    assert_exit(run, EX_DATAERR)
    assert_nothing_delivered(server, run)
    assert server.commands == [], f"the client connected: {server.commands}"
    assert "NUL byte" in run.stderr and "nothing was sent" in run.stderr, run.describe()
