"""--dry-run prints the message and sends nothing, so it needs no server: no --server, no
SMTPSEND_SERVER, no host in the configuration. Everything else still applies (the sender's
default, $USER@ the domain of /etc/mailname or the host's FQDN; the configuration's from and
header lines)."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path

from support import (RECIPIENT, SENDER, ConfiguredClient, assert_exit, envelope_args,
                     parse_message, text_body)


def test_dry_run_needs_no_server(smtpsend):
    run = smtpsend.run("--dry-run", *envelope_args(RECIPIENT, subject="No server"),
                       body="Printed only.\n")

    assert_exit(run, 0)
    message = parse_message(run.stdout)
    assert SENDER in str(message["From"]) and RECIPIENT in str(message["To"])
    assert text_body(message) == "Printed only.\n"


def mail_domain() -> str:
    """The default sender's domain as smtpsend(1) documents it: /etc/mailname's first line, else
    the host name when it has a dot, else the resolver's canonical name when that has one, else
    localhost."""
    try:
        first_line = Path("/etc/mailname").read_text(encoding="utf-8").splitlines()[0]
        if first_line:
            return first_line
    except (OSError, IndexError):
        pass
    name = socket.gethostname()
    if "." in name:
        return name
    try:
        canonical = socket.getaddrinfo(name, None, flags=socket.AI_CANONNAME)[0][3]
    except OSError:
        canonical = ""
    return canonical if "." in canonical else "localhost"


def test_dry_run_without_a_server_still_applies_the_default_sender(smtpsend):
    user = getpass.getuser()

    run = smtpsend.run("--dry-run", "-t", RECIPIENT, env={"USER": user})

    assert_exit(run, 0)
    sender = parse_message(run.stdout)["From"].addresses[0]
    assert (sender.username, sender.domain) == (user, mail_domain()), run.describe()


def test_dry_run_takes_the_sender_and_headers_from_a_configuration_without_host(
        smtpsend_binary, tmp_path):
    client = ConfiguredClient(smtpsend_binary, tmp_path / "home")
    client.write_config("account default\nfrom cron@example.test\nheader X-Job: nightly\n")

    run = client.run("--dry-run", RECIPIENT)

    assert_exit(run, 0)
    message = parse_message(run.stdout)
    assert "cron@example.test" in str(message["From"]), run.describe()
    assert message["X-Job"] == "nightly", run.describe()


def test_a_send_without_a_server_is_still_a_usage_error(smtpsend):
    run = smtpsend.run(*envelope_args(RECIPIENT))

    assert_exit(run, 64)
    assert "--server" in run.stderr, run.describe()
