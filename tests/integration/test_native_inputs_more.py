"""Native mode's inputs, continued: attachments from pipes (`-a <(command)`, `-a -`,
`-a /dev/stdin`), a text body that is not UTF-8, commas and unknown keys in `-a FILE,key=value`,
and Message-ID and Date given with -H.

A pipe is copied to a private temporary file before connecting, so the SIZE= announced is the
size sent and memory stays flat; standard input can be claimed by one input only (64). A body that
is not valid UTF-8 is sent as charset=unknown-8bit (RFC 1428) with one warning, never dropped.
"""

import os
import re
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from support import (ERROR_PREFIX, RECIPIENT, SENDER, SUBPROCESS_TIMEOUT_SECONDS, SmtpsendRun,
                     connect_args, dry_run_args, parse_message)

EX_USAGE = 64
EX_DATAERR = 65

# More than a pipe's buffer (64 KiB), so the writer must wait for the reader.
PIPED_OCTETS = 1024 * 1024 + 17


@pytest.fixture
def server(start_server):
    return start_server("plain")


def native_args(server, *args: str) -> list[str]:
    return [*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-t", RECIPIENT,
            "-s", "Inputs", *args]


def run(smtpsend, args: list[str], *, stdin=subprocess.DEVNULL, body: bytes | None = None,
        pass_fds=(), env=None) -> SmtpsendRun:
    """Runs the binary; `body`, when given, comes through a pipe on standard input."""
    argv = [str(smtpsend.binary), *args]
    if body is not None:
        stdin = None
    try:
        completed = subprocess.run(argv, stdin=stdin, input=body, capture_output=True,
                                   pass_fds=pass_fds,
                                   env=smtpsend.environment(env),
                                   timeout=SUBPROCESS_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"smtpsend did not finish: {' '.join(argv)}\n"
                    f"{(expired.stderr or b'').decode(errors='replace')}")
    return SmtpsendRun(args=argv, returncode=completed.returncode, stdout=completed.stdout,
                       stderr=completed.stderr.decode("utf-8", errors="replace"))


def run_with_pipe(smtpsend, content: bytes, make_args, *, as_stdin: bool = False,
                  env=None) -> SmtpsendRun:
    """Runs the binary with a pipe that a thread fills with `content` while it is read: as
    /dev/fd/N (what `<(command)` gives) or as standard input. `make_args(path)` builds argv."""
    read_end, write_end = os.pipe()

    def feed():
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for start in range(0, len(content), 65521):
                pipe.write(content[start:start + 65521])

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        if as_stdin:
            result = run(smtpsend, make_args("-"), stdin=read_end, env=env)
        else:
            result = run(smtpsend, make_args(f"/dev/fd/{read_end}"), pass_fds=(read_end,),
                         env=env)
    finally:
        os.close(read_end)
        writer.join(timeout=SUBPROCESS_TIMEOUT_SECONDS)
    return result


def piped_content() -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(PIPED_OCTETS))


def only_attachment(raw: bytes):
    message = parse_message(raw)
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1, raw[:2000]
    return message, attachments[0]


def announced_size(received) -> int:
    sizes = [option for option in received.mail_options if option.upper().startswith("SIZE=")]
    assert len(sizes) == 1, received.mail_options
    return int(sizes[0].split("=", 1)[1])


def assert_usage_error_before_connecting(result: SmtpsendRun, server, code: int,
                                         *needles: str) -> None:
    assert result.returncode == code, result.describe()
    assert result.stderr.startswith(ERROR_PREFIX), result.describe()
    for needle in needles:
        assert needle in result.stderr, f"the error does not say {needle!r}\n{result.describe()}"
    assert server.connections == 0, f"connected before finding the error\n{result.describe()}"


# --- attachments from pipes -----------------------------------------------------------------


def test_process_substitution_attachment_arrives_whole_with_its_size_announced(
        smtpsend, server, tmp_path):
    content = piped_content()
    text = tmp_path / "body.txt"
    text.write_text("The log is attached.\n")
    result = run_with_pipe(smtpsend, content,
                           lambda path: native_args(server, "--text", str(text), "-a",
                                                    f"{path},name=log.bin"))
    assert result.returncode == 0, result.describe()
    received = server.messages[0]
    # RFC 1870: the size announced is the size of the message sent.
    assert announced_size(received) == len(received.raw), result.describe()
    _, attachment = only_attachment(received.raw)
    assert attachment.get_filename() == "log.bin"
    assert attachment.get_payload(decode=True) == content


