"""What the test servers share: stopping a daemon they started, and an asyncio server on a thread
of its own. Kept apart from support.py, which imports the servers."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from typing import Awaitable, Optional

# How long a server may take to start listening, and to stop; every wait is bounded.
START_TIMEOUT_SECONDS = 10
STOP_TIMEOUT_SECONDS = 10


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL when it has not ended within STOP_TIMEOUT_SECONDS."""
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_SECONDS)


class ThreadedServer:
    """An asyncio server on a thread of its own, for the tests' Python servers. A subclass calls
    _init_thread(name) from its __init__ and gives _create_server(loop), a coroutine that makes
    the listening server; start() returns its port once it listens, stop() ends the thread."""

    def _init_thread(self, name: str) -> None:
        self._name = name  # for messages and the thread's name: "SMTP test server (starttls)"
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._start_error: Optional[BaseException] = None
        self.port: Optional[int] = None

    def _create_server(self, loop: asyncio.AbstractEventLoop) -> Awaitable[asyncio.AbstractServer]:
        raise NotImplementedError

    def start(self) -> int:
        self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise TimeoutError(f"{self._name} did not start listening within "
                               f"{START_TIMEOUT_SECONDS} s")
        if self._start_error is not None:
            raise RuntimeError(f"{self._name} failed to start: "
                               f"{self._start_error}") from self._start_error
        return self.port

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT_SECONDS)
        self._thread = None

    def _serve(self) -> None:
        """The thread: a new event loop runs the server until stop(). Sets port once the server
        listens, or _start_error when it could not, and _ready in both cases. At the end every
        task left is cancelled."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(self._create_server(loop))
            self.port = server.sockets[0].getsockname()[1]
        except BaseException as error:  # reported to start() in the test thread
            self._start_error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.run_until_complete(server.wait_closed())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()
