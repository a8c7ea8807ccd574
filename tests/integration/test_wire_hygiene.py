"""Nothing a user gives smtpsend can become an SMTP command or a header of its own.

1. Message content (the text body from --text FILE or standard input, a prepared message from
   --message FILE or --message -) with bare LF, bare CR, mixed line ends, leading dots, lone dots
   and the SMTP smuggling sequences must reach the server as CRLF lines only (RFC 5321 §2.3.8),
   dot-stuffed (§4.5.2), with one end of data: the final "<CRLF>.<CRLF>" (§4.1.1.4). The checks
   look at the raw bytes the fault server recorded, before any un-stuffing, and read them twice:
   as a strict server does (CRLF ends a line) and as a sloppy one does (CR or LF alone ends a
   line too, the reading that SMTP smuggling exploits). Both must see one MAIL and one DATA.
2. Arguments carrying CR or LF (header values, addresses, host names, the EHLO name, the user
   name, file names and Content-IDs) are refused before any connection is made, with a usage (64)
   or data (65) exit and an error that names the option.
"""

from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path
from typing import Callable

import pytest

from fault_server import LOOPBACK, SETTLE_SECONDS, FaultServer, FaultServers, dialog
from support import (PASSWORD, RECIPIENT, SENDER, USER, Smtpsend, SmtpsendRun, all_defects,
                     assert_exit, connect_args, make_png, parse_message, text_body)

EX_USAGE = 64
EX_DATAERR = 65

CRLF = b"\r\n"
# RFC 5321 §4.1.1.4: the mail data ends with a line holding only ".".
END_OF_DATA = b"\r\n.\r\n"
QUIT_LINE = b"QUIT\r\n"
# The dialog of a transaction without PIPELINING, as a server must see it: anything more (a
# second MAIL or DATA) is a command smuggled out of the message.
EXPECTED_VERBS = ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]
# A strict server ends a line at CRLF only; a sloppy one at CR or LF alone as well.
STRICT_LINE_END = re.compile(rb"\r\n")
SLOPPY_LINE_END = re.compile(rb"\r\n|\r|\n")
BARE_CR = re.compile(rb"\r(?!\n)")
BARE_LF = re.compile(rb"(?<!\r)\n")


# -- What the server saw ---------------------------------------------------------------------------

@dataclasses.dataclass
class ServerReading:
    """A byte stream from the client as a server that accepts every command would read it."""
    commands: list[bytes]
    messages: list[list[bytes]]  # the lines of each message, as received (still dot-stuffed)

    def verbs(self) -> list[str]:
        return [command.split(b" ", 1)[0].decode("ascii", errors="replace").upper()
                for command in self.commands]


def read_as_server(stream: bytes, line_end: re.Pattern) -> ServerReading:
    reading = ServerReading(commands=[], messages=[])
    message: list[bytes] | None = None
    # The last piece follows the last line end: not a complete line, so never acted on.
    for line in line_end.split(stream)[:-1]:
        if message is None:
            reading.commands.append(line)
            if line.upper() == b"DATA":
                message = []
        elif line == b".":
            reading.messages.append(message)
            message = None
        else:
            message.append(line)
    return reading


def normalize_line_ends(data: bytes) -> bytes:
    """CRLF, a bare LF and a bare CR each become one CRLF, and an unended last line gets one: the
    rule smtpsend applies to text and prepared messages (RFC 5321 §2.3.8)."""
    normalized = SLOPPY_LINE_END.sub(CRLF, data)
    if normalized and not normalized.endswith(CRLF):
        normalized += CRLF
    return normalized


def normalize_prepared_line_ends(data: bytes) -> bytes:
    """The same for the body of a prepared message, whose lines end at LF as sendmail's and
    Postfix's do: an LF with every CR before it is one line end ("\r\r\n" from text converted
    twice is one), and a CR that no LF follows is one more (prepared_message_filter.hpp)."""
    normalized = re.sub(rb"\r*\n|\r", CRLF, data)
    if normalized and not normalized.endswith(CRLF):
        normalized += CRLF
    return normalized


