"""MIME messages: text, HTML, inline images and attachments arrive as a correct part tree whose
every part decodes to exactly what was given; prepared messages (--message) go through unchanged.

The received bytes are parsed with Python's `email` package (policy.default); anything it flags
as a defect is a failure.
"""

import re

import pytest

from support import (MAX_FOLDED_HEADER_LINE_OCTETS, PASSWORD, RECIPIENT, SENDER, USER,
                     assert_exit, assert_no_defects, assert_wire_format, cid_references,
                     connect_args, content_id, decoded_text, dry_run_args, header_section,
                     make_png, mime_tree, parse_message, single_address)

# Japanese, emoji (4-octet UTF-8) and ASCII words: long enough that RFC 2047 encoding must fold.
SUBJECT = ("四半期レポート 📊 売上と利益の概要 🚀 — Quarterly summary for the board, "
           "with enough words that the encoded header has to be folded ✅")
FROM_NAME = "Zoë Ångström"
TO_NAME = "山田 太郎"
CC_NAME = "Müller, Jürgen"  # the comma needs a quoted-string (RFC 5322 §3.4)
CC_ADDRESS = "carol@example.test"
BCC_ADDRESS = "dave@example.test"
FULL_TREE = ("multipart/mixed", [
    ("multipart/related", [
        ("multipart/alternative", ["text/plain", "text/html"]),
        "image/png",
        "image/png",
    ]),
    "application/x-test-bytes",
    "text/plain",
    "application/octet-stream",
])
# RFC 2231 §3/§4: name*=charset'lang'value, possibly split into name*0*=, name*1*=, ...
RFC2231_FILENAME = re.compile(rb"filename\*(0\*?)?=", re.IGNORECASE)
TEXT_ENCODINGS = ("7bit", "quoted-printable")


def addressing_args() -> list[str]:
    return ["-f", f"{FROM_NAME} <{SENDER}>", "-t", f"{TO_NAME} <{RECIPIENT}>",
            "-c", f'"{CC_NAME}" <{CC_ADDRESS}>', "-b", BCC_ADDRESS, "-s", SUBJECT]


def assert_text_part(part, expected: str) -> None:
    assert part["Content-Transfer-Encoding"].lower() in TEXT_ENCODINGS, (
        f"{part.get_content_type()} sent as {part['Content-Transfer-Encoding']}")
    assert part.get_content_charset() == "utf-8"
    assert decoded_text(part) == expected


def assert_file_part(part, sent, disposition: str) -> None:
    what = f"{sent.name} ({part.get_content_type()})"
    assert part.get_content_type() == sent.media_type, what
    assert part["Content-Transfer-Encoding"].lower() == "base64", (
        f"{what} sent as {part['Content-Transfer-Encoding']}, expected base64")
    assert part.get_content_disposition() == disposition, what
    assert part.get_payload(decode=True) == sent.data, f"{what} does not decode to the original"


def assert_full_message(raw: bytes, files) -> None:
    """Everything test 1 promises about the received bytes of the full message."""
    assert_wire_format(raw)
    headers = header_section(raw)
    assert max(headers) < 0x80, "the header section has 8-bit octets; RFC 2047 should encode them"
    assert BCC_ADDRESS.encode() not in headers and b"\r\nbcc:" not in headers.lower(), (
        f"the Bcc recipient shows in the headers:\n{headers.decode()}")
    subject_lines = re.search(rb"(?:\A|\r\n)Subject:.*?\r\n(?![ \t])", headers,
                              re.DOTALL | re.IGNORECASE)
    assert subject_lines, headers.decode()
    physical = subject_lines.group(0).strip(b"\r\n").split(b"\r\n")
    assert len(physical) > 1, f"the long Subject was not folded: {physical}"
    assert all(len(line) <= MAX_FOLDED_HEADER_LINE_OCTETS for line in physical), physical

    message = parse_message(raw)
    assert_no_defects(message)
    assert message["MIME-Version"] == "1.0"
    assert str(message["Subject"]) == SUBJECT
    assert single_address(message, "From") == (FROM_NAME, SENDER)
    assert single_address(message, "To") == (TO_NAME, RECIPIENT)
    assert single_address(message, "Cc") == (CC_NAME, CC_ADDRESS)
    assert message["Bcc"] is None
    assert mime_tree(message) == FULL_TREE

    related, *attachments = message.iter_parts()
    alternative, *images = related.iter_parts()
    # RFC 2387 §3.1: the "type" parameter names the root part's type.
    assert related.get_param("type") == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert_text_part(text, files.text)
    assert_text_part(html, files.html)

    referenced = cid_references(decoded_text(html))
    assert sorted(referenced) == sorted(image.content_id for image in files.inline)
    assert [content_id(part) for part in images] == [image.content_id for image in files.inline]
    for part, sent in zip(images, files.inline):
        assert_file_part(part, sent, "inline")
    for part, sent in zip(attachments, files.attachments):
        assert_file_part(part, sent, "attachment")
        assert part.get_filename() == sent.name
        assert part.get_param("name") is not None, (
            f"{sent.name}: no name= parameter on Content-Type for readers without RFC 2231")

    # Python decodes RFC 2231 and RFC 2047 alike; the raw bytes show which one was used.
    assert RFC2231_FILENAME.search(raw), "the non-ASCII file name has no RFC 2231 filename*="


