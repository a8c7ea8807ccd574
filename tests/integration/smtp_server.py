"""A recording SMTP server for integration tests, built on aiosmtpd 1.4 (Debian's python3-aiosmtpd).

It is both a module (the tests start servers in-process and look at what they saw) and a program:

  /usr/bin/python3 smtp_server.py --mode starttls --auth user:pass \
      --cert server.pem --key server.key --store DIR --port 0 [--refuse ADDR]... [--tempfail ADDR]...

The program prints "READY <port>" on stdout once it listens, and runs until SIGTERM, SIGINT, or
(when stdin is a pipe) until stdin closes.

Modes:
  plain        no TLS at all; AUTH (if users are given) is offered in the clear
  starttls     offers STARTTLS (RFC 3207); AUTH is offered only after TLS
  smtps        implicit TLS from the first byte (RFC 8314 §3.3)
  no-starttls  ESMTP with AUTH offered in the clear but no STARTTLS: a client that requires TLS must
               stop before it sends anything that matters

With `oauth` (an OAuthTokens), the server also offers XOAUTH2 (Google's and Microsoft's form) and
OAUTHBEARER (RFC 7628): it accepts the valid tokens of one user; any other token earns the base64
JSON error report (RFC 7628 §3.2.2: status, schemes, scope) as a 334 challenge, which the client
must answer (^A for OAUTHBEARER, an empty line for XOAUTH2) before the 535. A response line after
a 334 may be as long as RFC 4954 §4 allows (12288 octets), while the AUTH line itself keeps
SMTP's 512: a client must send a long token after an empty 334, never on the AUTH line.

Each message is stored as two files in the store directory: NNNN.eml holds the bytes received after
DATA (dot-unstuffed, line endings as sent) and NNNN.json holds the envelope (mail_from, rcpt_tos,
their ESMTP options, the authenticated user and whether the transaction ran inside TLS).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import dataclasses
import functools
import json
import logging
import os
import signal
import ssl
import stat
import sys
import threading
import warnings
from pathlib import Path
from typing import Iterable, Optional

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

from scram_server import ScramMechanisms, ScramPolicy, scram_mechanisms_not_offered
from server_threads import ThreadedServer

MODES = ("plain", "starttls", "smtps", "no-starttls")
OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")
AUTH_RESPONSE_LIMIT = 12288  # RFC 4954 §4
OAUTH_REFUSED_REPLY = "535 5.7.8 Username and Password not accepted"
LOOPBACK = "127.0.0.1"
SERVER_NAME = "localhost"

# Replies chosen to look like a real MTA's, with RFC 3463 enhanced status codes, so a client's error
# message can be checked for the server's words.
REFUSED_REPLY = "550 5.1.1 <{address}>: Recipient address rejected: refused by test server"
TEMPFAIL_REPLY = "450 4.2.0 <{address}>: Recipient address temporarily rejected: try later"
ACCEPTED_RCPT_REPLY = "250 2.1.5 OK"
QUEUED_REPLY = "250 2.0.0 OK: queued as {queue_id}"

# aiosmtpd warns (on its "mail.log" logger and as a UserWarning) whenever AUTH is offered without
# TLS and on its own use of a deprecated session field. The plain modes do that on purpose, so the
# noise would only bury what a failing test prints.
AIOSMTPD_LOGGER = "mail.log"
logging.getLogger(AIOSMTPD_LOGGER).setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


@dataclasses.dataclass(frozen=True)
class CommandSeen:
    """One command line the server read. For AUTH only the mechanism is kept, never the payload."""
    connection: int
    verb: str
    argument: str
    in_tls: bool


@dataclasses.dataclass(frozen=True)
class AuthAttempt:
    connection: int
    mechanism: str
    user: str
    success: bool
    in_tls: bool


@dataclasses.dataclass(frozen=True)
class OAuthTokens:
    """What an OAuth 2.0 server of the tests accepts: the tokens in `valid`, for `user`. Any other
    token is reported with `status` ("401" as Google's XOAUTH2 writes it, "invalid_token" as RFC
    7628 does) and `scope`."""
    user: str
    valid: frozenset[str]
    status: str = "401"
    scope: str = "https://mail.google.com/"
    # False: a bare 535 with no report, as Microsoft 365 refuses an expired XOAUTH2 token.
    report: bool = True


@dataclasses.dataclass(frozen=True)
class OAuthLogin:
    """One XOAUTH2 or OAUTHBEARER attempt: the fields the client sent but the token, which is kept
    only as its length."""
    connection: int
    mechanism: str
    user: str
    host: Optional[str]  # OAUTHBEARER's host= and port=; None when not sent (or XOAUTH2)
    port: Optional[str]
    token_length: int
    accepted: bool
    in_tls: bool


@dataclasses.dataclass(frozen=True)
class ReceivedMessage:
    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    rcpt_options: list[str]
    auth_user: Optional[str]
    in_tls: bool
    path: Path
    peer_host: str = ""  # the client's address as the server saw it (source_ip)


class _Recorder:
    """What the server saw, shared between the event loop thread and the test thread."""

    def __init__(self, store_dir: Path):
        self.store_dir = store_dir
        self._changed = threading.Condition()
        self.connections = 0
        self.commands: list[CommandSeen] = []
        self.auth_attempts: list[AuthAttempt] = []
        self.oauth_logins: list[OAuthLogin] = []
        self.messages: list[ReceivedMessage] = []

    def connection_opened(self) -> int:
        with self._changed:
            self.connections += 1
            self._changed.notify_all()
            return self.connections

    def command_seen(self, command: CommandSeen) -> None:
        with self._changed:
            self.commands.append(command)
            self._changed.notify_all()

    def auth_attempted(self, attempt: AuthAttempt) -> None:
        with self._changed:
            self.auth_attempts.append(attempt)
            self._changed.notify_all()

    def oauth_attempted(self, login: OAuthLogin) -> None:
        with self._changed:
            self.oauth_logins.append(login)
            self._changed.notify_all()

    def store(self, raw: bytes, envelope_facts: dict) -> ReceivedMessage:
        with self._changed:
            number = len(self.messages) + 1
            path = self.store_dir / f"{number:04d}.eml"
            path.write_bytes(raw)
            path.with_suffix(".json").write_text(json.dumps(envelope_facts, indent=2) + "\n")
            message = ReceivedMessage(raw=raw, path=path, **envelope_facts)
            self.messages.append(message)
            self._changed.notify_all()
            return message

    def wait_until(self, predicate, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout=timeout)

    def snapshot(self, attribute: str) -> list:
        with self._changed:
            return list(getattr(self, attribute))


def _transport_in_tls(server: SMTP) -> bool:
    # After STARTTLS the app transport of asyncio's SSL protocol replaces the plain one; with
    # implicit TLS it is there from the start. Either way it exposes the ssl object.
    transport = server.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


class _RecordingSMTP(SMTP):
    """aiosmtpd's SMTP with every command routed through the recorder before it is handled."""

    def __init__(self, handler: "_Handler", connection: int, **kwargs):
        if handler.oauth is not None:
            # RFC 4954 §4: a response to a 334 may take 12288 octets of base64 (the AUTH command
            # line itself stays within command_size_limit, 512). The reader's limit is set in
            # SMTP.__init__ from this attribute.
            self.line_length_limit = AUTH_RESPONSE_LIMIT + 2
        super().__init__(handler, **kwargs)
        self.connection_number = connection
        self._recorder = handler.recorder
        for verb, method in list(self._smtp_methods.items()):
            self._smtp_methods[verb] = self._recording(verb, method)

    def _recording(self, verb: str, method):
        @functools.wraps(method)
        async def record_then_handle(argument):
            shown = argument or ""
            if verb == "AUTH":
                shown = shown.split(" ", 1)[0]  # the mechanism; the rest is a credential
            self._recorder.command_seen(
                CommandSeen(self.connection_number, verb, shown, _transport_in_tls(self)))
            await method(argument)

        return record_then_handle

    def _getparams(self, params):
        # RFC 4954 §5: a server that offers AUTH accepts MAIL's AUTH= parameter. aiosmtpd 1.4
        # offers AUTH (even with no mechanism left) but answers 555 to the parameter, which
        # Dovecot's submission relay sends. Accept it; mail_options still records it.
        parsed = super()._getparams(params)
        if parsed is not None:
            parsed.pop("AUTH", None)
        return parsed

