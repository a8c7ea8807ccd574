"""Helpers shared by the integration tests: running the binary, parsing what servers received."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.message
import email.policy
import os
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from exim_server import EXIM_PACKAGE, find_exim
from smtp_server import TestSmtpServer

# Every child process gets a bound; a hung client must fail its test, not the CI job.
SUBPROCESS_TIMEOUT_SECONDS = 60
# How long to wait for a relayed message to reach the recording server.
MESSAGE_WAIT_SECONDS = 20

USER = "alice"
# Spaces, punctuation and non-ASCII: survives only if nobody re-splits or re-encodes it.
PASSWORD = "Tr0ub4dor&3 horse-battery-stäple"
SENDER = "alice@example.test"
RECIPIENT = "bob@example.test"
ERROR_PREFIX = "smtpsend: error: "


def b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def secret_spellings(user: str = USER, password: str = PASSWORD) -> list[str]:
    """Every form in which the password could leak into a trace (RFC 4616 PLAIN, RFC 4954 LOGIN)."""
    return [
        password,
        b64(password),
        b64(f"\0{user}\0{password}"),
        b64(f"{user}\0{user}\0{password}"),
    ]


@dataclasses.dataclass
class SmtpsendRun:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: str

    def describe(self) -> str:
        """Everything a failing assertion should show."""
        return (f"command: {' '.join(self.args)}\nexit code: {self.returncode}\n"
                f"stdout:\n{self.stdout.decode(errors='replace')}\nstderr:\n{self.stderr}")


class Smtpsend:
    """Runs the binary under test with a clean environment and a timeout."""

    def __init__(self, binary: Path, home: Path):
        self.binary = binary
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    def environment(self, extra: Optional[dict[str, str]] = None) -> dict[str, str]:
        # No SMTPSEND_* from the caller, and a HOME/XDG_CONFIG_HOME/XDG_STATE_HOME of our own, so
        # a developer's own configuration file, password or state cannot change what a test sees.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMTPSEND_")}
        env.update({"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                    "XDG_STATE_HOME": str(self.home / ".local" / "state"), "LC_ALL": "C.UTF-8"})
        env.update(extra or {})
        return env

    def run(self, *args: str, body: bytes | str = b"Hello.\n",
            env: Optional[dict[str, str]] = None) -> SmtpsendRun:
        return _run_bounded([str(self.binary), *args], stdin=_as_bytes(body),
                            env=self.environment(env), new_session=False)


def run_in_clean_environment(argv: list[str], *, home: Path, path: str, stdin: bytes | str,
                             env: Optional[dict[str, str]] = None) -> SmtpsendRun:
    """Runs `argv` the way cron runs a job: an environment of HOME, PATH and `env` only, a session
    of its own (no controlling terminal, so nothing can be asked on one), standard input a pipe.

    Nothing of the caller's environment (SMTPSEND_*, XDG_CONFIG_HOME, LANG, a terminal) gets
    through, so only what the test wrote into `home` and `env` can change what the program does.
    """
    environment = {"HOME": str(home), "PATH": path, **(env or {})}
    return _run_bounded(argv, stdin=_as_bytes(stdin), env=environment, new_session=True)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _run_bounded(argv: list[str], *, stdin: bytes, env: dict[str, str],
                 new_session: bool) -> SmtpsendRun:
    """Runs `argv` to completion within SUBPROCESS_TIMEOUT_SECONDS; a hang fails the test."""
    try:
        completed = subprocess.run(argv, input=stdin, capture_output=True, env=env,
                                   start_new_session=new_session,
                                   timeout=SUBPROCESS_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"{Path(argv[0]).name} did not finish within {SUBPROCESS_TIMEOUT_SECONDS} s: "
                    f"{' '.join(argv)}\nstderr so far:\n"
                    f"{(expired.stderr or b'').decode(errors='replace')}")
    return SmtpsendRun(args=argv, returncode=completed.returncode, stdout=completed.stdout,
                       stderr=completed.stderr.decode("utf-8", errors="replace"))


def parse_message(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def all_defects(message: email.message.EmailMessage) -> list:
    defects = []
    for part in message.walk():
        defects.extend(part.defects)
    return defects


def assert_exit(run: SmtpsendRun, expected: int) -> None:
    assert run.returncode == expected, f"expected exit {expected}\n{run.describe()}"
    if expected != 0:
        assert ERROR_PREFIX in run.stderr, f"no '{ERROR_PREFIX}' message\n{run.describe()}"


def assert_nothing_delivered(server: TestSmtpServer, run: SmtpsendRun) -> None:
    assert server.messages == [], f"the server stored a message\n{run.describe()}"
    assert "DATA" not in server.verbs(), (f"the client reached DATA: {server.commands}\n"
                                          f"{run.describe()}")


def connect_args(server: TestSmtpServer, tls: str, *, host: str = "localhost",
                 trust_file: Optional[Path] = None) -> list[str]:
    args = ["--server", host, "--port", str(server.port), "--tls", tls]
    if trust_file is not None:
        args += ["--tls-trust-file", str(trust_file)]
    return args


def envelope_args(*recipients: str, subject: str = "Integration test") -> list[str]:
    args = ["-f", SENDER, "-s", subject]
    for recipient in recipients or (RECIPIENT,):
        args += ["-t", recipient]
    return args


def text_body(message: email.message.EmailMessage) -> str:
    """The decoded text/plain body with line endings normalised to "\\n" (SMTP mandates CRLF)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"no text/plain part in:\n{message}"
    return part.get_content().replace("\r\n", "\n")


