"""Real programs that hand mail to `sendmail`, run with their own arguments against a `sendmail`
that is smtpsend: each message is checked in the receiving server's store, and the arguments each
caller gave are logged by a wrapper and pinned here.

cron itself is not run: Debian's cron calls the compiled-in /usr/sbin/sendmail (which a test may
not replace) and starts jobs only on the minute, so its exact arguments and message (from
cron's do_command.c, checked against the strings of /usr/sbin/cron) are reproduced instead.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from support import PASSWORD, USER, parse_message, single_address

TIMEOUT_SECONDS = 20
ACCOUNT_FROM = "relay@host.example.test"
ADMIN = "admin@example.test"
MSMTP_EXAMPLES = Path("/usr/share/doc/msmtp/examples")


class Callers:
    """A private HOME with smtpsend's configuration, and bin/sendmail: a wrapper that logs its
    arguments, then runs a symlink named sendmail to the binary."""

    def __init__(self, binary: Path, directory: Path):
        self.directory = directory
        self.home = directory / "home"
        self.home.mkdir(parents=True)
        real = directory / "real"
        real.mkdir()
        (real / "sendmail").symlink_to(binary)
        self.argv_log = directory / "argv.log"
        self.sendmail = directory / "bin" / "sendmail"
        self.sendmail.parent.mkdir()
        self.sendmail.write_text("#!/bin/sh\n"
                                 f"printf '%s\\0' \"$@\" >> '{self.argv_log}'\n"
                                 f"printf '\\n' >> '{self.argv_log}'\n"
                                 f"exec '{real / 'sendmail'}' \"$@\"\n", encoding="utf-8")
        self.sendmail.chmod(0o755)
        self.aliases = directory / "aliases"
        self.aliases.write_text(f"postmaster: root\nroot: {ADMIN}\n", encoding="utf-8")

    def configure(self, server, extra: str = "") -> None:
        path = self.home / ".config" / "smtpsend" / "config"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"account default\nhost 127.0.0.1\nport {server.port}\ntls off\n"
                        f"from {ACCOUNT_FROM}\naliases {self.aliases}\n{extra}", encoding="utf-8")
        path.chmod(0o600)

    def environment(self, **extra: str) -> dict[str, str]:
        return {"HOME": str(self.home), "PATH": f"{self.sendmail.parent}:/usr/bin:/bin",
                "LC_ALL": "C.UTF-8", "LOGNAME": "root", "USER": "root", **extra}

    def run(self, argv: list[str], *, stdin: bytes = b"", cwd: Path | None = None,
            **extra: str) -> subprocess.CompletedProcess:
        completed = subprocess.run(argv, input=stdin, capture_output=True, cwd=cwd,
                                   env=self.environment(**extra), timeout=TIMEOUT_SECONDS,
                                   start_new_session=True, check=False)
        assert completed.returncode == 0, (f"{argv[0]} exited {completed.returncode}\n"
                                           f"stdout: {completed.stdout!r}\n"
                                           f"stderr: {completed.stderr.decode(errors='replace')}")
        return completed

    def arguments(self) -> list[list[str]]:
        """The argument lists sendmail was called with, one per call."""
        if not self.argv_log.exists():
            return []
        calls = self.argv_log.read_bytes().split(b"\n")[:-1]
        return [[a.decode() for a in call.split(b"\0")[:-1]] for call in calls]


def text_of(received) -> str:
    """The text body as the receiving side reads it, with line ends as Python writes them."""
    return parse_message(received.raw).get_content().replace("\r\n", "\n")


def require(program: str) -> str:
    path = shutil.which(program, path="/usr/bin:/bin:/usr/sbin")
    if path is None:
        pytest.fail(f"{program} is not installed: apt-get install the packages in "
                    "tests/integration/packages.txt", pytrace=False)
    return path


@pytest.fixture
def callers(smtpsend_binary, tmp_path) -> Callers:
    return Callers(smtpsend_binary, tmp_path / "callers")


# What Debian's cron (3.0pl1) pipes to "/usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem root"
# (through popen, so a shell splits the words) when a job of root's prints something and MAILTO
# is unset.
CRON_MESSAGE = (b"From: root (Cron Daemon)\n"
                b"To: root\n"
                b"Subject: Cron <root@host> /usr/local/bin/nightly-backup\n"
                b"MIME-Version: 1.0\n"
                b"Content-Type: text/plain; charset=UTF-8\n"
                b"Content-Transfer-Encoding: 8bit\n"
                b"X-Cron-Env: <SHELL=/bin/sh>\n"
                b"X-Cron-Env: <HOME=/root>\n"
                b"X-Cron-Env: <PATH=/usr/bin:/bin>\n"
                b"X-Cron-Env: <LOGNAME=root>\n"
                b"\n"
                b"backup finished: 42 files \xe2\x9c\x93\n")


@pytest.mark.parametrize("maildomain, expected", [("", "root"),
                                                  ("host.example.test", "root@host.example.test")])
def test_debian_cron_without_aliases(callers, start_server, maildomain, expected):
    server = start_server("plain")
    callers.configure(server, f"maildomain {maildomain}\n" if maildomain else "")
    callers.aliases.write_text(f"postmaster: {ADMIN}\n", encoding="utf-8")  # no root entry

    callers.run(["/bin/sh", "-c", f"{callers.sendmail} -FCronDaemon -i -B8BITMIME -oem  root"],
                stdin=CRON_MESSAGE, SHELL="/bin/sh")

    assert callers.arguments() == [["-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root"]]
    [received] = server.messages
    assert received.rcpt_tos == [expected]
    assert received.mail_from == ACCOUNT_FROM
    assert b"\r\nFrom: root (Cron Daemon)\r\n" in b"\r\n" + received.raw, "its From is kept"
    assert text_of(received) == "backup finished: 42 files \u2713\n"


def test_debian_cron_with_mailto_through_aliases(callers, start_server):
    server = start_server("plain")
    callers.configure(server)

    callers.run(["/bin/sh", "-c", f"{callers.sendmail} -FCronDaemon -i -B8BITMIME -oem  postmaster"],
                stdin=CRON_MESSAGE.replace(b"To: root", b"To: postmaster"))

    [received] = server.messages
    assert received.rcpt_tos == [ADMIN]


def test_bsd_mailx(callers, start_server):
    mail = require("bsd-mailx")
    server = start_server("plain")
    callers.configure(server)
    mailrc = callers.home / "mailrc"
    mailrc.write_text(f"set sendmail={callers.sendmail}\n", encoding="utf-8")

    callers.run([mail, "-r", "ann@example.test", "-s", "mailx subject", "root"],
                stdin=b"Sent by mail(1).\n", MAILRC=str(mailrc))

    # mail(1) does not wait for sendmail: wait for the message instead.
    [received] = server.wait_for_messages(1, TIMEOUT_SECONDS)
    assert callers.arguments() == [["-i", "-t", "-f", "ann@example.test"]]
    assert received.mail_from == "ann@example.test"
    assert received.rcpt_tos == [ADMIN], "To: root goes through the aliases"
    message = parse_message(received.raw)
    assert message["Subject"] == "mailx subject"
    assert text_of(received) == "Sent by mail(1).\n"


def test_mutt_batch_mode(callers, start_server):
    mutt = require("mutt")
    server = start_server("plain")
    callers.configure(server)
    muttrc = callers.home / "muttrc"
    muttrc.write_text(f'set sendmail="{callers.sendmail} -oem -oi"\n'
                      'set from="Ann <ann@example.test>"\n'
                      "set use_envelope_from=yes\n"
                      "set hostname=host.example.test\n", encoding="utf-8")

    callers.run([mutt, "-n", "-F", str(muttrc), "-s", "mutt subject", "--", "bob@example.test",
                 "root"], stdin=b"Sent by mutt.\n")

    assert callers.arguments() == [["-oem", "-oi", "-f", "ann@example.test", "--",
                                    "bob@example.test", "root@host.example.test"]]
    [received] = server.messages
    assert received.mail_from == "ann@example.test"
    assert received.rcpt_tos == ["bob@example.test", "root@host.example.test"]
    message = parse_message(received.raw)
    assert single_address(message, "From") == ("Ann", "ann@example.test")
    assert message["Subject"] == "mutt subject"


def test_git_send_email(callers, start_server, tmp_path):
    require("git")
    if not Path("/usr/lib/git-core/git-send-email").exists():
        pytest.fail("git send-email is not installed (package git-email)", pytrace=False)
    server = start_server("plain")
    callers.configure(server)
    repo = tmp_path / "repo"
    identity = ["-c", "user.name=Ann Example", "-c", "user.email=ann@example.test"]
    callers.run(["git", "init", "-q", str(repo)])
    (repo / "hello.txt").write_text("hello\n", encoding="utf-8")
    callers.run(["git", *identity, "add", "hello.txt"], cwd=repo)
    callers.run(["git", *identity, "commit", "-q", "-m", "Add hello.txt"], cwd=repo)
    callers.run(["git", "format-patch", "-q", "--root", "-o", str(tmp_path / "patches")],
                cwd=repo)
    [patch] = sorted((tmp_path / "patches").iterdir())

    callers.run(["git", *identity, "send-email", f"--smtp-server={callers.sendmail}",
                 "--confirm=never", "--no-annotate", "--suppress-cc=all",
                 "--envelope-sender=ann@example.test", "--to=bob@example.test", str(patch)],
                cwd=repo)

    assert callers.arguments() == [["-f", "ann@example.test", "-i", "bob@example.test"]]
    [received] = server.messages
    assert received.mail_from == "ann@example.test"
    assert received.rcpt_tos == ["bob@example.test"]
    message = parse_message(received.raw)
    assert message["Subject"] == "[PATCH] Add hello.txt"
    assert "+hello" in message.get_content()


def test_php_mail(callers, start_server):
    php = require("php")
    server = start_server("plain")
    callers.configure(server)

    callers.run([php, "-n", "-d", f"sendmail_path={callers.sendmail} -t -i -fbounce@example.org",
                 "-r", 'exit(mail("carol@example.test, www-data", "php subject", "Sent by PHP.",'
                       ' "From: Web <web@example.test>") ? 0 : 1);'])

    assert callers.arguments() == [["-t", "-i", "-fbounce@example.org"]]
    [received] = server.messages
    assert received.mail_from == "bounce@example.org"
    assert received.rcpt_tos == ["carol@example.test", "www-data"]
    message = parse_message(received.raw)
    assert single_address(message, "From") == ("Web", "web@example.test")
    assert text_of(received).rstrip("\n") == "Sent by PHP."


def test_php_mail_with_a_local_sender(callers, start_server):
    php = require("php")
    server = start_server("plain")
    callers.configure(server, "maildomain host.example.test\n")

    callers.run([php, "-n", "-d", f"sendmail_path={callers.sendmail} -t -i -fwww-data",
                 "-r", 'exit(mail("root", "php subject", "Sent by PHP.") ? 0 : 1);'])

    assert callers.arguments() == [["-t", "-i", "-fwww-data"]]
    [received] = server.messages
    assert received.mail_from == "www-data@host.example.test"
    assert received.rcpt_tos == [ADMIN]


# -- msmtp's example files, as Debian's msmtp package installs them ------------------------------

def msmtp_example(name: str) -> str:
    path = MSMTP_EXAMPLES / name
    if not path.exists():
        pytest.fail(f"{path} is missing: apt-get install msmtp", pytrace=False)
    return path.read_text(encoding="utf-8")


def substituted(text: str, replacements: dict[str, str]) -> str:
    """`text` with each whole-line pattern's value replaced; every pattern must match once."""
    for pattern, replacement in replacements.items():
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count == 1, f"{pattern!r} matched {count} times: the example file changed"
    return text


