"""A TLS-terminating man in the middle for SMTP, the attack SCRAM's channel binding stops.

The proxy sits between the client and the real server. It ends the client's TLS with a certificate
of its own that the client trusts (one issued by the test CA for "localhost": a mis-issued
certificate, as a compromised or careless CA would sign) and opens a TLS session of its own to the
real server. Everything it relays it can read and change. With STARTTLS it relays the clear-text
EHLO/STARTTLS dialog line by line, then starts both TLS sessions once the server has said 220.

With `strip_plus` it also removes every "-PLUS" mechanism from the server's EHLO reply, as an
attacker would to talk the client down to plain SCRAM.

The proxy runs on its own event loop thread, bound to 127.0.0.1 on an ephemeral port; every read
has a time limit, so a stuck dialog ends instead of hanging the test.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
from pathlib import Path
from typing import Optional

from server_threads import ThreadedServer

LOOPBACK = "127.0.0.1"
SERVER_NAME = "localhost"
READ_TIMEOUT_SECONDS = 30
MODES = ("starttls", "smtps")
# "250-AUTH PLAIN SCRAM-SHA-256 SCRAM-SHA-256-PLUS" -> "250-AUTH PLAIN SCRAM-SHA-256"
PLUS_MECHANISM = re.compile(rb" [A-Z0-9_-]+-PLUS(?=[ \r\n])")
AUTH_LINE = re.compile(rb"^250[- ]AUTH ", re.IGNORECASE)


class TlsMitmProxy(ThreadedServer):
    """start() -> port; stop(). `connections` counts the clients whose TLS the proxy ended."""

    __test__ = False

    def __init__(self, mode: str, upstream_port: int, *, cert: Path, key: Path, upstream_ca: Path,
                 tls_maximum_version: Optional[ssl.TLSVersion] = ssl.TLSVersion.TLSv1_2,
                 strip_plus: bool = False):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        self.mode = mode
        self.upstream_port = upstream_port
        self.strip_plus = strip_plus
        # Toward the client: the proxy's own certificate.
        self._client_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._client_side.load_cert_chain(str(cert), str(key))
        # Toward the server: an ordinary verifying client.
        self._server_side = ssl.create_default_context(cafile=str(upstream_ca))
        if tls_maximum_version is not None:
            self._client_side.maximum_version = tls_maximum_version
            self._server_side.maximum_version = tls_maximum_version
        self._lock = threading.Lock()
        self._connections = 0
        self._errors: list[str] = []
        self._init_thread(f"TLS proxy ({mode})")

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    # -- one client ----------------------------------------------------------------------------

    async def _handle(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        server_writer = None
        try:
            implicit = self.mode == "smtps"
            server_reader, server_writer = await asyncio.wait_for(asyncio.open_connection(
                LOOPBACK, self.upstream_port, ssl=self._server_side if implicit else None,
                server_hostname=SERVER_NAME if implicit else None), READ_TIMEOUT_SECONDS)
            if not implicit:
                await self._relay_until_starttls(client_reader, client_writer, server_reader,
                                                 server_writer)
                await client_writer.start_tls(self._client_side)
                await server_writer.start_tls(self._server_side, server_hostname=SERVER_NAME)
            with self._lock:
                self._connections += 1
            await asyncio.gather(self._pump(client_reader, server_writer, filter_auth=False),
                                 self._pump(server_reader, client_writer,
                                            filter_auth=self.strip_plus))
        except (OSError, ssl.SSLError, asyncio.TimeoutError, EOFError) as error:
            with self._lock:
                self._errors.append(f"{type(error).__name__}: {error}")
        finally:
            for writer in (client_writer, server_writer):
                if writer is not None:
                    writer.close()

    async def _relay_until_starttls(self, client_reader, client_writer, server_reader,
                                    server_writer) -> None:
        client_writer.write(await _read_reply(server_reader))
        while True:
            line = await asyncio.wait_for(client_reader.readline(), READ_TIMEOUT_SECONDS)
            if not line:
                raise EOFError("the client left before STARTTLS")
            server_writer.write(line)
            reply = await _read_reply(server_reader)
            client_writer.write(reply)
            await client_writer.drain()
            if line.strip().upper() == b"STARTTLS" and reply.startswith(b"220"):
                return

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                    filter_auth: bool) -> None:
        try:
            while True:
                if filter_auth:
                    data = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)
                    if AUTH_LINE.match(data):
                        data = PLUS_MECHANISM.sub(b"", data)
                else:
                    data = await asyncio.wait_for(reader.read(65536), READ_TIMEOUT_SECONDS)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        finally:
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()

    # -- lifecycle -----------------------------------------------------------------------------

    def _create_server(self, loop: asyncio.AbstractEventLoop):
        return asyncio.start_server(self._handle, LOOPBACK, 0,
                                    ssl=self._client_side if self.mode == "smtps" else None)


async def _read_reply(reader: asyncio.StreamReader) -> bytes:
    """One whole SMTP reply, all its lines (RFC 5321 §4.2: "NNN-" continues, "NNN " ends)."""
    reply = b""
    while True:
        line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)
        if not line:
            raise EOFError("the server closed the connection")
        reply += line
        if len(line) < 4 or line[3:4] != b"-":
            return reply
