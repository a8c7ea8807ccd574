"""A reader that goes away never kills smtpsend by SIGPIPE: the write fails and is reported."""

import subprocess

from support import envelope_args

IO_ERROR = 74
# Far more than a pipe buffer holds, so the writes must meet the closed pipe.
ATTACHMENT_OCTETS = 4 * 1024 * 1024


def test_dry_run_into_a_closed_pipe_is_an_io_error_not_a_signal(smtpsend, tmp_path):
    attachment = tmp_path / "big.bin"
    attachment.write_bytes(b"\x00\x01" * (ATTACHMENT_OCTETS // 2))
    argv = [str(smtpsend.binary), "--server", "127.0.0.1", *envelope_args(), "--dry-run",
            "--text", "/dev/null", "-a", str(attachment)]
    with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=smtpsend.environment(None)) as process:
        process.stdout.close()  # the reader leaves before the first byte, as `| head -c0` would
        _, stderr = process.communicate(timeout=60)

    assert process.returncode == IO_ERROR, (process.returncode, stderr)
    assert b"standard output" in stderr, stderr