def write_private(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_msmtp_system_example(callers, start_server, pki):
    server = start_server("smtps")
    text = substituted(msmtp_example("msmtprc-system.example"), {
        r"^host mail\.oursite\.example$": "host localhost",
        r"^port 465$": f"port {server.port}\ntls_trust_file {pki.ca.cert}",
    })
    config = write_private(callers.directory / "msmtprc-system", text)

    run = subprocess.run([str(callers.sendmail), "-C", str(config), "-t", "-i"],
                         input=b"To: bob@example.test\nSubject: system example\n\nBody.\n",
                         capture_output=True, env=callers.environment(),
                         timeout=TIMEOUT_SECONDS, check=False)

    assert run.returncode == 0, run.stderr.decode(errors="replace")
    [received] = server.messages
    assert received.in_tls
    assert received.mail_from == "root@oursite.example", "from %U@oursite.example"
    assert received.rcpt_tos == ["bob@example.test"]


def test_msmtp_user_example(callers, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    password_file = write_private(callers.directory / "password", PASSWORD + "\n")
    text = substituted(msmtp_example("msmtprc-user.example"), {
        r"^port 587$": f"port {server.port}\ntls_trust_file {pki.ca.cert}",
        r"^host smtp\.freemail\.example$": "host localhost",
        r"^user joe\.smith$": f"user {USER}",
        r"^passwordeval .*$": f"passwordeval cat {shlex.quote(str(password_file))}",
    })
    config = write_private(callers.directory / "msmtprc-user", text)

    run = subprocess.run([str(callers.sendmail), "-C", str(config), "-i", "bob@example.test"],
                         input=b"Subject: user example\n\nBody.\n", capture_output=True,
                         env=callers.environment(), timeout=TIMEOUT_SECONDS, check=False)

    assert run.returncode == 0, run.stderr.decode(errors="replace")
    [received] = server.messages
    assert received.in_tls
    assert received.auth_user == USER
    assert received.mail_from == "joe_smith@freemail.example"
    assert received.rcpt_tos == ["bob@example.test"]