def unstuff(data_lines: list[bytes]) -> bytes:
    """RFC 5321 §4.5.2: the receiver deletes the first "." of every line that starts with one."""
    return b"".join((line[1:] if line.startswith(b".") else line) + CRLF for line in data_lines)


def wire_data(stream: bytes) -> bytes:
    """The bytes sent after the DATA command, through the final "." line and its CRLF."""
    command = b"\r\nDATA\r\n"  # the commands before it (EHLO, MAIL, RCPT) cannot hold this
    assert command in stream, f"the client never sent DATA: {stream[:600]!r}"
    assert stream.endswith(QUIT_LINE), f"the client did not end with QUIT: {stream[-200:]!r}"
    return stream[stream.index(command) + len(command):-len(QUIT_LINE)]


def assert_clean_data(data: bytes) -> list[bytes]:
    """CRLF lines only, and no line holding just "." but the last; returns the lines before it.

    That every other leading dot was stuffed shows once the lines are un-stuffed and compared."""
    assert BARE_CR.search(data) is None, f"bare CR in the DATA bytes: {data!r}"
    assert BARE_LF.search(data) is None, f"bare LF in the DATA bytes: {data!r}"
    assert data.endswith(END_OF_DATA), f"the DATA bytes do not end with CRLF.CRLF: {data[-80:]!r}"
    lines = data[:-len(CRLF)].split(CRLF)
    lone_dots = [number for number, line in enumerate(lines, start=1) if line == b"."]
    assert lone_dots == [len(lines)], (
        f"lines {lone_dots} of {len(lines)} are a lone '.': only the last may be\n{data!r}")
    return lines[:-1]


def assert_one_transaction(stream: bytes) -> None:
    """Neither a strict nor a sloppy server reads a command smuggled out of the message."""
    for name, line_end in (("strict", STRICT_LINE_END), ("sloppy", SLOPPY_LINE_END)):
        reading = read_as_server(stream, line_end)
        assert reading.verbs() == EXPECTED_VERBS and len(reading.messages) == 1, (
            f"a {name} server reads the commands {reading.commands} and "
            f"{len(reading.messages)} message(s) from:\n{stream!r}")


# -- Part 1: message content on the wire ----------------------------------------------------------

SMUGGLED_TRANSACTION = (b"MAIL FROM:<evil@x>\r\nRCPT TO:<victim@x>\r\nDATA\r\n"
                        b"From: evil@x\r\nSubject: smuggled\r\n\r\nSmuggled.\r\n.\r\n")
# The real end of data and the look-alikes that servers lenient about line ends took for it
# ("SMTP smuggling": CVE-2023-51764 Postfix, CVE-2023-51765 sendmail, CVE-2023-51766 Exim).
# Inside a message, a client must send every one of them as a stuffed, CRLF-ended "..".
SMUGGLING_SEQUENCES = {
    "LF.CRLF": b"\n.\r\n",
    "CRLF.LF": b"\r\n.\n",
    "CR.CR": b"\r.\r",
    "LF.LF": b"\n.\n",
    "CRLF.CR": b"\r\n.\r",
    "CRLF.CRLF": b"\r\n.\r\n",
}
BODIES = {
    "bare-LF": b"one\ntwo\n\nfour\n",
    "bare-CR": b"one\rtwo\r\rfour\r",
    "mixed-line-ends": b"crlf\r\nlf\ncr\rcr-then-crlf\r\r\nlf-then-cr\n\rend\r\n",
    "leading-dots": b".one dot\n..two dots\n...three dots\n. dot and space\r.cr\r\n.crlf\r\n",
    "lone-dot": b"before\n.\nafter\n",
    "lone-dot-first": b".\nafter the first line\n",
    "lone-dot-cr": b"before\r.\rafter\r",
    "lone-dot-last-unended": b"before\n.",
    "last-line-unended": b"first line\nlast line without an end",
    "last-line-ends-in-cr": b"first line\nlast line\r",
    **{f"smuggle-{name}": b"Legitimate text." + sequence + SMUGGLED_TRANSACTION
       + b"Text after the smuggled transaction.\r\n"
       for name, sequence in SMUGGLING_SEQUENCES.items()},
}
# All of the above in one body, for the aiosmtpd checks.
EVERY_BODY = b"\r\n".join(BODIES.values())
PREPARED_HEADER = (b"From: alice@example.test\n"
                   b"To: bob@example.test\n"
                   b"Subject: wire hygiene\n"
                   b"Message-ID: <wire-hygiene-1@example.test>\n"
                   b"\n")
