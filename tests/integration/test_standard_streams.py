"""Standard descriptors the caller closed, and where the trace may be written."""

import os
import subprocess

import pytest

from support import (SUBPROCESS_TIMEOUT_SECONDS, assert_exit, connect_args, envelope_args,
                     parse_message, text_body)

BODY = "Sent with standard error closed.\n"


def run_with_closed(smtpsend, closed: int, *args: str, body: bytes) -> subprocess.CompletedProcess:
    """Runs smtpsend with descriptor `closed` closed, as a daemon that closed everything would."""
    keep = subprocess.PIPE
    return subprocess.run([str(smtpsend.binary), *args], input=body,
                          stdout=keep if closed != 1 else None,
                          stderr=keep if closed != 2 else None,
                          env=smtpsend.environment(), timeout=SUBPROCESS_TIMEOUT_SECONDS,
                          preexec_fn=lambda: os.close(closed), check=False)


@pytest.mark.parametrize("closed", [1, 2])
def test_closed_descriptor_keeps_the_trace_out_of_the_smtp_connection(smtpsend, start_server,
                                                                      closed):
    server = start_server("plain")

    # With descriptor 1 or 2 closed, the socket would take its number, and the trace (stderr) or
    # the --trace-file - output (stdout) would go into the SMTP connection as commands.
    trace = ["--trace"] if closed == 2 else ["--trace-file", "-"]
    run = run_with_closed(smtpsend, closed, *trace, *connect_args(server, "none"), *envelope_args(),
                          body=BODY.encode())

    assert run.returncode == 0, run
    [received] = server.messages
    assert text_body(parse_message(received.raw)) == BODY
    assert all(not verb.startswith(("[", "*")) for verb in server.verbs()), server.verbs()


def test_trace_file_dash_writes_the_trace_to_stdout(smtpsend, start_server):
    server = start_server("plain")

    run = smtpsend.run(*connect_args(server, "none"), "--trace-file", "-", *envelope_args())

    assert_exit(run, 0)
    assert b"<- 220" in run.stdout and b"-> MAIL FROM:" in run.stdout, run.describe()
    assert "<- 220" not in run.stderr


def test_trace_file_is_refused_in_sendmail_mode_and_no_file_is_made(smtpsend, tmp_path):
    target = tmp_path / "injected.php"

    run = smtpsend.run("--sendmail", "-t", "--trace-file", str(target),
                       body="To: a@example.org\n\nhi\n")

    assert_exit(run, 64)
    assert "set trace_file in the configuration file" in run.stderr, run.describe()
    assert not target.exists()
