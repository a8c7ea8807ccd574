"""--batch: many prepared messages over one connection.

Fifty messages from a directory reach the recording server over one connection, each exactly
once, with the envelope its own header fields give and without its Bcc field; a file and a
directory mix in order; a server that answers 421 after ten messages and accepts the rest on the
next connection ends with every message received exactly once; combinations that make no sense
are refused (64) before connecting.
"""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import pytest

from fault_server import Close, Expect, FaultServers, ReadBody, reply
from round_trip_proxy import RoundTripProxy
from support import ConfiguredClient, assert_exit, connect_args, plain_account

EX_USAGE = 64
BCC_FIELD = re.compile(rb"^bcc:", re.IGNORECASE | re.MULTILINE)
SUBJECT = re.compile(rb"^Subject: (message \d+)\r$", re.MULTILINE)
PROXY_TIMEOUT_SECONDS = 10


def write_message(directory: Path, number: int) -> Path:
    path = directory / f"{number:03d}.eml"
    path.write_bytes(
        f"From: Sender {number} <sender{number}@example.test>\n"
        f"To: to{number}@example.test\n"
        f"Cc: cc{number}@example.test\n"
        f"Bcc: hidden{number}@example.test\n"
        f"Subject: message {number}\n"
        f"\n"
        f"Body of message {number}.\n".encode())
    return path


def write_messages(directory: Path, numbers) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        write_message(directory, number)
    return directory


def subject_of(raw: bytes) -> str:
    match = SUBJECT.search(raw)
    assert match, raw
    return match.group(1).decode()


def assert_received_as_written(received, number: int) -> None:
    assert received.mail_from == f"sender{number}@example.test"
    assert sorted(received.rcpt_tos) == sorted(
        [f"to{number}@example.test", f"cc{number}@example.test", f"hidden{number}@example.test"])
    assert not BCC_FIELD.search(received.raw), received.raw
    assert subject_of(received.raw) == f"message {number}"


@pytest.fixture
def start_fault_server():
    with FaultServers() as start:
        yield start


class SwitchingProxy:
    """Listens on 127.0.0.1 and forwards its n-th connection to the n-th target port, so that a
    reconnecting client meets another server at the same address."""

    def __init__(self, targets: list[int]):
        self.targets = targets
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve, daemon=True)]
        self._threads[0].start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            if self.connections == len(self.targets):
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.targets[self.connections]),
                                                timeout=PROXY_TIMEOUT_SECONDS)
            self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=self._pump, args=(source, sink), daemon=True)
                thread.start()
                self._threads.append(thread)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(PROXY_TIMEOUT_SECONDS)
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for side in (source, sink):
            try:
                side.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(PROXY_TIMEOUT_SECONDS)
        self._listener.close()


def test_fifty_messages_over_one_connection_each_received_once(smtpsend, start_server, tmp_path):
    server = start_server("plain")
    spool = write_messages(tmp_path / "spool", range(1, 51))

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "--batch", str(spool))

    assert_exit(run, 0)
    assert server.connections == 1, run.describe()
    assert server.verbs().count("EHLO") == 1
    received = server.wait_for_messages(50, timeout=10)
    assert len(received) == 50, run.describe()
    for number, message in enumerate(received, start=1):
        assert_received_as_written(message, number)
    result_lines = [line for line in run.stderr.splitlines() if ": accepted" in line]
    assert len(result_lines) == 50, run.describe()
    assert result_lines[0].startswith(f"smtpsend: {spool}/001.eml: accepted (250"), run.describe()


def test_a_file_and_a_directory_mix_in_order_and_f_gives_the_sender(smtpsend, start_server,
                                                                    tmp_path):
    server = start_server("plain")
    single = write_message(tmp_path, 7)
    spool = write_messages(tmp_path / "spool", (1, 2))
    (spool / "subdirectory").mkdir()  # not a message, not entered

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f",
                       "bounces@example.test", "--batch", str(single), str(spool))

    assert_exit(run, 0)
    received = server.wait_for_messages(3, timeout=10)
    assert [subject_of(message.raw) for message in received] == [
        "message 7", "message 1", "message 2"]
    assert {message.mail_from for message in received} == {"bounces@example.test"}
    assert server.connections == 1


def test_a_refused_message_is_reported_and_the_others_are_sent(smtpsend, start_server, tmp_path):
    server = start_server("plain", refuse=["to2@example.test"])
    spool = write_messages(tmp_path / "spool", (1, 2, 3))

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "--batch", str(spool))

    assert_exit(run, 67)
    received = server.wait_for_messages(2, timeout=10)
    assert [subject_of(message.raw) for message in received] == ["message 1", "message 3"]
    assert f"{spool}/002.eml: refused: " in run.stderr, run.describe()
    assert "refused by test server" in run.stderr, run.describe()


