"""Sendmail mode: the program run through a symlink named `sendmail` (or with --sendmail first),
reading a whole message from standard input, as cron, mailx and other programs hand mail over.

Every run is what cron gives a job: an environment of HOME and PATH only, a session of its own
with no controlling terminal, standard input a pipe. The account comes from the configuration
file in HOME/.config/smtpsend/config.
"""

from __future__ import annotations

import email.utils
import re
from pathlib import Path
from typing import Optional

import pytest

from support import (ERROR_PREFIX, SmtpsendRun, assert_exit, header_section, parse_message,
                     run_in_clean_environment, single_address)

EX_USAGE = 64
ACCOUNT_FROM = "cron@host.example.test"
ROOT_MAILBOX = "admin@example.test"
# Added by the client when the message lacks them (RFC 5322 §3.6: Date and From are required,
# Message-ID is expected).
ADDED_FIELDS = ("date", "message-id")
BCC_FIELD = re.compile(rb"^bcc:", re.IGNORECASE | re.MULTILINE)
MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")


def crlf(text: bytes) -> bytes:
    return text.replace(b"\n", b"\r\n")


def header_lines(raw: bytes) -> list[bytes]:
    """The header section's physical lines, folded continuations kept as their own lines."""
    return header_section(raw).split(b"\r\n")[:-1]


def body_of(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[1]


def without_fields(lines: list[bytes], names: tuple[str, ...]) -> list[bytes]:
    """`lines` without the fields called `names` (case-insensitive), continuation lines too."""
    kept, dropping = [], False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].decode("ascii", errors="replace").strip().lower()
        dropping = name in names
        if not dropping:
            kept.append(line)
    return kept


def field_count(lines: list[bytes], name: str) -> int:
    return sum(1 for line in lines if line.lower().startswith(name.encode() + b":"))


class Sendmail:
    """A HOME with a configuration file, and a bin directory holding `sendmail` -> the binary."""

    def __init__(self, binary: Path, directory: Path):
        self.binary = binary
        self.home = directory / "home"
        self.home.mkdir(parents=True)
        self.bin_dir = directory / "bin"
        self.bin_dir.mkdir()
        self.symlink = self.bin_dir / "sendmail"
        self.symlink.symlink_to(binary)
        self.aliases = directory / "aliases"
        self.aliases.write_text(f"root: {ROOT_MAILBOX}\n", encoding="utf-8")

    def configure(self, server, extra: str = "") -> Path:
        path = self.home / ".config" / "smtpsend" / "config"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# The site's relay, as a system-wide sendmail replacement uses it.\n"
                        "defaults\n"
                        "tls off\n"
                        f"aliases {self.aliases}\n"
                        "\n"
                        "account relay\n"
                        "host 127.0.0.1\n"
                        f"port {server.port}\n"
                        f"from {ACCOUNT_FROM}\n"
                        f"{extra}"
                        "\n"
                        "account default : relay\n", encoding="utf-8")
        path.chmod(0o600)
        return path

    def run(self, *args: str, message: bytes, argv0: Optional[Path] = None,
            env: Optional[dict[str, str]] = None) -> SmtpsendRun:
        """Runs `sendmail ARGS` (or `argv0 ARGS`) with `message` on a pipe, as cron does."""
        return run_in_clean_environment([str(argv0 or self.symlink), *args], home=self.home,
                                        path=f"{self.bin_dir}:/usr/bin:/bin", stdin=message,
                                        env=env)


@pytest.fixture
def sendmail(smtpsend_binary, tmp_path) -> Sendmail:
    return Sendmail(smtpsend_binary, tmp_path / "sendmail")


# What Debian's cron pipes to `sendmail -FCronDaemon -i -B8BITMIME -oem root` when a job prints
# something, without the From field (the client is asked to add it with the -F name).
CRON_MESSAGE = (b"To: root\n"
                b"Subject: Cron <root@host> /usr/local/bin/nightly-backup\n"
                b"MIME-Version: 1.0\n"
                b"Content-Type: text/plain; charset=UTF-8\n"
                b"Content-Transfer-Encoding: 8bit\n"
                b"X-Cron-Env: <SHELL=/bin/sh>\n"
                b"X-Cron-Env: <HOME=/root>\n"
                b"\n"
                b"backup finished: 42 files\n"
                b".\n"
                b"the line above is a lone dot, kept because of -i\n")


