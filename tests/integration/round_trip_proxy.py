"""A TCP proxy that delays every byte and counts the round trips a client's dialog costs.

The proxy stands between the client and a server on 127.0.0.1. Each direction's bytes are
forwarded `one_way_delay` after they arrive, in order, and the connection to the server is made
one round trip after the client's connect, as a TCP handshake over such a link would cost. So a
dialog through it takes about (round trips x 2 x one_way_delay) longer than without it, and the
client pays for each time it has to wait for the server.

It also counts those waits from the order in which the two sides' bytes arrive: every run of
server bytes after client bytes (or after the connect) is one turn the client waited for, however
the server split its replies into writes. Pipelined commands written in one flight arrive before
any reply to them, so they cost one turn, as they do on a real network. The count is

    round trips = 1 (the TCP connect) + the number of server turns

which does not depend on how fast the machine is; the timing only confirms it.

usage:
    with RoundTripProxy(upstream_port, one_way_delay=0.02) as proxy:
        run the client against 127.0.0.1:proxy.port
        proxy.round_trips()   # of the connections so far, in order
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

READ_SIZE = 64 * 1024
# Bounds the wait for the proxy's thread to start and to stop.
THREAD_LIMIT_SECONDS = 10


@dataclass
class Connection:
    """What one client connection cost: its server turns, and when it started and ended."""
    server_turns: int = 0
    started: float = field(default_factory=time.monotonic)
    ended: Optional[float] = None
    last_side: str = ""  # "client" or "server": who sent the bytes that arrived last

    def arrived(self, side: str) -> None:
        if side == "server" and self.last_side != "server":
            self.server_turns += 1
        self.last_side = side

    @property
    def round_trips(self) -> int:
        return 1 + self.server_turns


class RoundTripProxy:
    def __init__(self, upstream_port: int, *, one_way_delay: float = 0.02,
                 upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.one_way_delay = one_way_delay
        self.connections: list[Connection] = []
        self.port = 0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._stopped: Optional[asyncio.Event] = None
        self._lock = threading.Lock()

    # ---- the thread's side ---------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stopped.wait()

    async def _handle(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        connection = Connection()
        with self._lock:
            self.connections.append(connection)
        # A TCP handshake over this link: one round trip before the first byte can flow.
        await asyncio.sleep(2 * self.one_way_delay)
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            connection.ended = time.monotonic()
            return
        await asyncio.gather(
            self._pump(client_reader, server_writer, connection, "client"),
            self._pump(server_reader, client_writer, connection, "server"),
        )
        connection.ended = time.monotonic()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    connection: Connection, side: str) -> None:
        """Forwards what `side` sends, each piece one_way_delay after it arrived, in order."""
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                delay = due - self._loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if data is None:
                    break
                writer.write(data)
                try:
                    await writer.drain()
                except OSError:
                    break
            try:
                if writer.can_write_eof():
                    writer.write_eof()
            except OSError:
                pass

        delivery = asyncio.ensure_future(deliver())
        try:
            while True:
                try:
                    data = await reader.read(READ_SIZE)
                except OSError:
                    data = b""
                if not data:
                    break
                connection.arrived(side)
                queue.put_nowait((self._loop.time() + self.one_way_delay, data))
        finally:
            queue.put_nowait((self._loop.time() + self.one_way_delay, None))
            await delivery

    # ---- the caller's side ---------------------------------------------------------------------

    def start(self) -> int:
        self._thread = threading.Thread(target=self._run, name="round-trip-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(THREAD_LIMIT_SECONDS):
            raise RuntimeError("the round-trip proxy did not start")
        return self.port

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(THREAD_LIMIT_SECONDS)

    def round_trips(self) -> list[int]:
        with self._lock:
            return [connection.round_trips for connection in self.connections]

    def __enter__(self) -> "RoundTripProxy":
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