# -- configuration files: a HOME of its own and the file in it (test_config_*.py) -----------------

# cron's PATH, enough for the shell commands that passwordeval runs (sh, cat, touch).
CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"
# What ConfiguredClient.run pipes to the program unless the test gives a body.
CONFIGURED_BODY = "Sent with settings from the configuration file.\n"


class ConfiguredClient:
    """The binary with a HOME of its own, run with nothing but HOME, PATH and the test's own
    variables (run_in_clean_environment), so its configuration file is the one the test wrote."""

    def __init__(self, binary: Path, home: Path):
        self.binary = binary
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    @property
    def config_path(self) -> Path:
        # The place used when XDG_CONFIG_HOME is unset.
        return self.home / ".config" / "smtpsend" / "config"

    def write_config(self, text: str, *, path: Optional[Path] = None, mode: int = 0o600) -> Path:
        path = path or self.config_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        return path

    def run(self, *args: str, body: bytes | str = CONFIGURED_BODY,
            env: Optional[dict[str, str]] = None) -> SmtpsendRun:
        return run_in_clean_environment([str(self.binary), *args], home=self.home,
                                        path=CLEAN_PATH, stdin=body, env=env)


def line_of(path: Path, prefix: str) -> int:
    """The 1-based number of the only line of `path` that starts with `prefix`."""
    numbers = [number for number, line in
               enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
               if line.startswith(prefix)]
    assert len(numbers) == 1, f"{prefix!r} starts lines {numbers} of {path}"
    return numbers[0]


def plain_account(server: TestSmtpServer, *, name: str = "default", sender: str = SENDER,
                  extra: str = "") -> str:
    """An account that sends to `server` without TLS."""
    return (f"account {name}\n"
            "host 127.0.0.1\n"
            f"port {server.port}\n"
            "tls off\n"
            f"from {sender}\n"
            f"{extra}")


def tls_defaults(server: TestSmtpServer, pki) -> str:
    """STARTTLS to `server` (msmtp's `tls on`), trusting the test CA, with alice's login."""
    return ("defaults\n"
            "tls on\n"
            f"tls_trust_file {pki.ca.cert}\n"
            "auth on\n"
            f"user {USER}\n"
            "\n"
            "account default\n"
            "host localhost\n"
            f"port {server.port}\n"
            f"from {SENDER}\n")


def assert_no_secret(text: str, what: str) -> None:
    for spelling in secret_spellings():
        assert spelling not in text, f"{what} contains a secret ({spelling!r}):\n{text}"


# -- MIME messages: files to send and checks of what arrived (test_mime_*.py) ---------------------

import random  # noqa: E402
import re  # noqa: E402
import struct  # noqa: E402
import zlib  # noqa: E402

# RFC 5322 §2.1.1: "Each line of characters MUST be no more than 998 characters ... excluding the
# CRLF."
MAX_LINE_OCTETS = 998
# RFC 2047 §2: an encoded-word is at most 75 characters, and a header line holding one SHOULD stay
# within 76; RFC 5322 §2.1.1 asks for 78 in general.
MAX_FOLDED_HEADER_LINE_OCTETS = 78
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# RFC 2392: a "cid:" URL names the Content-ID of another part of the same message.
CID_REFERENCE = re.compile(r"""cid:([^"'\s<>()]+)""", re.IGNORECASE)


