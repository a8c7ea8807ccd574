"""SIGTERM, SIGINT and SIGHUP while a message is being sent.

The program must not vanish silently: it reports and logs what the signal interrupted (and, after
the final dot, that the message may have been delivered), then ends by that same signal, so that
its caller sees what happened.
"""

import signal
import subprocess
import time

import pytest

from fault_server import BODY, Expect, FaultServers, ReadBody, Stall, dialog

# A bound on every wait of these tests; none should come near it.
WAIT_SECONDS = 10


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def interrupt_when_stalled(smtpsend, tmp_path, server, script_length: int, signal_number: int):
    """Runs smtpsend against `server`, sends it `signal_number` once the server is at its last
    (stalling) step, and returns the finished process and the log file's text."""
    log = tmp_path / "send.log"
    config = tmp_path / "config"
    config.write_text(f"host localhost\nport {server.port}\ntls off\nfrom alice@example.test\n"
                      f"logfile {log}\n", encoding="utf-8")
    process = subprocess.Popen([str(smtpsend.binary), "-C", str(config), "-t", "bob@example.test",
                                "-s", "interrupted"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=smtpsend.environment())
    try:
        process.stdin.write(BODY.encode())
        process.stdin.close()
        process.stdin = None  # written and closed: communicate() must not touch it
        wait_for(lambda: server.steps_done >= script_length - 1, "the server to stall")
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process, stderr.decode(errors="replace"), log.read_text(encoding="utf-8")


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_before_the_message_went_out_is_logged_as_not_sent(smtpsend, tmp_path,
                                                                      fault_server,
                                                                      signal_number):
    script = dialog().before("rcpt") + [Expect("RCPT"), Stall()]
    server = fault_server(script)

    process, stderr, log = interrupt_when_stalled(smtpsend, tmp_path, server, len(script),
                                                  signal_number)

    assert process.returncode == -signal_number, f"exit {process.returncode}\n{stderr}"
    assert f"interrupted by {signal.Signals(signal_number).name}" in stderr, stderr
    assert "the message was not sent" in stderr, stderr
    assert "status=interrupted" in log and f"exit={128 + signal_number}" in log, log
    assert "DATA" not in server.verbs()


def test_a_signal_after_the_final_dot_says_the_message_may_have_been_delivered(
        smtpsend, tmp_path, fault_server):
    script = dialog().before("body") + [ReadBody(), Stall()]
    server = fault_server(script)

    process, stderr, log = interrupt_when_stalled(smtpsend, tmp_path, server, len(script),
                                                  signal.SIGTERM)

    assert process.returncode == -signal.SIGTERM, f"exit {process.returncode}\n{stderr}"
    assert server.message is not None
    assert "delivery state unknown" in stderr, stderr
    assert "status=interrupted" in log and "delivery state unknown" in log, log