def test_cron_style_run_through_a_symlink(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run("-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root", message=CRON_MESSAGE)

    assert_exit(run, 0)
    assert run.stdout == b"", run.describe()
    [received] = server.messages
    assert received.mail_from == ACCOUNT_FROM
    assert received.rcpt_tos == [ROOT_MAILBOX], "root goes through the aliases file"
    message = parse_message(received.raw)
    assert single_address(message, "From") == ("CronDaemon", ACCOUNT_FROM)
    assert email.utils.parsedate_to_datetime(str(message["Date"])) is not None
    assert MESSAGE_ID.match(str(message["Message-ID"]).strip()), message["Message-ID"]
    lines = header_lines(received.raw)
    for name in ("from", *ADDED_FIELDS):
        assert field_count(lines, name) == 1, f"expected one {name} field:\n{lines}"
    original = header_lines(crlf(CRON_MESSAGE))
    assert without_fields(lines, ("from", *ADDED_FIELDS)) == original
    assert body_of(received.raw) == body_of(crlf(CRON_MESSAGE))


# Header fields as mail programs write them, not as a library would re-create them: odd spacing,
# trailing blanks, folding with tabs and spaces, lowercase names, repeated fields.
UNUSUAL_HEADERS = (b'From: "Q. Sender" <q@example.test>\n'
                   b"To: bob@example.test\n"
                   b"Subject:   spaced   out  subject  \n"
                   b"X-Folded: first part\n"
                   b"\tcontinued after a tab\n"
                   b"   and after spaces\n"
                   b"x-lower-case: kept as written\n"
                   b"X-No-Space:value\n"
                   b"Received: from a.example.test by b.example.test;\n"
                   b" Mon, 1 Jan 2024 00:00:00 +0000\n"
                   b"Received: from c.example.test by a.example.test;\n"
                   b" Mon, 1 Jan 2024 00:00:01 +0000\n"
                   b"Content-Type: text/plain; charset=us-ascii\n")


def test_piped_header_fields_are_kept_byte_for_byte(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)
    message = UNUSUAL_HEADERS + b"\nBody line.\n"

    run = sendmail.run("-i", "bob@example.test", message=message)

    assert_exit(run, 0)
    [received] = server.messages
    lines = header_lines(received.raw)
    assert without_fields(lines, ADDED_FIELDS) == header_lines(crlf(message)), (
        received.raw.decode(errors="replace"))
    for name in ADDED_FIELDS:
        assert field_count(lines, name) == 1, f"expected one added {name} field:\n{lines}"
    assert body_of(received.raw) == b"Body line.\r\n"


TO_CC_BCC_MESSAGE = (b"From: Alice <alice@example.test>\n"
                     b"To: Bob <bob@example.test>, carol@example.test\n"
                     b"Cc: dave@example.test\n"
                     b"Bcc: eve@example.test,\n"
                     b" frank@example.test\n"
                     b"Subject: recipients from the header\n"
                     b"\n"
                     b"Hello all.\n")


def test_t_takes_to_cc_and_bcc_and_removes_bcc(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run("-t", "-i", message=TO_CC_BCC_MESSAGE)

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == ["bob@example.test", "carol@example.test",
                                         "dave@example.test", "eve@example.test",
                                         "frank@example.test"], run.describe()
    assert BCC_FIELD.search(received.raw) is None, received.raw.decode(errors="replace")
    assert b"eve@example.test" not in received.raw and b"frank@example.test" not in received.raw
    lines = header_lines(received.raw)
    assert without_fields(lines, ADDED_FIELDS) == without_fields(
        header_lines(crlf(TO_CC_BCC_MESSAGE)), ("bcc",))
    assert body_of(received.raw) == b"Hello all.\r\n"


def test_arguments_and_t_combine(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)
    message = b"From: alice@example.test\nTo: bob@example.test\nSubject: both\n\nHi.\n"

    run = sendmail.run("-t", "-i", "extra@example.test", message=message)

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == ["bob@example.test", "extra@example.test"]


DOT_MESSAGE = (b"From: alice@example.test\n"
               b"To: bob@example.test\n"
               b"Subject: dots\n"
               b"\n"
               b"before\n"
               b".\n"
               b"after the lone dot\n")


@pytest.mark.parametrize("flags, body", [
    ((), b"before\r\n"),
    (("-i",), b"before\r\n.\r\nafter the lone dot\r\n"),
    (("-oi",), b"before\r\n.\r\nafter the lone dot\r\n"),
], ids=["dot-ends-the-message", "-i-keeps-it", "-oi-keeps-it"])
def test_lone_dot_rule(sendmail, start_server, flags, body):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run(*flags, "bob@example.test", message=DOT_MESSAGE)

    assert_exit(run, 0)
    [received] = server.messages
    assert body_of(received.raw) == body, received.raw.decode(errors="replace")


def test_f_sets_the_envelope_sender_and_keeps_the_from_field(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)
    message = b"From: Alice <alice@example.test>\nTo: bob@example.test\nSubject: -f\n\nHi.\n"

    run = sendmail.run("-i", "-f", "bounces@example.test", "bob@example.test", message=message)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.mail_from == "bounces@example.test"
    lines = header_lines(received.raw)
    assert b"From: Alice <alice@example.test>" in lines, lines
    assert field_count(lines, "from") == 1


def test_f_and_F_make_the_added_from_field(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)
    message = b"To: bob@example.test\nSubject: no From\n\nHi.\n"

    run = sendmail.run("-i", "-fbounces@example.test", "-F", "Bounce Handler",
                       "bob@example.test", message=message)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.mail_from == "bounces@example.test"
    assert single_address(parse_message(received.raw), "From") == (
        "Bounce Handler", "bounces@example.test")


def test_sendmail_option_as_first_argument_works_like_the_symlink(sendmail, start_server):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run("--sendmail", "-t", "-i", argv0=sendmail.binary,
                       message=TO_CC_BCC_MESSAGE)

    assert_exit(run, 0)
    [received] = server.messages
    assert len(received.rcpt_tos) == 5, received.rcpt_tos
    assert BCC_FIELD.search(received.raw) is None
    assert received.mail_from == ACCOUNT_FROM


@pytest.mark.parametrize("flag", ["-bp", "-bs", "-q", "-q30m"])
def test_queue_and_daemon_modes_are_usage_errors(sendmail, start_server, flag):
    server = start_server("plain")
    sendmail.configure(server)

    run = sendmail.run(flag, message=b"")

    assert_exit(run, EX_USAGE)
    assert flag in run.stderr and "not supported" in run.stderr, run.describe()
    assert ERROR_PREFIX in run.stderr
    assert server.connections == 0


def test_dsn_flags_are_left_out_with_a_warning_when_the_server_lacks_dsn(sendmail, start_server):
    server = start_server("plain")  # aiosmtpd does not announce DSN (RFC 3461)
    sendmail.configure(server)
    message = b"From: alice@example.test\nTo: bob@example.test\nSubject: dsn\n\nHi.\n"

    run = sendmail.run("-i", "-N", "success,failure", "-R", "hdrs", "-V", "envid-42",
                       "bob@example.test", message=message)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_options == [], received.rcpt_options
    assert not [o for o in received.mail_options if o.upper().startswith(("RET=", "ENVID="))]
    assert "DSN" in run.stderr.upper(), f"no warning about DSN\n{run.describe()}"
    assert ERROR_PREFIX not in run.stderr


def test_sendmail_mode_reads_the_config_option(sendmail, start_server, tmp_path):
    server = start_server("plain")
    other = start_server("plain")
    sendmail.configure(other)
    named = tmp_path / "site.msmtprc"
    named.write_text(f"account default\nhost 127.0.0.1\nport {server.port}\ntls off\n"
                     "from site@example.test\n", encoding="utf-8")
    named.chmod(0o600)
    message = b"To: bob@example.test\nSubject: -C\n\nHi.\n"

    run = sendmail.run("-C", str(named), "-i", "bob@example.test", message=message)

    assert_exit(run, 0)
    assert other.connections == 0
    assert [m.mail_from for m in server.messages] == ["site@example.test"]


def test_the_trace_file_of_sendmail_mode_comes_from_the_configuration(sendmail, start_server,
                                                                      tmp_path):
    server = start_server("plain")
    trace = tmp_path / "trace.log"
    sendmail.configure(server, extra=f"trace_file {trace}\n")

    run = sendmail.run("-t", "-i", message=b"To: bob@example.test\nSubject: traced\n\nHi.\n")

    assert_exit(run, 0)
    text = trace.read_text(encoding="utf-8", errors="replace")
    assert "<- 220" in text and "-> MAIL FROM:" in text, text
    assert "<- 220" not in run.stderr, run.describe()
    assert trace.stat().st_mode & 0o777 == 0o600
