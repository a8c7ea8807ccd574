"""Native mode's inputs: standard input and the files behind --text, --html, --inline and -a.

Whatever they are (a directory, a FIFO, a procfs file, a socket that is reset, a standard input
that was closed), the program either reads them whole or refuses them before connecting, with
an exit code that says which: 66 for a file that cannot be used, 74 for a read that failed. It
never sends a truncated body, and never waits forever on a FIFO.
"""

import os
import socket
import struct
import subprocess
import threading
from pathlib import Path

import pytest

from support import (ERROR_PREFIX, RECIPIENT, SENDER, SmtpsendRun, connect_args, dry_run_args,
                     parse_message)

EX_NOINPUT = 66
EX_IOERR = 74
# A FIFO that is waited on never returns; anything close to this is a hang.
HANG_LIMIT_SECONDS = 15


@pytest.fixture
def server(start_server):
    return start_server("plain")


def run_with_stdin(smtpsend, args: list[str], stdin) -> SmtpsendRun:
    """Runs the binary with `stdin` as its descriptor 0: a file object, a descriptor, or "closed"
    (descriptor 0 closed before exec, as a daemon's child may find it)."""
    argv = [str(smtpsend.binary), *args]
    closing = stdin == "closed"
    try:
        completed = subprocess.run(
            argv, stdin=subprocess.DEVNULL if closing else stdin, capture_output=True,
            env=smtpsend.environment(), timeout=HANG_LIMIT_SECONDS, check=False,
            preexec_fn=(lambda: os.close(0)) if closing else None)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"smtpsend did not finish within {HANG_LIMIT_SECONDS} s: {' '.join(argv)}\n"
                    f"stderr so far:\n{(expired.stderr or b'').decode(errors='replace')}")
    return SmtpsendRun(args=argv, returncode=completed.returncode, stdout=completed.stdout,
                       stderr=completed.stderr.decode("utf-8", errors="replace"))


def native_args(server, *args: str) -> list[str]:
    return [*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER, "-t", RECIPIENT,
            "-s", "Inputs", *args]


def assert_refused(run: SmtpsendRun, server, code: int, *needles: str) -> None:
    assert run.returncode == code, run.describe()
    assert run.stderr.startswith(ERROR_PREFIX), run.describe()
    for needle in needles:
        assert needle in run.stderr, f"the error does not say {needle!r}\n{run.describe()}"
    assert server.connections == 0, f"connected before finding the error\n{run.describe()}"


# --- standard input -------------------------------------------------------------------------


def test_directory_as_standard_input_is_an_io_error(smtpsend, server, tmp_path):
    descriptor = os.open(tmp_path, os.O_RDONLY)
    try:
        run = run_with_stdin(smtpsend, native_args(server), descriptor)
    finally:
        os.close(descriptor)
    assert_refused(run, server, EX_IOERR, "standard input")


def test_reset_standard_input_is_an_io_error(smtpsend, server):
    # A TCP connection as standard input whose peer sends some of the body and then a reset
    # (SO_LINGER with a zero timeout): what was read so far must not be sent as the whole body.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        peer, _ = listener.accept()
    peer.sendall(b"the first part of a body\n" * 100)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()
    try:
        run = run_with_stdin(smtpsend, native_args(server), client.fileno())
    finally:
        client.close()
    assert_refused(run, server, EX_IOERR, "standard input")
    assert server.messages == [], run.describe()


@pytest.mark.parametrize("mode", ["text body", "--message -", "sendmail mode"])
def test_closed_standard_input_is_an_io_error(smtpsend, server, tmp_path, mode):
    config = tmp_path / "sendmail.conf"
    config.write_text(f"account default\nhost 127.0.0.1\nport {server.port}\ntls off\n",
                      encoding="utf-8")
    config.chmod(0o600)
    args = {
        "text body": native_args(server),
        "--message -": native_args(server, "--message", "-"),
        "sendmail mode": ["--sendmail", "-C", str(config), "-f", SENDER, RECIPIENT],
    }[mode]
    if mode == "--message -":
        args.remove("-s")
        args.remove("Inputs")
    run = run_with_stdin(smtpsend, args, "closed")
    assert_refused(run, server, EX_IOERR, "standard input is closed", "--text/--message")