def test_full_message_over_starttls_arrives_exactly(smtpsend, start_server, pki, mime_files):
    server = start_server("starttls", users={USER: PASSWORD})

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user", USER,
                       *addressing_args(), *mime_files.content_args(), body=b"",
                       env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert run.stdout == b""
    [received] = server.messages
    assert received.in_tls and received.auth_user == USER
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == sorted([RECIPIENT, CC_ADDRESS, BCC_ADDRESS])
    assert_full_message(received.raw, mime_files)


def test_dry_run_prints_the_full_message(smtpsend, start_server, mime_files):
    server = start_server("plain")

    run = smtpsend.run(*dry_run_args(), "--port", str(server.port), *addressing_args(),
                       *mime_files.content_args(), body=b"")

    assert_exit(run, 0)
    assert server.connections == 0, "--dry-run must not connect"
    assert_full_message(run.stdout, mime_files)


# -- each structure on its own ---------------------------------------------------------------------

TEXT = "Just text.\nGrüße.\n"
HTML = '<p>Hello <img src="cid:pixel.png"> Grüße</p>\n'


@pytest.fixture
def small_files(tmp_path):
    files = {
        "text": tmp_path / "text.txt",
        "html": tmp_path / "page.html",
        "image": tmp_path / "pixel.png",
        "attachment": tmp_path / "report.pdf",
    }
    files["text"].write_text(TEXT, encoding="utf-8")
    files["html"].write_text(HTML, encoding="utf-8")
    files["image"].write_bytes(make_png(1, 1, seed=4))
    files["attachment"].write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)))
    return files


def dry_run_message(smtpsend, *content_args: str, body: bytes = b""):
    run = smtpsend.run(*dry_run_args(), "-f", SENDER, "-t", RECIPIENT, "-s", "Structure",
                       *content_args, body=body)
    assert_exit(run, 0)
    assert_wire_format(run.stdout)
    message = parse_message(run.stdout)
    assert_no_defects(message)
    return message


def test_text_only_is_a_single_text_plain_part(smtpsend, small_files):
    message = dry_run_message(smtpsend, "--text", str(small_files["text"]))

    assert mime_tree(message) == "text/plain"
    assert_text_part(message, TEXT)


def test_text_from_standard_input_with_text_dash(smtpsend):
    message = dry_run_message(smtpsend, "--text", "-", body=TEXT.encode("utf-8"))

    assert mime_tree(message) == "text/plain"
    assert_text_part(message, TEXT)


def test_text_and_html_are_alternatives_text_first(smtpsend, small_files):
    message = dry_run_message(smtpsend, "--text", str(small_files["text"]), "--html",
                              str(small_files["html"]))

    assert mime_tree(message) == ("multipart/alternative", ["text/plain", "text/html"])
    text, html = message.iter_parts()
    assert_text_part(text, TEXT)
    assert_text_part(html, HTML)


def test_html_with_inline_image_is_related(smtpsend, small_files):
    message = dry_run_message(smtpsend, "--html", str(small_files["html"]), "--inline",
                              str(small_files["image"]))

    assert mime_tree(message) == ("multipart/related", ["text/html", "image/png"])
    assert message.get_param("type") == "text/html"  # RFC 2387 §3.1
    html, image = message.iter_parts()
    assert_text_part(html, HTML)
    assert content_id(image) == "pixel.png"
    assert image.get_payload(decode=True) == small_files["image"].read_bytes()