# The text body from a file or standard input; a prepared message from a file or standard input.
SOURCES = ["text-file", "text-stdin", "message-file", "message-stdin"]


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def content_arguments(source: str, content: bytes, directory: Path) -> tuple[list[str], bytes]:
    """The options and the standard input that make `content` the text body or the message."""
    path = directory / f"content-{source}"
    if source == "text-file":
        path.write_bytes(content)
        return ["-s", "Wire hygiene", "--text", str(path)], b""
    if source == "text-stdin":
        return ["-s", "Wire hygiene"], content
    if source == "message-file":
        path.write_bytes(content)
        return ["--message", str(path)], b""
    return ["--message", "-"], content


def send_through_fault_server(smtpsend: Smtpsend, server: FaultServer, *args: str,
                              host: str = LOOPBACK, body: bytes = b"",
                              env: dict[str, str] | None = None) -> SmtpsendRun:
    run = smtpsend.run("--server", host, "--port", str(server.port), "--tls", "none", *args,
                       body=body, env=env)
    server.settle()
    return run


def sent_content(source: str, body: bytes) -> bytes:
    """What smtpsend is given: the body alone, or a prepared message with it after a header."""
    return PREPARED_HEADER + body if source.startswith("message") else body


def received_content(source: str, unstuffed: bytes) -> bytes:
    """The part of the received message that must equal the given content, line ends aside."""
    if source.startswith("message"):
        return unstuffed
    # A text-only message is one text/plain part: the body follows the header section. Plain
    # ASCII with short lines goes as 7bit (RFC 2045 §2.7), so it is not re-encoded.
    header_end = unstuffed.find(CRLF + CRLF)
    assert header_end >= 0, f"no empty line after the header section:\n{unstuffed!r}"
    return unstuffed[header_end + 2 * len(CRLF):]


@pytest.mark.parametrize("body_name", list(BODIES))
@pytest.mark.parametrize("source", SOURCES)
def test_content_reaches_the_wire_as_stuffed_crlf_lines(smtpsend, fault_server, tmp_path, source,
                                                        body_name):
    server = fault_server(dialog().all())
    content = sent_content(source, BODIES[body_name])
    args, stdin = content_arguments(source, content, tmp_path)

    run = send_through_fault_server(smtpsend, server, "-f", SENDER, "-t", RECIPIENT, *args,
                                    body=stdin)

    assert_exit(run, 0)
    stream = server.received()
    assert_one_transaction(stream)
    data_lines = assert_clean_data(wire_data(stream))
    received = received_content(source, unstuff(data_lines))
    normalize = (normalize_prepared_line_ends if source.startswith("message")
                 else normalize_line_ends)
    assert received == normalize(content), (
        f"after un-stuffing, the content differs from the input with CRLF line ends:\n"
        f"received: {received!r}\nsent:     {content!r}")


