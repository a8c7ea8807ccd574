"""The password command (--password-cmd, passwordeval) runs apart from the message: its standard
input is /dev/null, so a command that reads standard input (`ssh host cat pw`, `openssl -pass
stdin`) cannot swallow the message that sendmail mode and `--message -` read from there; and it is
bounded in time by --max-time, so a command that never ends cannot hold the send forever.

Every run gets an environment of HOME, PATH and the test's own variables and a session of its
own (no controlling terminal).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from support import (CLEAN_PATH, PASSWORD, RECIPIENT, SENDER, USER, ConfiguredClient,
                     assert_exit, assert_no_secret, parse_message, tls_defaults)

EX_TEMPFAIL = 75

# Larger than any read buffer, so that part of it still waits on standard input when the password
# is asked for.
BODY_LINES = [f"line {number} of the message body" for number in range(1, 40001)]
SENDMAIL_MESSAGE = (f"From: {SENDER}\nTo: {RECIPIENT}\nSubject: whole body\n\n"
                    + "\n".join(BODY_LINES) + "\n")
# Reads all of its standard input, then prints the password: what `ssh host cat pw` does to a
# message waiting on the same standard input.
STDIN_READING_COMMAND = f"cat >/dev/null; printf '%s\\n' '{PASSWORD}'"


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


def assert_whole_body_arrived(server) -> None:
    [received] = server.messages
    body = parse_message(received.raw).get_content().replace("\r\n", "\n")
    assert body.splitlines() == BODY_LINES


def test_passwordeval_reading_stdin_leaves_the_sendmail_message_whole(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki) + f"passwordeval {STDIN_READING_COMMAND}\n")

    run = client.run("--sendmail", "-t", "-i", body=SENDMAIL_MESSAGE)

    assert_exit(run, 0)
    assert [(a.user, a.success) for a in server.auth_attempts] == [(USER, True)]
    assert_whole_body_arrived(server)


def test_password_cmd_reading_stdin_leaves_message_from_stdin_whole(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))

    run = client.run("--password-cmd", STDIN_READING_COMMAND, "--message", "-", RECIPIENT,
                     body=SENDMAIL_MESSAGE)

    assert_exit(run, 0)
    assert_whole_body_arrived(server)


def run_timed(client: ConfiguredClient, *args: str, bound: float) -> tuple[subprocess.Popen,
                                                                             float, str]:
    """Runs the client; fails the test when it has not ended within `bound` seconds."""
    started = time.monotonic()
    process = subprocess.Popen([str(client.binary), *args], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={"HOME": str(client.home), "PATH": CLEAN_PATH},
                               start_new_session=True)
    try:
        _, stderr = process.communicate(b"Hello.\n", timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its password command too
        process.communicate()
        pytest.fail(f"smtpsend {' '.join(args)} still ran after {bound} s")
    return process, time.monotonic() - started, stderr.decode(errors="replace")


@pytest.mark.waits_out_time_limits
@pytest.mark.parametrize("command", [
    "sleep 1000",
    "trap '' TERM; while :; do sleep 1; done",  # ignores SIGTERM: needs the SIGKILL
    "exec >&-; sleep 1000",  # closes its output at once, then never exits
], ids=["sleeps", "ignores-sigterm", "closes-output-and-sleeps"])
def test_password_command_that_never_ends_stops_at_max_time(client, start_server, pki, command):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))

    process, elapsed, stderr = run_timed(client, "--password-cmd", command, "--max-time", "2",
                                         RECIPIENT, bound=15)

    assert process.returncode == EX_TEMPFAIL, stderr
    assert elapsed < 8, f"took {elapsed:.1f} s with --max-time 2"
    assert "--max-time" in stderr and "--password-cmd" in stderr, stderr
    assert command not in stderr and "sleep" not in stderr, stderr
    assert server.connections == 0


def test_passwordeval_that_never_ends_names_the_file_line(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    path = client.write_config(tls_defaults(server, pki) + f"passwordeval sleep 1000; echo {PASSWORD}\n")

    process, _, stderr = run_timed(client, "--max-time", "1", RECIPIENT, bound=15)

    assert process.returncode == EX_TEMPFAIL, stderr
    assert f"{path}:" in stderr and "passwordeval" in stderr, stderr
    assert_no_secret(stderr, "stderr")
    assert server.connections == 0
