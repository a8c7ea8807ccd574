"""Local names (no '@') as sendmail callers give them: cron's `sendmail root` and MAILTO=root,
PHP's `-fwww-data`. Sendmail mode sends them as written (RCPT TO:<root>), as every MTA's sendmail
does, unless the maildomain key qualifies them; aliases are applied first, following names
through their entries (postmaster: root, root: admin@...). Native mode still refuses a name
without a domain unless maildomain is set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import (SmtpsendRun, assert_exit, assert_nothing_delivered, parse_message,
                     run_in_clean_environment, single_address)

EX_DATAERR = 65
EX_CONFIG = 78
ACCOUNT_FROM = "cron@host.example.test"
MESSAGE = (b"To: root\n"
           b"Subject: local names\n"
           b"\n"
           b"Body.\n")


class Caller:
    """A HOME whose configuration file names the test server, and a `sendmail` symlink."""

    def __init__(self, binary: Path, directory: Path):
        self.binary = binary
        self.home = directory / "home"
        self.home.mkdir(parents=True)
        self.bin_dir = directory / "bin"
        self.bin_dir.mkdir()
        (self.bin_dir / "sendmail").symlink_to(binary)
        self.aliases = directory / "aliases"

    def configure(self, server, extra: str = "", aliases: str = "") -> None:
        lines = ["account default", "host 127.0.0.1", f"port {server.port}", "tls off",
                 f"from {ACCOUNT_FROM}"]
        if aliases:
            self.aliases.write_text(aliases, encoding="utf-8")
            lines.append(f"aliases {self.aliases}")
        path = self.home / ".config" / "smtpsend" / "config"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
        path.chmod(0o600)

    def sendmail(self, *args: str, message: bytes = MESSAGE) -> SmtpsendRun:
        return run_in_clean_environment([str(self.bin_dir / "sendmail"), *args], home=self.home,
                                        path=f"{self.bin_dir}:/usr/bin:/bin", stdin=message)

    def native(self, *args: str) -> SmtpsendRun:
        return run_in_clean_environment([str(self.binary), *args], home=self.home,
                                        path="/usr/bin:/bin", stdin=b"Body.\n")


@pytest.fixture
def caller(smtpsend_binary, tmp_path) -> Caller:
    return Caller(smtpsend_binary, tmp_path / "caller")


def test_a_local_recipient_is_sent_as_written(caller, start_server):
    server = start_server("plain")
    caller.configure(server)

    run = caller.sendmail("-i", "root")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["root"], run.describe()
    assert [c.argument for c in server.commands if c.verb == "RCPT"] == ["TO:<root>"]


def test_a_local_recipient_from_the_to_field_with_t(caller, start_server):
    server = start_server("plain")
    caller.configure(server)

    run = caller.sendmail("-t", "-i")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["root"], run.describe()


@pytest.mark.parametrize("sender_args", [["-f", "www-data"], ["-fwww-data"], ["-r", "www-data"]])
def test_a_local_envelope_sender_is_sent_as_written(caller, start_server, sender_args):
    server = start_server("plain")
    caller.configure(server)

    run = caller.sendmail(*sender_args, "-i", "bob@example.test")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.mail_from == "www-data", run.describe()
    assert received.rcpt_tos == ["bob@example.test"]


def test_maildomain_qualifies_local_recipients_and_senders(caller, start_server):
    server = start_server("plain")
    caller.configure(server, extra="maildomain host.example.test\n")

    run = caller.sendmail("-fwww-data", "-i", "root", "ann@example.test")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.mail_from == "www-data@host.example.test", run.describe()
    assert received.rcpt_tos == ["root@host.example.test", "ann@example.test"]
    message = parse_message(received.raw)
    assert single_address(message, "From") == ("", "www-data@host.example.test")
    assert message["To"] == "root", "the message's own fields are sent as written"


def test_aliases_come_before_maildomain(caller, start_server):
    server = start_server("plain")
    caller.configure(server, extra="maildomain host.example.test\n",
                     aliases="root: admin@example.test\n")

    run = caller.sendmail("-i", "root", "www-data")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["admin@example.test", "www-data@host.example.test"]


# The shape of Debian's /etc/aliases: the system's names lead to root, root to a person.
DEBIAN_ALIASES = ("# /etc/aliases\n"
                  "mailer-daemon: postmaster\n"
                  "postmaster: root\n"
                  "nobody: root\n"
                  "www: root\n"
                  "root: admin@example.test\n")


@pytest.mark.parametrize("name", ["postmaster", "mailer-daemon", "www", "root"])
def test_aliases_are_followed_through_local_names(caller, start_server, name):
    server = start_server("plain")
    caller.configure(server, aliases=DEBIAN_ALIASES)

    run = caller.sendmail("-i", name)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["admin@example.test"], run.describe()


def test_an_alias_loop_is_a_configuration_error_naming_the_chain(caller, start_server):
    server = start_server("plain")
    caller.configure(server, aliases="postmaster: root\nroot: admin\nadmin: postmaster\n")

    run = caller.sendmail("-i", "postmaster")

    assert_exit(run, EX_CONFIG)
    assert "has a loop: postmaster -> root -> admin -> postmaster" in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_native_mode_still_refuses_a_recipient_without_domain(caller, start_server):
    server = start_server("plain")
    caller.configure(server)

    run = caller.native("-s", "subject", "-t", "root")

    assert_exit(run, EX_DATAERR)
    assert "invalid address 'root': missing '@'" in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_native_mode_qualifies_with_maildomain(caller, start_server):
    server = start_server("plain")
    caller.configure(server, extra="maildomain host.example.test\n")

    run = caller.native("-s", "subject", "-t", "root")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["root@host.example.test"], run.describe()
