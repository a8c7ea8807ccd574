"""The password asked on the terminal: with echo off, never on argv, and the message sent."""

import fcntl
import os
import select
import subprocess
import termios
import time

from support import (PASSWORD, USER, assert_exit, connect_args, envelope_args)

PROMPT_TIMEOUT_SECONDS = 20


def read_until(master: int, marker: bytes, deadline: float) -> bytes:
    seen = b""
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} on the terminal in time; saw {seen!r}"
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other side is gone
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_password_is_read_from_the_terminal_without_echo(smtpsend, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    master, slave = os.openpty()
    # The parent keeps its end of the pty open until the end, so reads never see the terminal
    # vanish between the fork and the child opening it.
    slave_name = os.ttyname(slave)

    def take_terminal():
        # A session of its own with the pty as controlling terminal, so /dev/tty is the pty.
        os.setsid()
        fd = os.open(slave_name, os.O_RDWR)
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        os.close(fd)

    argv = [str(smtpsend.binary), *connect_args(server, "starttls", trust_file=pki.ca.cert),
            "--user", USER, *envelope_args(subject="Prompted")]
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=smtpsend.environment(),
                               preexec_fn=take_terminal)
    try:
        process.stdin.write(b"Body after a prompt.\n")
        process.stdin.close()
        deadline = time.monotonic() + PROMPT_TIMEOUT_SECONDS
        prompt = read_until(master, b": ", deadline)
        assert f"Password for {USER}".encode() in prompt
        os.write(master, PASSWORD.encode() + b"\n")
        process.wait(timeout=PROMPT_TIMEOUT_SECONDS)
        after = read_until(master, b"\n", deadline)  # ECHONL: only the line end comes back
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
        os.close(slave)

    stderr = process.stderr.read().decode(errors="replace")
    assert process.returncode == 0, stderr
    assert PASSWORD.encode() not in after, "the password was echoed on the terminal"
    [received] = server.messages
    assert received.auth_user == USER
    assert PASSWORD not in " ".join(argv)


def test_without_a_terminal_or_a_password_source_nothing_is_sent(smtpsend, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    argv = [str(smtpsend.binary), *connect_args(server, "starttls", trust_file=pki.ca.cert),
            "--user", USER, *envelope_args()]

    # A new session has no controlling terminal, as under cron.
    completed = subprocess.run(argv, input=b"Body.\n", capture_output=True,
                               env=smtpsend.environment(), start_new_session=True,
                               timeout=PROMPT_TIMEOUT_SECONDS, check=False)

    stderr = completed.stderr.decode(errors="replace")
    assert completed.returncode == 78, stderr
    assert "SMTPSEND_PASSWORD" in stderr and "--password-cmd" in stderr
    assert server.connections == 0, "it connected before it had a password"


def test_failing_password_command_is_a_config_error(smtpsend, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert),
                       "--user", USER, *envelope_args(), "--password-cmd", "false")

    assert_exit(run, 78)
    assert "password command" in run.stderr
    assert server.connections == 0