@pytest.mark.parametrize("source", SOURCES)
def test_a_last_line_without_a_line_end_gets_exactly_one_crlf(smtpsend, fault_server, tmp_path,
                                                              source):
    server = fault_server(dialog().all())
    args, stdin = content_arguments(source, sent_content(source, b"first\nno line end"),
                                    tmp_path)

    run = send_through_fault_server(smtpsend, server, "-f", SENDER, "-t", RECIPIENT, *args,
                                    body=stdin)

    assert_exit(run, 0)
    data = wire_data(server.received())
    assert data.endswith(b"\r\nno line end\r\n.\r\n"), f"the DATA bytes end: {data[-60:]!r}"


@pytest.mark.parametrize("source", ["text-stdin", "message-file"])
def test_every_oddity_at_once_arrives_as_one_message_that_parses(smtpsend, start_server, tmp_path,
                                                                 source):
    # aiosmtpd un-stuffs and stores the message; Python's email package must read it back.
    server = start_server("plain")
    content = sent_content(source, EVERY_BODY)
    args, stdin = content_arguments(source, content, tmp_path)

    run = smtpsend.run(*connect_args(server, "none", host=LOOPBACK), "-f", SENDER, "-t",
                       RECIPIENT, *args, body=stdin)

    assert_exit(run, 0)
    assert server.verbs().count("MAIL") == 1 and server.verbs().count("DATA") == 1, (
        f"the server saw {server.verbs()}")
    [received] = server.messages
    assert received.mail_from == SENDER and received.rcpt_tos == [RECIPIENT], received
    message = parse_message(received.raw)
    assert all_defects(message) == [], received.raw
    expected_body = normalize_line_ends(EVERY_BODY).decode("ascii").replace("\r\n", "\n")
    if source.startswith("message"):
        expected_body = (normalize_prepared_line_ends(EVERY_BODY).decode("ascii")
                         .replace("\r\n", "\n"))
        assert received.raw == normalize_prepared_line_ends(content), received.raw
        assert message.get_content().replace("\r\n", "\n") == expected_body
        assert str(message["Subject"]) == "wire hygiene"
    else:
        assert text_body(message) == expected_body
        assert str(message["Subject"]) == "Wire hygiene"
    assert message["Bcc"] is None and "evil@x" not in str(message["From"])


# -- Part 2: arguments with CR or LF are refused before connecting --------------------------------

LINE_BREAKS = {"CRLF": "\r\n", "LF": "\n"}
INJECTED_COMMAND = "MAIL FROM:<evil@x>"
INJECTED_RECIPIENT = "RCPT TO:<evil@x>"
INJECTED_HEADER = "Bcc: evil@x"
# The witness's line: what the fault server reads when the witness is the first to connect.
WITNESS_LINE = b"NOOP wire-hygiene-witness\r\n"
WITNESS_TIMEOUT_SECONDS = 5


@dataclasses.dataclass(frozen=True)
class Workspace:
    """Files the arguments refer to."""
    directory: Path
    text: Path
    html: Path
    image: Path
    attachment: Path


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    text = tmp_path / "body.txt"
    text.write_bytes(b"Body.\n")
    html = tmp_path / "page.html"
    html.write_bytes(b'<p><img src="cid:logo"></p>\n')
    image = tmp_path / "logo.png"
    image.write_bytes(make_png(4, 4, seed=7))
    attachment = tmp_path / "report.txt"
    attachment.write_bytes(b"Report.\n")
    return Workspace(tmp_path, text, html, image, attachment)


def file_named(workspace: Workspace, name: str) -> Path:
    """An attachment whose own file name holds `name` (Linux allows CR and LF in it)."""
    path = workspace.directory / name
    path.write_bytes(b"Report.\n")
    return path