def _xoauth2_fields(payload: bytes) -> Optional[dict[str, str]]:
    """"user=" U ^A "auth=Bearer " T ^A ^A, as a dict; None when it is not that."""
    if not payload.endswith(b"\x01\x01"):
        return None
    fields = {}
    for pair in payload[:-2].split(b"\x01"):
        key, separator, value = pair.decode("utf-8", errors="replace").partition("=")
        if not separator or key in fields:
            return None
        fields[key] = value
    return fields if set(fields) == {"user", "auth"} else None


def _oauthbearer_fields(payload: bytes) -> Optional[dict[str, str]]:
    """RFC 7628 §3.1: gs2-header ^A *(key "=" value ^A) ^A, as a dict with the gs2 header's
    authzid as "user"; None when it is not that."""
    parts = payload.split(b"\x01")
    if len(parts) < 4 or parts[-2:] != [b"", b""]:
        return None
    header = parts[0].decode("utf-8", errors="replace")
    if not (header.startswith("n,") and header.endswith(",")):
        return None
    authzid = header[2:-1]
    if authzid and not authzid.startswith("a="):
        return None
    fields = {"user": authzid[2:].replace("=2C", ",").replace("=3D", "=")}
    for pair in parts[1:-2]:
        key, separator, value = pair.decode("utf-8", errors="replace").partition("=")
        if not separator or key in fields:
            return None
        fields[key] = value
    return fields if "auth" in fields else None