def test_attachment_from_standard_input_is_named_stdin(smtpsend, server, tmp_path):
    content = piped_content()
    text = tmp_path / "body.txt"
    text.write_text("Standard input is attached.\n")
    result = run_with_pipe(smtpsend, content,
                           lambda path: native_args(server, "--text", str(text), "-a", path),
                           as_stdin=True)
    assert result.returncode == 0, result.describe()
    received = server.messages[0]
    assert announced_size(received) == len(received.raw)
    message, attachment = only_attachment(received.raw)
    assert attachment.get_filename() == "stdin"
    assert attachment.get_payload(decode=True) == content
    body = message.get_body(preferencelist=("plain",))
    assert body.get_content().replace("\r\n", "\n") == "Standard input is attached.\n"


# `-a -` takes standard input: it is not read as the body too.
@pytest.mark.parametrize("spelling", ["-", "/dev/stdin"])
def test_standard_input_attachment_without_text_has_no_body(smtpsend, server, spelling):
    result = run_with_pipe(smtpsend, b"just the attachment\n",
                           lambda path: native_args(server, "-a", f"{spelling},name=note.txt"),
                           as_stdin=True)
    assert result.returncode == 0, result.describe()
    message, attachment = only_attachment(server.messages[0].raw)
    assert attachment.get_payload(decode=True) == b"just the attachment\n"
    assert message.get_body(preferencelist=("plain",)) is None, server.messages[0].raw


@pytest.mark.parametrize("other", [["--text", "-"], ["--html", "-"], ["-a", "/dev/stdin"],
                                   ["--text", "/dev/stdin"]])
def test_standard_input_claimed_twice_is_a_usage_error(smtpsend, server, other):
    result = run(smtpsend, native_args(server, *other, "-a", "-"), body=b"")
    assert_usage_error_before_connecting(result, server, EX_USAGE, "standard input",
                                         "-a/--attach", other[0])


@pytest.mark.measures_memory
def test_large_piped_attachment_keeps_memory_flat(smtpsend, tmp_path):
    time = Path("/usr/bin/time")
    assert time.exists(), "install Debian's `time` package (/usr/bin/time)"
    octets = 50 * 1024 * 1024
    spool = tmp_path / "tmp"
    spool.mkdir()
    # `-a <(head -c 50M /dev/urandom)`, as a shell would set it up.
    feeder = subprocess.Popen(["head", "-c", str(octets), "/dev/urandom"],
                              stdout=subprocess.PIPE)
    descriptor = feeder.stdout.fileno()
    args = [str(time), "-v", str(smtpsend.binary), *dry_run_args(), "-f", SENDER, "-t",
            RECIPIENT, "-s", "Memory", "--text", "/dev/null", "-a",
            f"/dev/fd/{descriptor},name=random.bin"]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, pass_fds=(descriptor,),
                               env=smtpsend.environment({"TMPDIR": str(spool)}))
    feeder.stdout.close()
    sent = 0
    while chunk := process.stdout.read(1 << 20):
        sent += len(chunk)
    stderr = process.stderr.read().decode(errors="replace")
    process.wait(timeout=SUBPROCESS_TIMEOUT_SECONDS)
    feeder.wait(timeout=SUBPROCESS_TIMEOUT_SECONDS)
    assert process.returncode == 0, stderr
    assert sent > octets * 4 // 3, f"the message has {sent} octets\n{stderr}"
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    assert match, stderr
    peak = int(match.group(1))
    # The program alone is under 10 MB; holding the attachment would add 50 MB or more.
    assert peak < 24 * 1024, f"peak resident memory {peak} KiB for a 50 MiB piped attachment"
    assert list(spool.iterdir()) == [], "the temporary copy was left behind"


# --- a body that is not UTF-8 ------------------------------------------------------------------

NOT_UTF8 = b"kernel: caf\xe9 \xff\xfe overheating\nsecond line \xc3\n"


@pytest.mark.parametrize("how", ["stdin", "--text"])
def test_body_that_is_not_utf8_is_sent_as_unknown_8bit(smtpsend, server, tmp_path, how):
    if how == "stdin":
        result = run(smtpsend, native_args(server), body=NOT_UTF8)
    else:
        path = tmp_path / "body.txt"
        path.write_bytes(NOT_UTF8)
        result = run(smtpsend, native_args(server, "--text", str(path)))
    assert result.returncode == 0, result.describe()
    warnings = [line for line in result.stderr.splitlines() if "UTF-8" in line]
    assert len(warnings) == 1, result.describe()
    assert "charset=unknown-8bit" in warnings[0] and "--charset" in warnings[0], warnings[0]
    message = parse_message(server.messages[0].raw)
    assert message.get_content_type() == "text/plain"
    assert message.get_param("charset") == "unknown-8bit"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_payload(decode=True).replace(b"\r\n", b"\n") == NOT_UTF8
    assert all(byte < 0x80 for byte in server.messages[0].raw), "8-bit octets on the wire"


