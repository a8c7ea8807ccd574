"""A scriptable, hostile SMTP peer for fault injection, and what a test needs to drive it.

The server listens on 127.0.0.1 (ephemeral port), takes one connection and follows a script: a
list of steps such as "expect a command", "send these raw bytes", "send them one octet at a time",
"stall", "close", "start TLS with this certificate and these TLS versions". Raw bytes make garbage,
bare line ends and injected replies possible; nothing adds CRLF behind the script's back.

Every byte the client sends is recorded, split into what came before TLS (`plain`) and what came
inside it (`tls`, decrypted), so a test can assert e.g. that AUTH never travelled in the clear.
Once the script runs out (without a Close), the server keeps reading until the client goes away,
so whatever the client sends after the scripted part is recorded too.

Every wait is bounded: a step that reads gives up after STEP_TIMEOUT_SECONDS, a stall after
STALL_LIMIT_SECONDS, and stop() (called at test end) ends any of them within POLL_SECONDS. While
it delays or stalls, the server still reads and records, and it ends as soon as the client goes.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import ssl
import subprocess
import threading
import time
import warnings
from pathlib import Path
from typing import Callable, Optional, Union

import pytest

from support import PASSWORD, Smtpsend, SmtpsendRun, secret_spellings

LOOPBACK = "127.0.0.1"
# How often a blocked server operation looks at the stop flag; also the granularity of Delay.
POLL_SECONDS = 0.05
# The client under test connects within this time or the test has gone wrong.
ACCEPT_TIMEOUT_SECONDS = 10
# A read step (Expect, ReadBody, Receive) gives up when the client says nothing for this long.
STEP_TIMEOUT_SECONDS = 10
HANDSHAKE_TIMEOUT_SECONDS = 5
# A stall outlives every client timeout the tests use, and still ends on its own.
STALL_LIMIT_SECONDS = 30
# An endless reply stops here even if the client keeps reading: far beyond the client's limits
# (100 lines / 64 KiB per reply, 2048 octets per line), small enough to cost no memory.
FLOOD_LIMIT_OCTETS = 32 * 1024 * 1024
FLOOD_BATCH_OCTETS = 16 * 1024
STOP_JOIN_SECONDS = 5
# Once the client has exited, the server reads what is left in the socket and sees the end.
SETTLE_SECONDS = 3
RECEIVE_CHUNK_OCTETS = 64 * 1024
CRLF = b"\r\n"


# -- Script steps ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Expect:
    """Read client lines until one whose verb (first word, any case) is `verb`."""
    verb: str


@dataclasses.dataclass(frozen=True)
class ReadBody:
    """Read the message after DATA's 354 up to its final "." line (RFC 5321 §4.1.1.4)."""


@dataclasses.dataclass(frozen=True)
class Receive:
    """Wait until at least `octets` more bytes have arrived (e.g. part of the message body)."""
    octets: int = 1


@dataclasses.dataclass(frozen=True)
class Send:
    """Write these bytes exactly as given, in one write."""
    data: bytes


@dataclasses.dataclass(frozen=True)
class Trickle:
    """Write `data` in pieces of `chunk_octets`, one piece every `interval` seconds."""
    data: bytes
    chunk_octets: int = 1
    interval: float = 0.35


@dataclasses.dataclass(frozen=True)
class Flood:
    """Write `unit` again and again until the client stops reading or FLOOD_LIMIT_OCTETS."""
    unit: bytes


@dataclasses.dataclass(frozen=True)
class Delay:
    seconds: float


@dataclasses.dataclass(frozen=True)
class Stall:
    """Keep the connection open and say nothing until the test ends (or STALL_LIMIT_SECONDS)."""


@dataclasses.dataclass(frozen=True)
class Close:
    """Drop the connection: no reply, no TLS close_notify."""


@dataclasses.dataclass(frozen=True)
class CloseOnClientHello:
    """Wait for the first bytes of the client's TLS handshake, then drop the connection."""


@dataclasses.dataclass(frozen=True)
class StartTls:
    """Server side of a TLS handshake (after STARTTLS's 220, or at once for implicit TLS).

    `minimum`/`maximum` pin the protocol versions; `ciphers` is an OpenSSL cipher string
    ("DEFAULT:@SECLEVEL=0" lets OpenSSL 3 speak TLS 1.0/1.1 at all).
    """
    cert: Path
    key: Path
    minimum: Optional[ssl.TLSVersion] = None
    maximum: Optional[ssl.TLSVersion] = None
    ciphers: Optional[str] = None