def make_png(width: int, height: int, seed: int) -> bytes:
    """A small valid 8-bit RGB PNG (ISO/IEC 15948) whose pixels depend on `seed`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixels = random.Random(seed).randbytes(width * height * 3)
    # Each scanline starts with filter type 0 (None).
    scanlines = b"".join(b"\x00" + pixels[row * width * 3:(row + 1) * width * 3]
                         for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines))
            + chunk(b"IEND", b""))


@dataclasses.dataclass(frozen=True)
class FileToSend:
    """A file given to --inline or --attach, with what the receiver must see for it."""
    path: Path
    data: bytes
    name: str                  # the file name the receiver sees
    media_type: str            # the type the receiver sees
    option_suffix: str = ""    # ",cid=...", ",type=...,name=..." after the path on the command line
    content_id: str = ""       # inline parts only

    def argument(self) -> str:
        return f"{self.path}{self.option_suffix}"


@dataclasses.dataclass(frozen=True)
class MimeFiles:
    """Everything the full MIME message is made of, written to disk once per test session."""
    text_path: Path
    text: str
    html_path: Path
    html: str
    inline: list[FileToSend]
    attachments: list[FileToSend]

    def content_args(self) -> list[str]:
        args = ["--text", str(self.text_path), "--html", str(self.html_path)]
        for image in self.inline:
            args += ["--inline", image.argument()]
        for attachment in self.attachments:
            args += ["--attach", attachment.argument()]
        return args


# Lines a careless encoder gets wrong: a leading dot (SMTP dot-stuffing), "From " (mbox),
# trailing white space (RFC 2045 §6.7 rule 3), one line longer than 998 octets, "=" and things
# that look like encoded-words, and non-ASCII of 2, 3 and 4 octets in UTF-8.
MIME_TEXT_BODY = (
    "Grüße aus Zürich — the quarterly figures are attached.\n"
    ".a line that starts with a dot\n"
    ".\n"
    "..two dots\n"
    "From the top of a line\n"
    "trailing spaces   \n"
    "a tab inside\tand one at the end\t\n"
    + "long " * 300 + "\n"
    "日本語のテキスト 📊 and = signs =3D =?UTF-8?Q?not_a_word?=\n"
    "\n"
    "Last line.\n"
)
LOGO_CONTENT_ID = "logo.png"  # the default: the file name
CHART_CONTENT_ID = "chart-2024@example.test"
MIME_HTML_BODY = (
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>Überblick</title></head>\n"
    "<body>\n"
    "<p>Grüße — 四半期レポート 📊</p>\n"
    f"<p><img src=\"cid:{LOGO_CONTENT_ID}\" alt=\"logo\">\n"
    f"<img src='cid:{CHART_CONTENT_ID}' alt=\"chart\"></p>\n"
    "<p>" + "Ein sehr langer Absatz ohne Zeilenumbruch. " * 40 + "</p>\n"
    ".<p>a line that starts with a dot</p>\n"
    "</body></html>\n"
)
NON_ASCII_ATTACHMENT_NAME = "Überblick résumé €.txt"
# A text file as a Unix user has it (LF line ends, no final newline). Only LF: unpackers such as
# munpack turn a text part's CRLF into the local line end, as RFC 2046 §4.1.1 lets them.
NON_ASCII_ATTACHMENT_DATA = ("Überblick résumé €\nzweite Zeile: naïve café 📎\nno final newline"
                             .encode("utf-8"))
# Every octet value, CR and LF alone and together among them: base64 must carry it unchanged.
ALL_BYTE_VALUES_DATA = (bytes(range(256)) + b"\r\n\n\r\r\n.\r\n") * 64
LARGE_ATTACHMENT_OCTETS = 8 * 1024 * 1024


def write_mime_files(directory: Path) -> MimeFiles:
    directory.mkdir(parents=True, exist_ok=True)

    def write(name: str, data: bytes) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path

    logo = make_png(16, 16, seed=1)
    chart = make_png(40, 24, seed=2)
    large = random.Random(3).randbytes(LARGE_ATTACHMENT_OCTETS)
    return MimeFiles(
        text_path=write("body.txt", MIME_TEXT_BODY.encode("utf-8")),
        text=MIME_TEXT_BODY,
        html_path=write("body.html", MIME_HTML_BODY.encode("utf-8")),
        html=MIME_HTML_BODY,
        inline=[
            FileToSend(write("logo.png", logo), logo, "logo.png", "image/png",
                       content_id=LOGO_CONTENT_ID),
            FileToSend(write("chart.png", chart), chart, "chart.png", "image/png",
                       option_suffix=f",cid={CHART_CONTENT_ID}", content_id=CHART_CONTENT_ID),
        ],
        attachments=[
            FileToSend(write("bytes.dat", ALL_BYTE_VALUES_DATA), ALL_BYTE_VALUES_DATA,
                       "all-256-bytes.bin", "application/x-test-bytes",
                       option_suffix=",type=application/x-test-bytes,name=all-256-bytes.bin"),
            FileToSend(write(NON_ASCII_ATTACHMENT_NAME, NON_ASCII_ATTACHMENT_DATA),
                       NON_ASCII_ATTACHMENT_DATA, NON_ASCII_ATTACHMENT_NAME, "text/plain"),
            FileToSend(write("large-8MB.bin", large), large, "large-8MB.bin",
                       "application/octet-stream"),
        ],
    )


def header_section(raw: bytes) -> bytes:
    """The message's own header lines (up to the first empty line), CRLF included."""
    end = raw.find(b"\r\n\r\n")
    assert end >= 0, "no empty line ends the header section"
    return raw[:end + 2]


