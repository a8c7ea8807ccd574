"""A very large pipelined envelope against a server that reads only as fast as it replies.

RFC 2920 §3.1: a client that writes a group of commands before reading the replies must keep the
group within what the connection buffers, or both sides end up blocked in a write, each waiting
for the other to read. The server here has small socket buffers and long replies, and stops
reading while it cannot write: a client that sent all 10,000 RCPTs in one write would never
finish it. The test's bound is run_client's own time limit, not a timing assertion; and the
server counts the commands it held unanswered, which the window bounds whatever the buffers
(loopback's are large enough to hide a deadlock).
"""

import socket

from fault_server import Expect, FaultServer, dialog, reply, run_client

RECIPIENTS = 10_000
# Small kernel buffers on the server's side: a few kilobytes of commands or replies fill them.
SERVER_BUFFER_OCTETS = 4096
# A long reply to each RCPT, within the client's limits: the replies owed pile up quickly.
LONG_OK = "250 2.1.5 Ok " + "x" * 1000


class SmallBufferServer(FaultServer):
    """A fault server whose accepted connection gets small receive and send buffers, and that
    notes the most command lines it ever held unanswered before DATA was answered."""

    def __init__(self, script):
        super().__init__(script)
        # Accepted sockets take their buffer sizes from the listener (socket(7)).
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            self._listener.setsockopt(socket.SOL_SOCKET, option, SERVER_BUFFER_OCTETS)
        self.lines_received = 0
        self.replies_sent = 0
        self.most_unanswered = 0
        self._counting = True

    def _receive_once(self) -> bool:
        before = len(self.plain)
        got = super()._receive_once()
        if self._counting:
            self.lines_received += bytes(self.plain[before:]).count(b"\n")
        return got

    def _send(self, step) -> None:
        if self._counting:
            # Every reply but the greeting answers one command line.
            self.most_unanswered = max(self.most_unanswered,
                                       self.lines_received - max(self.replies_sent - 1, 0))
            self.replies_sent += 1
            self._counting = not step.data.startswith(b"354")
        super()._send(step)


def test_ten_thousand_pipelined_recipients_do_not_deadlock(smtpsend):
    good = dialog(pipelining=True)
    rcpts = [step for _ in range(RECIPIENTS + 1) for step in (Expect("RCPT"), reply(LONG_OK))]
    server = SmallBufferServer(good.before("rcpt") + rcpts + good.after("rcpt")).start()
    try:
        extra = [arg for n in range(RECIPIENTS) for arg in ("-b", f"r{n}@example.test")]
        run = run_client(smtpsend, server, *extra)
    finally:
        server.stop()
    assert server.failure is None, repr(server.failure)

    assert run.returncode == 0, run.describe()
    # The client never had more than the window's 100 commands written and unanswered.
    assert 0 < server.most_unanswered <= 100, server.most_unanswered
    assert server.verbs().count("RCPT") == RECIPIENTS + 1, server.describe()
    assert server.message is not None, server.describe()
