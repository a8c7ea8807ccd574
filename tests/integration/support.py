"""Helpers shared by the integration tests: running the binary, parsing what servers received."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.message
import email.policy
import os
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from smtp_server import TestSmtpServer

# Every child process gets a bound; a hung client must fail its test, not the CI job.
SUBPROCESS_TIMEOUT_SECONDS = 60
# How long to wait for a relayed message to reach the recording server.
MESSAGE_WAIT_SECONDS = 20

USER = "alice"
# Spaces, punctuation and non-ASCII: survives only if nobody re-splits or re-encodes it.
PASSWORD = "Tr0ub4dor&3 horse-battery-stäple"
SENDER = "alice@example.test"
RECIPIENT = "bob@example.test"
ERROR_PREFIX = "smtpsend: error: "


def b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def secret_spellings(user: str = USER, password: str = PASSWORD) -> list[str]:
    """Every form in which the password could leak into a trace (RFC 4616 PLAIN, RFC 4954 LOGIN)."""
    return [
        password,
        b64(password),
        b64(f"\0{user}\0{password}"),
        b64(f"{user}\0{user}\0{password}"),
    ]


@dataclasses.dataclass
class SmtpsendRun:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: str

    def describe(self) -> str:
        """Everything a failing assertion should show."""
        return (f"command: {' '.join(self.args)}\nexit code: {self.returncode}\n"
                f"stdout:\n{self.stdout.decode(errors='replace')}\nstderr:\n{self.stderr}")


class Smtpsend:
    """Runs the binary under test with a clean environment and a timeout."""

    def __init__(self, binary: Path, home: Path):
        self.binary = binary
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    def environment(self, extra: Optional[dict[str, str]] = None) -> dict[str, str]:
        # No SMTPSEND_* from the caller, and a HOME/XDG_CONFIG_HOME of our own, so a developer's
        # own configuration file or password cannot change what a test sees.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMTPSEND_")}
        env.update({"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                    "LC_ALL": "C.UTF-8"})
        env.update(extra or {})
        return env

    def run(self, *args: str, body: bytes | str = b"Hello.\n",
            env: Optional[dict[str, str]] = None) -> SmtpsendRun:
        argv = [str(self.binary), *args]
        stdin = body.encode("utf-8") if isinstance(body, str) else body
        try:
            completed = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, env=self.environment(env),
                                       timeout=SUBPROCESS_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as expired:
            pytest.fail(f"smtpsend did not finish within {SUBPROCESS_TIMEOUT_SECONDS} s: "
                        f"{' '.join(argv)}\nstderr so far:\n"
                        f"{(expired.stderr or b'').decode(errors='replace')}")
        return SmtpsendRun(args=argv, returncode=completed.returncode, stdout=completed.stdout,
                           stderr=completed.stderr.decode("utf-8", errors="replace"))


def parse_message(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def all_defects(message: email.message.EmailMessage) -> list:
    defects = []
    for part in message.walk():
        defects.extend(part.defects)
    return defects


def assert_exit(run: SmtpsendRun, expected: int) -> None:
    assert run.returncode == expected, f"expected exit {expected}\n{run.describe()}"
    if expected != 0:
        assert ERROR_PREFIX in run.stderr, f"no '{ERROR_PREFIX}' message\n{run.describe()}"


def assert_nothing_delivered(server: TestSmtpServer, run: SmtpsendRun) -> None:
    assert server.messages == [], f"the server stored a message\n{run.describe()}"
    assert "DATA" not in server.verbs(), (f"the client reached DATA: {server.commands}\n"
                                          f"{run.describe()}")


def connect_args(server: TestSmtpServer, tls: str, *, host: str = "localhost",
                 trust_file: Optional[Path] = None) -> list[str]:
    args = ["--server", host, "--port", str(server.port), "--tls", tls]
    if trust_file is not None:
        args += ["--tls-trust-file", str(trust_file)]
    return args


def envelope_args(*recipients: str, subject: str = "Integration test") -> list[str]:
    args = ["-f", SENDER, "-s", subject]
    for recipient in recipients or (RECIPIENT,):
        args += ["-t", recipient]
    return args


def text_body(message: email.message.EmailMessage) -> str:
    """The decoded text/plain body with line endings normalised to "\\n" (SMTP mandates CRLF)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"no text/plain part in:\n{message}"
    return part.get_content().replace("\r\n", "\n")