def assert_wire_format(raw: bytes) -> None:
    """CRLF line ends only, and no line over 998 octets (RFC 5322 §2.1.1, §2.3)."""
    assert raw.endswith(b"\r\n"), f"the message does not end with CRLF: {raw[-40:]!r}"
    lines = raw.split(b"\r\n")
    for number, line in enumerate(lines, start=1):
        assert b"\n" not in line, f"bare LF in line {number}: {line[:120]!r}"
        assert b"\r" not in line, f"bare CR in line {number}: {line[:120]!r}"
        assert len(line) <= MAX_LINE_OCTETS, (
            f"line {number} has {len(line)} octets (limit {MAX_LINE_OCTETS}): {line[:120]!r}...")


def assert_no_defects(message: email.message.EmailMessage) -> None:
    defects = [(part.get_content_type(), defect) for part in message.walk()
               for defect in part.defects]
    assert defects == [], f"the parser found defects: {defects}"


def mime_tree(part: email.message.EmailMessage):
    """The part tree as nested (type, [children]) tuples; a leaf is its media type."""
    if part.is_multipart():
        return (part.get_content_type(), [mime_tree(child) for child in part.iter_parts()])
    return part.get_content_type()


def decoded_text(part: email.message.EmailMessage) -> str:
    """A text part's decoded content with CRLF (SMTP's line end) read as "\\n"."""
    return part.get_content().replace("\r\n", "\n")


def content_id(part: email.message.EmailMessage) -> str:
    value = str(part.get("Content-ID", "")).strip()
    assert value.startswith("<") and value.endswith(">"), (
        f"Content-ID {value!r} is not in angle brackets (RFC 2045 §7)")
    return value[1:-1]


def cid_references(html: str) -> list[str]:
    return CID_REFERENCE.findall(html)


def single_address(message: email.message.EmailMessage, header: str):
    """(display name, address) of a header that must hold exactly one mailbox."""
    value = message[header]
    assert value is not None, f"no {header} header"
    addresses = value.addresses
    assert len(addresses) == 1, f"{header}: expected one mailbox, got {addresses}"
    return addresses[0].display_name, addresses[0].addr_spec


def dry_run_args() -> list[str]:
    """--dry-run with a server named (the option still needs one) that is never contacted."""
    return ["--server", "localhost", "--tls", "none", "--dry-run"]


def require_exim() -> str:
    """The Exim binary; CI installs it, so its absence fails the test rather than skipping it."""
    exim = find_exim()
    if exim is None:
        pytest.fail(f"Exim not found: install it with `apt-get install -y {EXIM_PACKAGE}`",
                    pytrace=False)
    return exim
