"""A raw SMTP peer that follows a script, for what no well-behaved server does: replies that come
late, wrong codes after the final dot, connections dropped at a chosen moment, hostile text.

A script is a list of steps, each a (command prefix, action) pair: the server reads client lines
until one starts with the prefix ("" matches the greeting, before anything is read) and then does
the action: send a reply (bytes, CRLF added per line), wait first ("delay", seconds), or "close"
the connection. After DATA's 354 the server collects the message up to the final dot on its own;
the prefix "." stands for that dot.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Optional, Union

ACCEPT_TIMEOUT_SECONDS = 20
READ_TIMEOUT_SECONDS = 20


@dataclass
class Reply:
    lines: list[bytes]
    delay: float = 0.0


CLOSE = "close"
Action = Union[Reply, str]


@dataclass
class ScriptedServer:
    script: list[tuple[str, Action]]
    port: int = 0
    client_lines: list[bytes] = field(default_factory=list)
    message: Optional[bytes] = None
    connected: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    error: Optional[BaseException] = None

    def start(self) -> "ScriptedServer":
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self._listener.settimeout(ACCEPT_TIMEOUT_SECONDS)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._listener.close()
        self._thread.join(timeout=READ_TIMEOUT_SECONDS)

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
        except OSError:
            self.finished.set()
            return
        self.connected.set()
        with connection:
            connection.settimeout(READ_TIMEOUT_SECONDS)
            reader = connection.makefile("rb")
            try:
                self._follow(connection, reader)
            except (OSError, ValueError) as error:
                self.error = error
            finally:
                self.finished.set()

    def _follow(self, connection: socket.socket, reader) -> None:
        for prefix, action in self.script:
            if prefix == ".":
                self.message = self._read_message(reader)
            elif prefix:
                while True:
                    line = reader.readline()
                    if not line:
                        return
                    self.client_lines.append(line)
                    if line.upper().startswith(prefix.upper().encode()):
                        break
            if action == CLOSE:
                connection.shutdown(socket.SHUT_RDWR)
                return
            time.sleep(action.delay)
            connection.sendall(b"".join(line + b"\r\n" for line in action.lines))

    @staticmethod
    def _read_message(reader) -> bytes:
        lines = []
        while True:
            line = reader.readline()
            if not line or line == b".\r\n":
                return b"".join(lines)
            lines.append(line)


def reply(*lines: str | bytes, delay: float = 0.0) -> Reply:
    return Reply([line.encode() if isinstance(line, str) else line for line in lines], delay)


def plain_dialog(final: Action, *, after_final: Optional[list[tuple[str, Action]]] = None):
    """A server without extensions up to the final dot, whose answer to it is `final`."""
    return [
        ("", reply("220 scripted.test ESMTP")),
        ("EHLO", reply("250-scripted.test", "250 8BITMIME")),
        ("MAIL", reply("250 2.1.0 Ok")),
        ("RCPT", reply("250 2.1.5 Ok")),
        ("DATA", reply("354 End data with <CR><LF>.<CR><LF>")),
        (".", final),
        *(after_final or [("QUIT", reply("221 Bye"))]),
    ]