def test_the_send_log_gets_a_line_for_each_message(smtpsend_binary, start_server, tmp_path):
    server = start_server("plain", refuse=["to2@example.test"])
    spool = write_messages(tmp_path / "spool", (1, 2, 3))
    log = tmp_path / "smtpsend.log"
    client = ConfiguredClient(smtpsend_binary, tmp_path / "home")
    client.write_config(plain_account(server, extra=f"logfile {log}\n"))

    run = client.run("--batch", str(spool))

    assert_exit(run, 67)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3, lines
    for number, line, status, code in ((1, lines[0], "sent", 0), (2, lines[1], "failed", 67),
                                       (3, lines[2], "sent", 0)):
        fields = line.split()
        for expected in (f"status={status}", f"exit={code}", f"from=sender{number}@example.test"):
            assert expected in fields, f"{expected!r} missing from the log line:\n{line}"
        assert f"to{number}@example.test" in line, line


def test_421_after_ten_messages_reconnects_and_delivers_the_rest_once(smtpsend, start_server,
                                                                      start_fault_server,
                                                                      tmp_path):
    # The first server accepts ten pipelined messages, then answers the eleventh's MAIL with 421
    # and hangs up; the next connection goes to a server that takes the rest.
    script = [reply("220 first.example.test ESMTP"), Expect("EHLO"),
              reply("250-first.example.test", "250-PIPELINING", "250 8BITMIME"),
              Expect("DATA"), reply("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok",
                                    "250 2.1.5 Ok", "354 Go ahead")]
    for number in range(1, 10):
        script += [ReadBody(), Expect("DATA"),
                   reply(f"250 2.0.0 queued {number}", "250 2.1.0 Ok", "250 2.1.5 Ok",
                         "250 2.1.5 Ok", "250 2.1.5 Ok", "354 Go ahead")]
    script += [ReadBody(), Expect("DATA"),
               reply("250 2.0.0 queued 10", "421 4.3.2 Shutting down"), Close()]
    first = start_fault_server(script)
    second = start_server("plain")
    proxy = SwitchingProxy([first.port, second.port])
    spool = write_messages(tmp_path / "spool", range(1, 51))
    try:
        run = smtpsend.run("--server", "127.0.0.1", "--port", str(proxy.port), "--tls", "none",
                           "--batch", str(spool))
    finally:
        proxy.stop()

    assert_exit(run, 0)
    assert proxy.connections == 2, run.describe()
    # What followed each DATA on the first connection: ten messages, then nothing of the
    # eleventh, whose MAIL met the 421.
    after_data = first.received().split(b"\r\nDATA\r\n")[1:]
    assert len(after_data) == 11 and b"Subject:" not in after_data[10], first.received()
    assert [subject_of(part) for part in after_data[:10]] == [
        f"message {number}" for number in range(1, 11)]
    received = second.wait_for_messages(40, timeout=10)
    assert [subject_of(message.raw) for message in received] == [
        f"message {number}" for number in range(11, 51)], run.describe()
    for number, message in enumerate(received, start=11):
        assert_received_as_written(message, number)


def test_under_pipelining_each_extra_message_costs_one_round_trip(smtpsend, start_fault_server,
                                                                  tmp_path):
    # Connect, greeting, EHLO, the first envelope, the first message's end: 5 round trips for one
    # message; each further envelope follows the previous end in the same flight.
    count = 11
    script = [reply("220 mx.example.test ESMTP"), Expect("EHLO"),
              reply("250-mx.example.test", "250-PIPELINING", "250 8BITMIME"),
              Expect("DATA"), reply("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok",
                                    "250 2.1.5 Ok", "354 Go ahead")]
    for number in range(1, count):
        script += [ReadBody(), Expect("DATA"),
                   reply(f"250 2.0.0 queued {number}", "250 2.1.0 Ok", "250 2.1.5 Ok",
                         "250 2.1.5 Ok", "250 2.1.5 Ok", "354 Go ahead")]
    script += [ReadBody(), Expect("QUIT"), reply(f"250 2.0.0 queued {count}", "221 2.0.0 Bye")]
    server = start_fault_server(script)
    spool = write_messages(tmp_path / "spool", range(1, count + 1))

    with RoundTripProxy(server.port, one_way_delay=0.001) as proxy:
        run = smtpsend.run("--server", "127.0.0.1", "--port", str(proxy.port), "--tls", "none",
                           "--batch", str(spool))
        round_trips = proxy.round_trips()

    assert_exit(run, 0)
    assert round_trips == [5 + (count - 1)], run.describe()


@pytest.mark.parametrize("extra", [
    ["-t", "someone@example.test"],
    ["someone@example.test"],
    ["--text", "/dev/null"],
    ["--attach", "/dev/null"],
    ["--message", "/dev/null"],
])
def test_batch_with_what_makes_or_addresses_one_message_is_refused(smtpsend, start_server,
                                                                   tmp_path, extra):
    server = start_server("plain")
    spool = write_messages(tmp_path / "spool", (1,))

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), *extra, "--batch",
                       str(spool))

    assert_exit(run, EX_USAGE)
    assert "--batch" in run.stderr, run.describe()
    assert server.connections == 0


def test_batch_in_sendmail_mode_is_refused(smtpsend, start_server, tmp_path):
    server = start_server("plain")
    spool = write_messages(tmp_path / "spool", (1,))

    run = smtpsend.run("--sendmail", "--batch", str(spool), "-S", f"127.0.0.1:{server.port}")

    assert_exit(run, EX_USAGE)
    assert server.connections == 0