def test_text_with_attachment_is_mixed(smtpsend, small_files):
    message = dry_run_message(smtpsend, "--text", str(small_files["text"]), "--attach",
                              str(small_files["attachment"]))

    assert mime_tree(message) == ("multipart/mixed", ["text/plain", "application/pdf"])
    text, attachment = message.iter_parts()
    assert_text_part(text, TEXT)
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_payload(decode=True) == small_files["attachment"].read_bytes()


def test_text_with_attachment_sent_in_the_clear(smtpsend, start_server, small_files):
    server = start_server("plain")

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-t",
                       RECIPIENT, "-s", "Mixed", "--text", str(small_files["text"]), "--attach",
                       str(small_files["attachment"]), body=b"")

    assert_exit(run, 0)
    [received] = server.messages
    assert_wire_format(received.raw)
    message = parse_message(received.raw)
    assert_no_defects(message)
    assert mime_tree(message) == ("multipart/mixed", ["text/plain", "application/pdf"])
    text, attachment = message.iter_parts()
    assert_text_part(text, TEXT)
    assert attachment.get_payload(decode=True) == small_files["attachment"].read_bytes()


def test_extra_headers_and_reply_to(smtpsend, small_files):
    message = dry_run_message(smtpsend, "--text", str(small_files["text"]), "-H",
                              "X-Tracking-ID: q3-report-42", "-H", "Keywords: figures, Q3",
                              "-r", "Support Team <support@example.test>")

    assert message["X-Tracking-ID"] == "q3-report-42"
    assert str(message["Keywords"]) == "figures, Q3"
    assert single_address(message, "Reply-To") == ("Support Team", "support@example.test")


# -- a prepared message (--message) ---------------------------------------------------------------

# LF line ends, lines that need dot-stuffing, a lone dot that would end DATA if not stuffed, and
# 8-bit text: it must arrive byte for byte, with only the line ends made CRLF (RFC 5321 §2.3.8).
PREPARED_MESSAGE = (
    "From: Prepared <prepared@example.test>\n"
    "To: someone-else@example.test\n"
    "Subject: prepared elsewhere\n"
    "Message-ID: <prepared-1@example.test>\n"
    "X-Custom: kept as is\n"
    "\n"
    ".leading dot\n"
    ".\n"
    "..two dots\n"
    "middle . dot\n"
    "Grüße\n"
    ".\n"
    "last line\n"
).encode("utf-8")


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_prepared_message_arrives_unchanged_with_crlf(smtpsend, start_server, pki, tmp_path,
                                                      source):
    server = start_server("starttls", users={USER: PASSWORD})
    if source == "file":
        prepared = tmp_path / "prepared.eml"
        prepared.write_bytes(PREPARED_MESSAGE)
        message_args, stdin = ["--message", str(prepared)], b""
    else:
        message_args, stdin = ["--message", "-"], PREPARED_MESSAGE

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user", USER,
                       "-f", SENDER, "-t", RECIPIENT, "-b", BCC_ADDRESS, *message_args,
                       body=stdin, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    [received] = server.messages
    assert received.raw == PREPARED_MESSAGE.replace(b"\n", b"\r\n"), (
        f"received:\n{received.raw!r}\n{run.describe()}")
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == sorted([RECIPIENT, BCC_ADDRESS])


def test_prepared_message_loses_its_bcc_header_but_keeps_the_rest(smtpsend, start_server,
                                                                  tmp_path):
    server = start_server("plain")
    prepared = tmp_path / "with-bcc.eml"
    prepared.write_bytes(b"From: alice@example.test\n"
                         b"To: bob@example.test\n"
                         b"Bcc: secret@example.test,\n"
                         b"  other-secret@example.test\n"
                         b"Subject: has a Bcc\n"
                         b"\n"
                         b"Bcc: this line is body text and stays.\n")

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER,
                       "-t", RECIPIENT, "-b", "secret@example.test", "--message", str(prepared))

    assert_exit(run, 0)
    [received] = server.messages
    assert received.raw == (b"From: alice@example.test\r\n"
                            b"To: bob@example.test\r\n"
                            b"Subject: has a Bcc\r\n"
                            b"\r\n"
                            b"Bcc: this line is body text and stays.\r\n"), received.raw
    assert "secret@example.test" in received.rcpt_tos
