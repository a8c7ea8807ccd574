"""Sending without TLS or AUTH: what arrives must be exactly what was sent."""

import re

from support import (RECIPIENT, SENDER, all_defects, assert_exit, connect_args, envelope_args,
                     parse_message, text_body)

# RFC 5322 §2.1.1: no line of a message may exceed 998 characters plus CRLF.
MAX_LINE_OCTETS = 998

TRICKY_BODY = (
    "First line.\n"
    ".A line starting with a dot (RFC 5321 §4.5.2 transparency).\n"
    "..Two dots.\n"
    ".\n"
    "The line above was a lone dot.\n"
    + "long-ish line " * 60 + "end\n"
    + "Trailing spaces   \n"
    "Trailing tab\t\n"
    "Grüße aus Köln — ünïcödé.\n"
    "\n"
    "Last line after an empty one.\n"
)


def test_plain_send_delivers_the_body_unchanged(smtpsend, start_server):
    server = start_server("plain")
    cc, bcc = "carol@example.test", "dave@example.test"

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"),
                       *envelope_args(RECIPIENT, subject="Plain send"), "-c", cc, "-b", bcc,
                       body=TRICKY_BODY)

    assert_exit(run, 0)
    assert run.stdout == b"", run.describe()
    [received] = server.messages
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == sorted([RECIPIENT, cc, bcc])
    assert received.auth_user is None and not received.in_tls

    message = parse_message(received.raw)
    assert all_defects(message) == [], received.raw.decode(errors="replace")
    assert text_body(message) == TRICKY_BODY
    assert SENDER in str(message["From"])
    assert RECIPIENT in str(message["To"])
    assert cc in str(message["Cc"])
    assert str(message["Subject"]) == "Plain send"
    for required in ("Date", "Message-ID", "MIME-Version"):
        assert message[required] is not None, f"{required} missing:\n{received.raw.decode()}"
    assert message["Bcc"] is None, "Bcc must not appear in the transmitted header"
    assert bcc.encode() not in received.raw, "the Bcc address leaked into the message"


def test_message_on_the_wire_uses_crlf_and_respects_line_limits(smtpsend, start_server):
    server = start_server("plain")
    body = "x" * 2500 + "\nshort\n"

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), *envelope_args(),
                       body=body)

    assert_exit(run, 0)
    [received] = server.messages
    # RFC 5321 §2.3.8: lines end in CRLF; a bare LF or CR must never reach the server.
    assert re.search(rb"(?<!\r)\n", received.raw) is None, "bare LF in the message"
    assert re.search(rb"\r(?!\n)", received.raw) is None, "bare CR in the message"
    lines = received.raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= MAX_LINE_OCTETS
    assert text_body(parse_message(received.raw)) == body


def test_non_ascii_subject_is_encoded_and_decodes_back(smtpsend, start_server):
    server = start_server("plain")
    subject = "Grüße aus Köln – 東京"

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"),
                       *envelope_args(subject=subject))

    assert_exit(run, 0)
    [received] = server.messages
    message = parse_message(received.raw)
    assert all_defects(message) == []
    assert str(message["Subject"]) == subject
    # Without SMTPUTF8 in use the header itself must stay ASCII (RFC 2047 encoded-words).
    if "SMTPUTF8" not in [option.upper() for option in received.mail_options]:
        header_block = received.raw.split(b"\r\n\r\n", 1)[0]
        assert header_block.isascii(), header_block.decode(errors="replace")


def test_positional_recipients_are_used_as_envelope_recipients(smtpsend, start_server):
    server = start_server("plain")
    others = ["erin@example.test", "frank@example.test"]

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-s",
                       "Positional", *others)

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == sorted(others)


def test_comma_separated_recipient_lists_are_split(smtpsend, start_server):
    server = start_server("plain")

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-s",
                       "List", "-t", "erin@example.test, frank@example.test")

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == ["erin@example.test", "frank@example.test"]


def test_body_from_text_file(smtpsend, start_server, tmp_path):
    server = start_server("plain")
    text_file = tmp_path / "body.txt"
    text_file.write_text("From a file.\n.dot\n", encoding="utf-8")

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), *envelope_args(),
                       "--text", str(text_file), body=b"")

    assert_exit(run, 0)
    [received] = server.messages
    assert text_body(parse_message(received.raw)) == "From a file.\n.dot\n"