def test_closed_standard_input_with_attachments_sends_them_without_a_text_body(
        smtpsend, server, tmp_path):
    # As with a terminal: the text body is optional when there are attachments to carry.
    attachment = tmp_path / "report.csv"
    attachment.write_bytes(b"a,b\n1,2\n")
    run = run_with_stdin(smtpsend, native_args(server, "-a", str(attachment)), "closed")
    assert run.returncode == 0, run.describe()
    message = parse_message(server.messages[0].raw)
    parts = list(message.iter_parts())
    assert [part.get_filename() for part in parts] == ["report.csv"], run.describe()
    assert parts[0].get_payload(decode=True) == b"a,b\n1,2\n"


def test_body_from_a_pipe_arrives_whole(smtpsend, server):
    # read(2) in bulk until end of file, however the writer splits its writes.
    body = b"".join(b"line %06d of a body that comes in pieces\n" % i for i in range(20000))
    read_end, write_end = os.pipe()

    def write_slowly():
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for start in range(0, len(body), 4093):
                pipe.write(body[start:start + 4093])

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        run = run_with_stdin(smtpsend, native_args(server), read_end)
    finally:
        os.close(read_end)
        writer.join(timeout=HANG_LIMIT_SECONDS)
    assert run.returncode == 0, run.describe()
    received = parse_message(server.messages[0].raw)
    assert received.get_payload(decode=True).replace(b"\r\n", b"\n") == body


# --- --text and --html ----------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--text", "--html"])
def test_directory_as_text_or_html_is_no_input(smtpsend, server, tmp_path, option):
    directory = tmp_path / "a-directory.txt"
    directory.mkdir()
    run = run_with_stdin(smtpsend, native_args(server, option, str(directory)),
                         subprocess.DEVNULL)
    assert_refused(run, server, EX_NOINPUT, option, "a-directory.txt", "directory")


@pytest.mark.parametrize("option", ["--text", "--html"])
def test_unreadable_text_or_html_is_an_io_error(smtpsend, server, option):
    # /proc/self/mem opens, but reading it at offset 0 fails (EIO).
    run = run_with_stdin(smtpsend, native_args(server, option, "/proc/self/mem"),
                         subprocess.DEVNULL)
    assert_refused(run, server, EX_IOERR, option, "/proc/self/mem")


# --- FIFOs and other files that are not regular ---------------------------------------------


@pytest.mark.parametrize("option", ["-a", "--inline", "--text", "--html"])
def test_fifo_is_refused_before_connecting(smtpsend, server, tmp_path, option):
    fifo = tmp_path / "a-fifo"
    os.mkfifo(fifo)
    html = tmp_path / "page.html"
    html.write_text('<p><img src="cid:a-fifo"></p>\n', encoding="utf-8")
    extra = ["--html", str(html)] if option == "--inline" else []
    run = run_with_stdin(smtpsend, native_args(server, *extra, option, str(fifo)),
                         subprocess.DEVNULL)
    assert_refused(run, server, EX_NOINPUT, "a-fifo", "is not a regular file")


# --- procfs: regular files whose size is 0 until read ----------------------------------------


def test_procfs_file_as_attachment_is_sent_whole(smtpsend, tmp_path):
    expected = Path("/proc/version").read_bytes()
    assert expected, "/proc/version is empty on this machine"
    run = run_with_stdin(smtpsend, [*dry_run_args(), "-f", SENDER, "-t", RECIPIENT, "-s", "proc",
                                    "--text", "/proc/version", "-a", "/proc/version"],
                         subprocess.DEVNULL)
    assert run.returncode == 0, run.describe()
    message = parse_message(run.stdout)
    attachments = list(message.iter_attachments())
    assert [part.get_filename() for part in attachments] == ["version"], run.describe()
    assert attachments[0].get_payload(decode=True) == expected
    body = message.get_body(preferencelist=("plain",))
    assert body.get_payload(decode=True).replace(b"\r\n", b"\n") == expected
