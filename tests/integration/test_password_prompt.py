"""The password asked on the terminal: with echo off, never on argv, and the message sent."""

import fcntl
import os
import select
import signal
import subprocess
import sys
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


# A session leader that runs the program in a process group of its own, in the foreground of
# the terminal, as a shell with job control does; it waits through stops and exits with the
# program's status. Without it, the program's group would be orphaned, and the kernel discards
# SIGTSTP's stop in an orphaned group (POSIX), so Ctrl-Z could not be tested.
JOB_CONTROL_SHELL = """
import os, signal, sys
pid_file, argv = sys.argv[1], sys.argv[2:]
child = os.fork()
if child == 0:
    os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    tty = os.open("/dev/tty", os.O_RDWR)
    os.tcsetpgrp(tty, os.getpid())
    os.close(tty)
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    os.execv(argv[0], argv)
with open(pid_file + ".tmp", "w") as f:
    f.write(str(child))
os.rename(pid_file + ".tmp", pid_file)
while True:
    _, status = os.waitpid(child, os.WUNTRACED | os.WCONTINUED)
    if os.WIFEXITED(status):
        sys.exit(os.WEXITSTATUS(status))
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
"""


def wait_for(condition, what: str, deadline: float) -> None:
    """Polls `condition` until it holds; fails the test at `deadline`."""
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen in time"
        time.sleep(0.02)


def process_state(pid: int) -> str:
    """The state letter of /proc/PID/stat: "T" when stopped."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def echo_is_on(fd: int) -> bool:
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)


def test_ctrl_z_and_fg_at_the_prompt_keep_asking_with_echo_off(smtpsend, start_server, pki,
                                                               tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    master, slave = os.openpty()
    slave_name = os.ttyname(slave)
    pid_file = tmp_path / "smtpsend.pid"

    def take_terminal():
        os.setsid()
        fd = os.open(slave_name, os.O_RDWR)
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        os.close(fd)

    argv = [str(smtpsend.binary), *connect_args(server, "starttls", trust_file=pki.ca.cert),
            "--user", USER, *envelope_args(subject="Prompted after fg")]
    shell = subprocess.Popen([sys.executable, "-c", JOB_CONTROL_SHELL, str(pid_file), *argv],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=smtpsend.environment(),
                             preexec_fn=take_terminal)
    try:
        shell.stdin.write(b"Body after a stop.\n")
        shell.stdin.close()
        deadline = time.monotonic() + PROMPT_TIMEOUT_SECONDS
        read_until(master, b": ", deadline)
        wait_for(pid_file.exists, "the program's start", deadline)
        pid = int(pid_file.read_text())
        wait_for(lambda: not echo_is_on(slave), "echo off at the prompt", deadline)

        # Ctrl-Z: the program stops, and the terminal is given back with echo on.
        os.kill(pid, signal.SIGTSTP)
        wait_for(lambda: process_state(pid) == "T", "the stop", deadline)
        assert echo_is_on(slave), "the terminal was left without echo while stopped"

        # fg: it continues, echo goes off again, and the password typed now is read.
        os.kill(pid, signal.SIGCONT)
        wait_for(lambda: not echo_is_on(slave), "echo off again after SIGCONT", deadline)
        os.write(master, PASSWORD.encode() + b"\n")
        shell.wait(timeout=PROMPT_TIMEOUT_SECONDS)
        after = read_until(master, b"\n", deadline)
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()
        os.close(master)
        os.close(slave)

    stderr = shell.stderr.read().decode(errors="replace")
    assert shell.returncode == 0, stderr
    assert PASSWORD.encode() not in after, "the password was echoed on the terminal"
    [received] = server.messages
    assert received.auth_user == USER


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