@dataclasses.dataclass(frozen=True)
class ArgumentCase:
    # Spellings of the option; the error must name one of them.
    names: tuple[str, ...]
    # The exit code the client gives (64 usage or 65 data), pinned.
    exit_code: int
    # The arguments carrying the injection, given the line break ("brk") and the files.
    arguments: Callable[[str, Workspace], list[str]]
    # The text that must never reach the server as a line of its own.
    injected: str
    # The case replaces the default sender, or the default recipient.
    replaces_sender: bool = False
    replaces_recipient: bool = False
    needs_password: bool = False
    # For --server: the host name given, in place of the fault server's address.
    server_name: Callable[[str], str] | None = None


# The exit codes are the client's: 64 (usage) for the sender, the server, the user and EHLO names
# and the ",cid=" of --inline; 65 (data) for recipients, Reply-To, the subject and -H. Attachment
# names are not refused yet: ",name=" is pinned at 64 like ",cid=", and a file's own name at 65
# (found on disk, not typed).
ARGUMENT_CASES = {
    "from": ArgumentCase(("--from", "-f"), EX_USAGE,
                         lambda brk, _: ["-f", f"{SENDER}{brk}{INJECTED_RECIPIENT}"],
                         INJECTED_RECIPIENT, replaces_sender=True),
    "to": ArgumentCase(("--to", "-t"), EX_DATAERR,
                       lambda brk, _: ["-t", f"{RECIPIENT}{brk}{INJECTED_RECIPIENT}"],
                       INJECTED_RECIPIENT, replaces_recipient=True),
    "positional-recipient": ArgumentCase(
        ("recipient",), EX_DATAERR, lambda brk, _: [f"{RECIPIENT}{brk}{INJECTED_RECIPIENT}"],
        INJECTED_RECIPIENT, replaces_recipient=True),
    "cc": ArgumentCase(("--cc", "-c"), EX_DATAERR,
                       lambda brk, _: ["-c", f"carol@example.test{brk}{INJECTED_RECIPIENT}"],
                       INJECTED_RECIPIENT),
    "bcc": ArgumentCase(("--bcc", "-b"), EX_DATAERR,
                        lambda brk, _: ["-b", f"dave@example.test{brk}{INJECTED_RECIPIENT}"],
                        INJECTED_RECIPIENT),
    "reply-to": ArgumentCase(("--reply-to", "-r"), EX_DATAERR,
                             lambda brk, _: ["-r", f"erin@example.test{brk}{INJECTED_HEADER}"],
                             INJECTED_HEADER),
    "subject": ArgumentCase(("--subject", "-s"), EX_DATAERR,
                            lambda brk, _: ["-s", f"Hello{brk}{INJECTED_HEADER}"],
                            INJECTED_HEADER),
    "header-value": ArgumentCase(("--header", "-H"), EX_DATAERR,
                                 lambda brk, _: ["-H", f"X-A: b{brk}{INJECTED_HEADER}"],
                                 INJECTED_HEADER),
    "header-name": ArgumentCase(("--header", "-H"), EX_DATAERR,
                                lambda brk, _: ["-H", f"X-A{brk}{INJECTED_HEADER}"],
                                INJECTED_HEADER),
    "server": ArgumentCase(("--server",), EX_USAGE, lambda brk, _: [], INJECTED_COMMAND,
                           server_name=lambda brk: f"{LOOPBACK}{brk}{INJECTED_COMMAND}"),
    "ehlo": ArgumentCase(("--ehlo",), EX_USAGE,
                         lambda brk, _: ["--ehlo", f"client.example.test{brk}{INJECTED_COMMAND}"],
                         INJECTED_COMMAND),
    "user": ArgumentCase(("--user",), EX_USAGE,
                         lambda brk, _: ["--user", f"{USER}{brk}{INJECTED_COMMAND}",
                                         "--allow-plaintext-auth"],
                         INJECTED_COMMAND, needs_password=True),
    "attach-name": ArgumentCase(
        ("--attach", "-a"), EX_USAGE,
        lambda brk, ws: ["--attach", f"{ws.attachment},name=report.txt{brk}{INJECTED_HEADER}"],
        INJECTED_HEADER),
    "attach-file-name": ArgumentCase(
        ("--attach", "-a"), EX_DATAERR,
        lambda brk, ws: ["--attach", str(file_named(ws, f"report{brk}{INJECTED_HEADER}.txt"))],
        INJECTED_HEADER),
    "inline-cid": ArgumentCase(
        ("--inline",), EX_USAGE,
        lambda brk, ws: ["--html", str(ws.html),
                         "--inline", f"{ws.image},cid=logo{brk}{INJECTED_HEADER}"],
        INJECTED_HEADER),
}