Step = Union[Expect, ReadBody, Receive, Send, Trickle, Flood, Delay, Stall, Close,
             CloseOnClientHello, StartTls]


def reply(*lines: str | bytes) -> Send:
    """One reply, each line ended with CRLF, sent in one write."""
    return Send(b"".join((line.encode() if isinstance(line, str) else line) + CRLF
                         for line in lines))


class _Stopped(Exception):
    """The test is over, or the client went away: the script ends here."""


# -- The server ------------------------------------------------------------------------------------

class FaultServer:
    def __init__(self, script: list[Step]):
        self.script = list(script)
        self.plain = bytearray()        # everything received before TLS started
        self.tls = bytearray()          # everything received inside TLS, decrypted
        self.handshake_bytes = bytearray()  # what CloseOnClientHello saw arrive
        self.message: Optional[bytes] = None  # the body read by ReadBody, final dot excluded
        self.tls_established = False
        self.tls_version: Optional[str] = None
        self.handshake_error: Optional[str] = None
        self.steps_done = 0
        self.client_gone = False
        # A bug in the server or its script (not the client's doing), raised by the fixture.
        self.failure: Optional[BaseException] = None
        self.connected = threading.Event()
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._pending = bytearray()     # received but not yet consumed by a step
        self._connection: Optional[socket.socket] = None
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(1)
        self._listener.settimeout(POLL_SECONDS)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name=f"fault-server-{self.port}",
                                        daemon=True)

    def start(self) -> "FaultServer":
        self._thread.start()
        return self

    def settle(self) -> None:
        """After the client has exited: wait until every byte it sent has been recorded.

        The client is gone, so the connection has ended; without this wait an assertion that
        something was *not* sent could look before the server read the last bytes.
        """
        if self.connected.is_set() and not self.finished.wait(SETTLE_SECONDS):
            raise AssertionError(f"the fault server did not see the client leave within "
                                 f"{SETTLE_SECONDS} s\n{self.describe()}")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=STOP_JOIN_SECONDS)
        self._listener.close()
        if self._thread.is_alive():
            raise AssertionError(f"the fault server did not stop within {STOP_JOIN_SECONDS} s")

    # What the client sent.

    def lines(self, *, in_tls: Optional[bool] = None) -> list[bytes]:
        """Client lines before TLS (False), inside it (True) or both (None), CRLF removed."""
        streams = {False: [self.plain], True: [self.tls], None: [self.plain, self.tls]}[in_tls]
        return [line for stream in streams for line in bytes(stream).split(CRLF) if line]

    def verbs(self, *, in_tls: Optional[bool] = None) -> list[str]:
        """The first word of each client line that looks like a command."""
        verbs = []
        for line in self.lines(in_tls=in_tls):
            word = line.split(b" ", 1)[0]
            if word.isalpha() and word.isascii():
                verbs.append(word.decode("ascii").upper())
        return verbs

    def received(self) -> bytes:
        return bytes(self.plain) + bytes(self.tls)

    def describe(self) -> str:
        return (f"fault server: {self.steps_done}/{len(self.script)} steps done, "
                f"TLS {self.tls_version or 'not established'}, "
                f"handshake error {self.handshake_error!r}, client gone {self.client_gone}\n"
                f"  plain: {bytes(self.plain)[:600]!r}\n  tls: {bytes(self.tls)[:600]!r}")

    # The connection.

    def _serve(self) -> None:
        try:
            self._connection = self._accept()
            self.connected.set()
            self._follow_script()
            self._drain()
        except _Stopped:
            pass
        except (OSError, ssl.SSLError):
            self.client_gone = True
        except BaseException as error:  # noqa: BLE001 - reported by stop()'s caller
            self.failure = error
        finally:
            if self._connection is not None:
                self._connection.close()
            self.finished.set()

    def _accept(self) -> socket.socket:
        deadline = time.monotonic() + ACCEPT_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            self._check_stop()
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(POLL_SECONDS)
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return connection
        raise _Stopped

    def _follow_script(self) -> None:
        handlers: dict[type, Callable] = {
            Expect: self._expect, ReadBody: self._read_body, Receive: self._receive,
            Send: self._send, Trickle: self._trickle, Flood: self._flood, Delay: self._delay,
            Stall: self._stall, Close: self._close, CloseOnClientHello: self._close_on_hello,
            StartTls: self._start_tls,
        }
        for step in self.script:
            handlers[type(step)](step)
            self.steps_done += 1
            if isinstance(step, (Close, CloseOnClientHello)):
                raise _Stopped

    def _drain(self) -> None:
        while True:
            self._read_more(deadline=time.monotonic() + STALL_LIMIT_SECONDS)

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise _Stopped

    def _receive_once(self) -> bool:
        """Waits up to POLL_SECONDS for bytes and records them; False if none came."""
        self._check_stop()
        try:
            data = self._connection.recv(RECEIVE_CHUNK_OCTETS)
        except (TimeoutError, ssl.SSLWantReadError):
            return False
        if not data:
            self.client_gone = True
            raise _Stopped
        (self.tls if self.tls_established else self.plain).extend(data)
        self._pending.extend(data)
        return True

    def _read_more(self, *, deadline: float) -> None:
        """Receive at least one byte into _pending (and the record), or raise _Stopped."""
        while time.monotonic() < deadline:
            if self._receive_once():
                return
        raise _Stopped

    def _idle(self, seconds: float) -> None:
        """Say nothing for `seconds`, still recording what the client sends meanwhile."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._receive_once()

    def _read_line(self, deadline: float) -> bytes:
        while CRLF not in self._pending:
            self._read_more(deadline=deadline)
        end = self._pending.index(CRLF) + len(CRLF)
        line = bytes(self._pending[:end])
        del self._pending[:end]
        return line

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
        while view:
            self._check_stop()
            if time.monotonic() >= deadline:
                raise _Stopped  # the client stopped reading
            try:
                sent = self._connection.send(view)
            except (TimeoutError, ssl.SSLWantWriteError):
                continue
            view = view[sent:]

    # Steps.

    def _expect(self, step: Expect) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
        wanted = step.verb.upper().encode("ascii")
        while True:
            line = self._read_line(deadline)
            if line.split(b" ", 1)[0].rstrip(CRLF).upper() == wanted:
                return

    def _read_body(self, _: ReadBody) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
        body = []
        while (line := self._read_line(deadline)) != b"." + CRLF:
            body.append(line)
        self.message = b"".join(body)

    def _receive(self, step: Receive) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
        while len(self._pending) < step.octets:
            self._read_more(deadline=deadline)
        del self._pending[:step.octets]

    def _send(self, step: Send) -> None:
        self._write(step.data)

    def _trickle(self, step: Trickle) -> None:
        for start in range(0, len(step.data), step.chunk_octets):
            self._write(step.data[start:start + step.chunk_octets])
            self._idle(step.interval)

    def _flood(self, step: Flood) -> None:
        # Many units per write: the client sees the same bytes, the server spends fewer calls.
        batch = step.unit * max(1, FLOOD_BATCH_OCTETS // len(step.unit))
        for _ in range(FLOOD_LIMIT_OCTETS // len(batch)):
            self._write(batch)

    def _delay(self, step: Delay) -> None:
        self._idle(step.seconds)

    def _stall(self, _: Stall) -> None:
        self._idle(STALL_LIMIT_SECONDS)

    def _close(self, _: Close) -> None:
        self._connection.close()

    def _close_on_hello(self, _: CloseOnClientHello) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
        while time.monotonic() < deadline and not self.handshake_bytes:
            self._check_stop()
            try:
                data = self._connection.recv(RECEIVE_CHUNK_OCTETS)
            except TimeoutError:
                continue
            if not data:
                self.client_gone = True
                break
            self.handshake_bytes.extend(data)
        self._connection.close()

    def _start_tls(self, step: StartTls) -> None:
        if self._pending:
            # Plaintext that arrived after STARTTLS but before its 220 was read: a client bug
            # (RFC 3207 §4). It stays in `plain` for the test to see; TLS cannot start over it.
            raise _Stopped
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(step.cert, step.key)
        if step.ciphers is not None:
            context.set_ciphers(step.ciphers)
        with warnings.catch_warnings():
            # Offering deprecated versions (RFC 8996) is the point of some tests.
            warnings.simplefilter("ignore", DeprecationWarning)
            if step.minimum is not None:
                context.minimum_version = step.minimum
            if step.maximum is not None:
                context.maximum_version = step.maximum
        tls = context.wrap_socket(self._connection, server_side=True,
                                  do_handshake_on_connect=False)
        self._connection = tls
        tls.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            tls.do_handshake()
        except (ssl.SSLError, OSError) as error:
            self.handshake_error = str(error) or type(error).__name__
            raise _Stopped from error
        tls.settimeout(POLL_SECONDS)
        self.tls_established = True
        self.tls_version = tls.version()


# -- Dialogs: the well-behaved path, stage by stage -----------------------------------------------

SERVER_NAME = "fault.test"


@dataclasses.dataclass(frozen=True)
class Dialog:
    """A well-behaved server's steps, grouped by stage in dialog order (RFC 5321 §3, RFC 3207,
    RFC 4954): "greeting", "ehlo", "starttls", "handshake", "ehlo-tls", "auth", "mail", "rcpt",
    "data", "body" (the message, its final dot and the reply to it), "quit". A test takes the good
    path up to one stage and misbehaves there."""
    stages: dict[str, list[Step]]

    def before(self, stage: str) -> list[Step]:
        """The good path up to (not including) `stage`."""
        steps: list[Step] = []
        for name, stage_steps in self.stages.items():
            if name == stage:
                return steps
            steps += stage_steps
        raise ValueError(f"the dialog has no stage {stage!r}: {list(self.stages)}")

    def after(self, stage: str) -> list[Step]:
        """The good path from the stage after `stage` to the end."""
        names = list(self.stages)
        return [step for name in names[names.index(stage) + 1:] for step in self.stages[name]]

    def replacing(self, stage: str, steps: list[Step]) -> list[Step]:
        """The good path with `stage` done differently and everything else as usual."""
        return self.before(stage) + steps + self.after(stage)

    def all(self) -> list[Step]:
        return [step for steps in self.stages.values() for step in steps]


def dialog(*, starttls: Optional[StartTls] = None, auth: bool = False,
           pipelining: bool = False) -> Dialog:
    """The good path: plain SMTP, or STARTTLS (then the stages after it run inside TLS)."""
    extensions = [*(["PIPELINING"] if pipelining else []), "8BITMIME"]
    stages: dict[str, list[Step]] = {"greeting": [reply(f"220 {SERVER_NAME} ESMTP ready")]}
    before_tls = extensions + (["STARTTLS"] if starttls else []) + (
        ["AUTH PLAIN LOGIN"] if auth and not starttls else [])
    stages["ehlo"] = [Expect("EHLO"), ehlo_reply(before_tls)]
    if starttls is not None:
        # RFC 3207 §4.2: the client forgets what it learned before TLS and says EHLO again.
        stages["starttls"] = [Expect("STARTTLS"), reply("220 2.0.0 Ready to start TLS")]
        stages["handshake"] = [starttls]
        stages["ehlo-tls"] = [Expect("EHLO"), ehlo_reply(
            extensions + (["AUTH PLAIN LOGIN"] if auth else []))]
    if auth:
        stages["auth"] = [Expect("AUTH"), reply("235 2.7.0 Authentication successful")]
    stages["mail"] = [Expect("MAIL"), reply("250 2.1.0 Ok")]
    stages["rcpt"] = [Expect("RCPT"), reply("250 2.1.5 Ok")]
    stages["data"] = [Expect("DATA"), reply("354 End data with <CR><LF>.<CR><LF>")]
    stages["body"] = [ReadBody(), reply("250 2.0.0 Ok: queued as FAULT1")]
    stages["quit"] = [Expect("QUIT"), reply("221 2.0.0 Bye")]
    return Dialog(stages)


def ehlo_reply(extensions: list[str]) -> Send:
    lines = [SERVER_NAME, *extensions]
    return reply(*(f"250{'-' if i < len(lines) - 1 else ' '}{text}"
                   for i, text in enumerate(lines)))


def implicit_tls_dialog(handshake: StartTls, *, auth: bool = False) -> Dialog:
    """SMTPS (RFC 8314 §3.3): the handshake comes first, then the whole dialog inside TLS."""
    extensions = ["8BITMIME", *(["AUTH PLAIN LOGIN"] if auth else [])]
    stages: dict[str, list[Step]] = {
        "handshake": [handshake],
        "greeting": [reply(f"220 {SERVER_NAME} ESMTP ready")],
        "ehlo-tls": [Expect("EHLO"), ehlo_reply(extensions)],
    }
    if auth:
        stages["auth"] = [Expect("AUTH"), reply("235 2.7.0 Authentication successful")]
    good = dialog()
    for name in ("mail", "rcpt", "data", "body", "quit"):
        stages[name] = good.stages[name]
    return Dialog(stages)


# -- Running the client against it ----------------------------------------------------------------

# A scenario that goes wrong must fail its test quickly, not after the suite's 60-second bound.
CLIENT_LIMIT_SECONDS = 12
# A message body that cannot be mistaken for anything else in the recorded bytes.
BODY_MARKER = "FAULT-INJECTION-BODY-7c1e"
BODY = f"{BODY_MARKER} first line.\n{BODY_MARKER} last line.\n"
SUBJECT = "Fault injection"


@dataclasses.dataclass
class TimedRun(SmtpsendRun):
    elapsed: float = 0.0

    def describe(self) -> str:
        return f"elapsed: {self.elapsed:.2f} s\n{super().describe()}"


def run_client(smtpsend: Smtpsend, server: FaultServer, *args: str, tls: str = "none",
               env: Optional[dict[str, str]] = None, body: str | bytes = BODY) -> TimedRun:
    """Runs smtpsend against `server` and measures how long it took.

    The exit code and time are printed (see them with pytest -s) so a run can be summarised.
    """
    argv = [str(smtpsend.binary), "--server", "localhost", "--port", str(server.port),
            "--tls", tls, "-f", "alice@example.test", "-t", "bob@example.test", "-s", SUBJECT,
            *args]
    stdin = body.encode("utf-8") if isinstance(body, str) else body
    started = time.monotonic()
    try:
        completed = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=smtpsend.environment(env),
                                   timeout=CLIENT_LIMIT_SECONDS, check=False)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"smtpsend did not finish within {CLIENT_LIMIT_SECONDS} s: {' '.join(argv)}\n"
                    f"stderr so far:\n{(expired.stderr or b'').decode(errors='replace')}\n"
                    f"{server.describe()}")
    elapsed = time.monotonic() - started
    server.settle()
    run = TimedRun(args=argv, returncode=completed.returncode, stdout=completed.stdout,
                   stderr=completed.stderr.decode("utf-8", errors="replace"), elapsed=elapsed)
    name = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
    print(f"\nFAULT-RESULT {name} exit={run.returncode} elapsed={elapsed:.2f}s")
    return run


class FaultServers:
    """Starts fault servers for one test and stops every one of them when the test ends.

    A test module's fixture is `with FaultServers() as start: yield start`; start(script) returns
    a started FaultServer. A failure inside a server (not the client's doing) fails the test.
    """

    def __init__(self):
        self._servers: list[FaultServer] = []

    def __enter__(self) -> Callable[[list[Step]], FaultServer]:
        return self._start

    def __exit__(self, *_) -> None:
        for server in self._servers:
            server.stop()
        for server in self._servers:
            if server.failure is not None:
                raise AssertionError(f"the fault server itself failed: {server.failure!r}")

    def _start(self, script: list[Step]) -> FaultServer:
        server = FaultServer(script).start()
        self._servers.append(server)
        return server


# -- What must never be seen ----------------------------------------------------------------------

def assert_no_secret_leaked(server: FaultServer, run: TimedRun) -> None:
    """The password, in every spelling AUTH could give it, is not in the clear or in stderr."""
    plain = bytes(server.plain) + bytes(server.handshake_bytes)
    for spelling in [*secret_spellings(), PASSWORD]:
        assert spelling.encode("utf-8") not in plain, (
            f"a secret ({spelling!r}) travelled in the clear\n{server.describe()}\n"
            f"{run.describe()}")
        assert spelling not in run.stderr, f"a secret ({spelling!r}) is in stderr\n{run.describe()}"


def assert_no_body_sent(server: FaultServer, run: TimedRun) -> None:
    """No byte of the message (header or body) reached the server."""
    received = server.received()
    for piece in (BODY_MARKER.encode(), f"Subject: {SUBJECT}".encode()):
        assert piece not in received, (
            f"message bytes reached the server\n{server.describe()}\n{run.describe()}")


def assert_exit_within(run: TimedRun, code: int, seconds: float) -> None:
    assert run.returncode == code, f"expected exit {code}\n{run.describe()}"
    assert "smtpsend: error: " in run.stderr, f"no error message\n{run.describe()}"
    assert run.elapsed < seconds, f"took {run.elapsed:.2f} s, limit {seconds} s\n{run.describe()}"