def test_body_that_is_not_utf8_takes_the_charset_given(smtpsend, server):
    result = run(smtpsend, native_args(server, "--charset", "ISO-8859-1"),
                 body=NOT_UTF8)
    assert result.returncode == 0, result.describe()
    assert "UTF-8" not in result.stderr, result.describe()
    message = parse_message(server.messages[0].raw)
    assert message.get_param("charset").lower() == "iso-8859-1"
    assert message.get_payload(decode=True).replace(b"\r\n", b"\n") == NOT_UTF8


# --- -a FILE,key=value --------------------------------------------------------------------------


def test_doubled_comma_is_a_comma_in_the_name(smtpsend, server, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    result = run(smtpsend, native_args(server, "--text", "/dev/null", "-a",
                                       f"{data},name=sales,,2026.csv"))
    assert result.returncode == 0, result.describe()
    _, attachment = only_attachment(server.messages[0].raw)
    assert attachment.get_filename() == "sales,2026.csv"
    assert attachment.get_payload(decode=True) == b"a,b\n1,2\n"


@pytest.mark.parametrize("name", ["report,v2.pdf", "notes,v=2.txt", "x,name=y.txt"])
def test_file_whose_name_has_commas_is_attached_under_its_name(smtpsend, server, tmp_path,
                                                               name):
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n")
    result = run(smtpsend, native_args(server, "--text", "/dev/null", "-a", str(path)))
    assert result.returncode == 0, result.describe()
    _, attachment = only_attachment(server.messages[0].raw)
    assert attachment.get_filename() == name


@pytest.mark.parametrize("option, argument, allowed", [
    ("-a", "{file},nmae=x.txt", "type= and name="),
    ("-a", "{file},cid=x", "type= and name="),
    ("--inline", "{file},name=x.png", "cid="),
])
def test_unknown_parameter_is_a_usage_error_naming_the_allowed_ones(smtpsend, server, tmp_path,
                                                                    option, argument, allowed):
    file = tmp_path / "logo.png"
    file.write_bytes(b"\x89PNG\r\n")
    html = tmp_path / "page.html"
    html.write_text('<img src="cid:logo.png">\n')
    result = run(smtpsend, native_args(server, "--html", str(html), option,
                                       argument.format(file=file)))
    assert_usage_error_before_connecting(result, server, EX_USAGE, "unknown parameter", allowed)


# --- Message-ID and Date given with -H ------------------------------------------------------------


def test_message_id_and_date_given_replace_the_generated_ones(smtpsend, server):
    result = run(smtpsend, native_args(server, "-H", "Message-ID: <alert.42@monitor.example>",
                                       "-H", "Date: Tue, 1 Dec 2026 08:00:00 -0500"),
                 body=b"Alert.\n")
    assert result.returncode == 0, result.describe()
    raw = server.messages[0].raw
    message = parse_message(raw)
    assert message.get_all("Message-ID") == ["<alert.42@monitor.example>"]
    assert len(message.get_all("Date")) == 1
    assert message["Date"].datetime == datetime(2026, 12, 1, 8, 0, 0,
                                                tzinfo=timezone(timedelta(hours=-5)))
    assert b"\r\nDate: Tue, 1 Dec 2026 08:00:00 -0500\r\n" in b"\r\n" + raw  # as given


@pytest.mark.parametrize("header", ["Message-ID: alert@monitor.example",
                                    "Message-ID: <no-domain>",
                                    "Date: 2026-12-01 08:00",
                                    "Date: Mon, 1 Dec 2026 08:00:00 -0500"])
def test_message_id_or_date_out_of_form_is_a_data_error(smtpsend, server, header):
    result = run(smtpsend, native_args(server, "-H", header), body=b"x\n")
    assert_usage_error_before_connecting(result, server, EX_DATAERR, header.split(":")[0],
                                         "RFC 5322")


def test_reserved_header_names_the_option_that_sets_it(smtpsend, server):
    result = run(smtpsend, native_args(server, "-H", "From: eve@example.test"),
                 body=b"x\n")
    assert_usage_error_before_connecting(result, server, EX_DATAERR, "-f/--from")
    assert "own option" not in result.stderr