def command_line(case: ArgumentCase, line_break: str, workspace: Workspace) -> list[str]:
    """Everything but the server's address: a complete send with the injection in it."""
    args = ["--text", str(workspace.text)]
    injected = case.arguments(line_break, workspace)
    if not case.replaces_sender:
        args += ["-f", SENDER]
    if not case.replaces_recipient:
        args += ["-t", RECIPIENT]
    if "-s" not in injected:
        args += ["-s", "Argument injection"]
    return args + injected


def names_option(stderr: str, names: tuple[str, ...]) -> bool:
    """True if `stderr` has one of the option's spellings as a word of its own ("-t" in
    "--text" does not count)."""
    return any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", stderr) for name in names)


def assert_never_connected(server: FaultServer, run: SmtpsendRun) -> None:
    """No connection from the client reached the server, not even one left at once.

    The server accepts one connection: the first in its listen queue. A client that connected
    has finished its TCP handshake before it exited, so its connection is ahead of a witness made
    now; the server reads the witness's line only if the client never connected.
    """
    assert not server.connected.is_set(), (
        f"the client connected before refusing the argument\n{server.describe()}\n"
        f"{run.describe()}")
    assert not server.finished.is_set(), f"the server stopped waiting\n{server.describe()}"
    with socket.create_connection((LOOPBACK, server.port),
                                  timeout=WITNESS_TIMEOUT_SECONDS) as witness:
        witness.sendall(WITNESS_LINE)
        witness.shutdown(socket.SHUT_WR)
        assert server.finished.wait(SETTLE_SECONDS), (
            f"the server did not finish with the witness\n{server.describe()}")
    assert server.received() == WITNESS_LINE, (
        f"the server accepted the client's connection first\n{server.describe()}\n"
        f"{run.describe()}")


@pytest.mark.parametrize("line_break", list(LINE_BREAKS))
@pytest.mark.parametrize("case_name", list(ARGUMENT_CASES))
def test_an_argument_with_a_line_break_is_refused_before_connecting(smtpsend, fault_server,
                                                                    workspace, case_name,
                                                                    line_break):
    case = ARGUMENT_CASES[case_name]
    # If the client went ahead, the server takes it through a whole transaction (AUTH too, for
    # --user), so the recording shows how far an injection would have got.
    server = fault_server(dialog(auth=case.needs_password).all())
    env = {"SMTPSEND_PASSWORD": PASSWORD} if case.needs_password else None

    brk = LINE_BREAKS[line_break]
    host = case.server_name(brk) if case.server_name is not None else LOOPBACK

    run = send_through_fault_server(smtpsend, server, *command_line(case, brk, workspace),
                                    host=host, env=env)

    # The worst outcome first: the injected text reached the server as a line of its own, for a
    # server that ends lines at CR or LF alone as well as for a strict one.
    injected_lines = [line for line in SLOPPY_LINE_END.split(server.received())
                      if line.strip() == case.injected.encode()]
    assert injected_lines == [], (
        f"the injected line reached the server\n{server.describe()}\n{run.describe()}")
    assert run.returncode == case.exit_code, (
        f"expected exit {case.exit_code}\n{run.describe()}\n{server.describe()}")
    assert_exit(run, case.exit_code)
    assert names_option(run.stderr, case.names), (
        f"the error names none of {case.names}\n{run.describe()}")
    assert_never_connected(server, run)