class _Handler(ScramMechanisms):
    def __init__(self, recorder: _Recorder, users: dict[str, str], refuse: Iterable[str],
                 tempfail: Iterable[str], scram: Optional[ScramPolicy] = None,
                 oauth: Optional[OAuthTokens] = None):
        self.recorder = recorder
        self.oauth = oauth
        self.users = dict(users)
        self.scram = scram  # SCRAM mechanisms (scram_server.py) offered, and what they saw
        self.refuse = {address.lower() for address in refuse}
        self.tempfail = {address.lower() for address in tempfail}

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", errors="replace")
        password = auth_data.password.decode("utf-8", errors="replace")
        success = user in self.users and self.users[user] == password
        self.recorder.auth_attempted(AuthAttempt(server.connection_number, mechanism, user,
                                                 success, _transport_in_tls(server)))
        return AuthResult(success=success, handled=False, auth_data=user if success else None)

    # aiosmtpd offers a handler's auth_NAME methods as AUTH mechanisms (excluded unless `oauth`).
    async def auth_XOAUTH2(self, server, args):
        return await self._oauth_exchange(server, "XOAUTH2", args)

    async def auth_OAUTHBEARER(self, server, args):
        return await self._oauth_exchange(server, "OAUTHBEARER", args)

    async def _oauth_exchange(self, server, mechanism: str, args: list[str]) -> AuthResult:
        if len(args) == 1:
            # RFC 4422 §5: no initial response on the AUTH line; an empty challenge asks for it.
            payload = await server.challenge_auth("")
            if payload is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                payload = base64.b64decode(args[1].encode(), validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        parse = _xoauth2_fields if mechanism == "XOAUTH2" else _oauthbearer_fields
        fields = parse(payload)
        scheme, _, token = (fields or {}).get("auth", "").partition(" ")
        if fields is None or scheme != "Bearer" or not token:
            await server.push(f"501 5.5.2 Malformed {mechanism} response")
            return AuthResult(success=False, handled=True)
        user = fields["user"]
        accepted = user == self.oauth.user and token in self.oauth.valid
        self.recorder.oauth_attempted(OAuthLogin(
            server.connection_number, mechanism, user, fields.get("host"), fields.get("port"),
            len(token), accepted, _transport_in_tls(server)))
        self.recorder.auth_attempted(AuthAttempt(server.connection_number, mechanism, user,
                                                 accepted, _transport_in_tls(server)))
        if accepted:
            return AuthResult(success=True, handled=False, auth_data=user)
        if not self.oauth.report:
            return AuthResult(success=False, handled=False,
                              message="535 5.7.3 Authentication unsuccessful")
        # RFC 7628 §3.2.2 (and Google's XOAUTH2): the error report as a challenge; the client's
        # answer (§3.2.3: ^A; XOAUTH2: empty) lets the server send its failure.
        report = json.dumps({"status": self.oauth.status, "schemes": "bearer",
                             "scope": self.oauth.scope}, separators=(",", ":"))
        answer = await server.challenge_auth(report)
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        expected = b"\x01" if mechanism == "OAUTHBEARER" else b""
        if answer != expected:
            await server.push(f"501 5.5.2 The answer to the {mechanism} error report must be "
                              f"{expected!r}")
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=OAUTH_REFUSED_REPLY)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return REFUSED_REPLY.format(address=address)
        if address.lower() in self.tempfail:
            return TEMPFAIL_REPLY.format(address=address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return ACCEPTED_RCPT_REPLY

    async def handle_DATA(self, server, session, envelope):
        auth_user = session.auth_data if isinstance(session.auth_data, str) else None
        message = self.recorder.store(envelope.original_content, {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "rcpt_options": list(envelope.rcpt_options),
            "auth_user": auth_user,
            "in_tls": _transport_in_tls(server),
            "peer_host": session.peer[0] if isinstance(session.peer, tuple) else str(session.peer),
        })
        return QUEUED_REPLY.format(queue_id=message.path.stem)


def _server_tls_context(cert: Path, key: Path,
                        maximum_version: Optional[ssl.TLSVersion] = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if maximum_version is not None:
        context.maximum_version = maximum_version
    context.load_cert_chain(str(cert), str(key))
    return context


class TestSmtpServer(ThreadedServer):
    """An aiosmtpd server on its own event loop thread, bound to 127.0.0.1 on an ephemeral port."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(self, mode: str, store_dir: Path, *, users: Optional[dict[str, str]] = None,
                 refuse: Iterable[str] = (), tempfail: Iterable[str] = (),
                 cert: Optional[Path] = None, key: Optional[Path] = None,
                 host: str = LOOPBACK, port: int = 0, scram: Optional[ScramPolicy] = None,
                 tls_maximum_version: Optional[ssl.TLSVersion] = None,
                 oauth: Optional[OAuthTokens] = None):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        if mode in ("starttls", "smtps") and (cert is None or key is None):
            raise ValueError(f"mode {mode} needs a certificate and a key")
        self.mode = mode
        self.store_dir = Path(store_dir)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.host = host
        self._requested_port = port
        self._tls_context = (_server_tls_context(cert, key, tls_maximum_version)
                             if cert and key else None)
        self._recorder = _Recorder(self.store_dir)
        self._handler = _Handler(self._recorder, users or {}, refuse, tempfail, scram, oauth)
        self._init_thread(f"SMTP test server ({mode})")

    # -- what the server saw -------------------------------------------------------------------

    @property
    def connections(self) -> int:
        return self._recorder.connections

    @property
    def commands(self) -> list[CommandSeen]:
        return self._recorder.snapshot("commands")

    @property
    def auth_attempts(self) -> list[AuthAttempt]:
        return self._recorder.snapshot("auth_attempts")

    @property
    def oauth_logins(self) -> list[OAuthLogin]:
        return self._recorder.snapshot("oauth_logins")

    @property
    def messages(self) -> list[ReceivedMessage]:
        return self._recorder.snapshot("messages")

    def verbs(self, *, in_tls: Optional[bool] = None) -> list[str]:
        return [c.verb for c in self.commands if in_tls is None or c.in_tls == in_tls]

    def wait_for_messages(self, count: int, timeout: float) -> list[ReceivedMessage]:
        """Blocks until `count` messages arrived (a condition, not a poll); raises on timeout."""
        if not self._recorder.wait_until(lambda: len(self._recorder.messages) >= count, timeout):
            raise TimeoutError(f"expected {count} message(s) within {timeout} s, got "
                               f"{len(self.messages)}; commands seen: {self.commands}")
        return self.messages

    # -- lifecycle -----------------------------------------------------------------------------

    def _smtp_parameters(self) -> dict:
        has_users = bool(self._handler.users)
        has_oauth = self._handler.oauth is not None
        parameters = {
            "hostname": SERVER_NAME,
            "enable_SMTPUTF8": True,
            "authenticator": self._handler.authenticate,
            "auth_required": has_users or has_oauth,
            # RFC 4954 §4: offering AUTH in the clear is the server's choice; the modes that have
            # no STARTTLS offer it so that a client's own refusal is what gets tested.
            "auth_require_tls": self.mode == "starttls",
        }
        excluded = (([] if has_users else ["PLAIN", "LOGIN"])
                    + ([] if has_oauth else list(OAUTH_MECHANISMS))
                    + scram_mechanisms_not_offered(self._handler.scram))
        if excluded:
            parameters["auth_exclude_mechanism"] = excluded
        if self.mode == "starttls":
            parameters["tls_context"] = self._tls_context
        return parameters

    def _new_protocol(self) -> SMTP:
        connection = self._recorder.connection_opened()
        return _RecordingSMTP(self._handler, connection, loop=self._loop,
                              **self._smtp_parameters())

    def _create_server(self, loop: asyncio.AbstractEventLoop):
        implicit_tls = self._tls_context if self.mode == "smtps" else None
        return loop.create_server(self._new_protocol, self.host, self._requested_port,
                                  ssl=implicit_tls)


    def __enter__(self) -> "TestSmtpServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def parse_user(spec: str) -> tuple[str, str]:
    user, separator, password = spec.partition(":")
    if not separator or not user:
        raise argparse.ArgumentTypeError(f"expected USER:PASSWORD, got {spec!r}")
    return user, password


def _stop_when_stdin_closes(stop: threading.Event) -> None:
    # Only a pipe or socket means "someone is holding us": a background job started by a shell
    # without job control gets /dev/null, which would end the server at once.
    descriptor = sys.stdin.fileno()
    mode = os.fstat(descriptor).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return

    def wait_for_eof() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside the buffered reader holds its lock
        # and makes the interpreter abort at shutdown.
        while os.read(descriptor, 4096):
            pass
        stop.set()

    threading.Thread(target=wait_for_eof, name="stdin-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Recording SMTP server for smtpsend tests.")
    parser.add_argument("--mode", choices=MODES, default="starttls")
    parser.add_argument("--auth", type=parse_user, action="append", default=[],
                        metavar="USER:PASSWORD", help="accept this login (repeatable)")
    parser.add_argument("--cert", type=Path, help="server certificate (PEM)")
    parser.add_argument("--key", type=Path, help="server private key (PEM)")
    parser.add_argument("--store", type=Path, required=True, help="directory for received mail")
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--port", type=int, default=0, help="0 picks an ephemeral port")
    parser.add_argument("--refuse", action="append", default=[], metavar="ADDR",
                        help="answer RCPT TO for ADDR with 550 (repeatable)")
    parser.add_argument("--tempfail", action="append", default=[], metavar="ADDR",
                        help="answer RCPT TO for ADDR with 450 (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="log every command on stderr")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="smtp_server: %(message)s")
    if args.verbose:
        logging.getLogger(AIOSMTPD_LOGGER).setLevel(logging.INFO)
    server = TestSmtpServer(args.mode, args.store, users=dict(args.auth), refuse=args.refuse,
                            tempfail=args.tempfail, cert=args.cert, key=args.key, host=args.host,
                            port=args.port)
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    port = server.start()
    print(f"READY {port}", flush=True)
    _stop_when_stdin_closes(stop)
    while not stop.wait(timeout=3600):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
