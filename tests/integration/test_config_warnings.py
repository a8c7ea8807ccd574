"""Warnings about keys the configuration file ignores (tls_min_dh_prime_bits) are shown once per
change of the file on a send, so that a cron job does not mail them to its owner every run;
always by --show-config; never with -q/--quiet (native mode). The record of what was shown is
$XDG_STATE_HOME/smtpsend/config-warnings (~/.local/state/smtpsend/ without XDG_STATE_HOME), mode
600; when it cannot be written, the warnings show every time and the send still works.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from support import (RECIPIENT, ConfiguredClient, SmtpsendRun, assert_exit, plain_account)

IGNORED_KEY = "tls_min_dh_prime_bits"


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


@pytest.fixture
def server(start_server):
    return start_server("plain")


def configure(client: ConfiguredClient, server, extra: str = "") -> Path:
    return client.write_config(plain_account(server, extra=f"{IGNORED_KEY} 2048\n{extra}"))


def warned(run: SmtpsendRun) -> bool:
    return any(IGNORED_KEY in line and "warning" in line for line in run.stderr.splitlines())


def test_a_send_warns_once_until_the_file_changes(client, server):
    path = configure(client, server)

    first, second, third = client.run(RECIPIENT), client.run(RECIPIENT), client.run(RECIPIENT)
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    after_edit, again = client.run(RECIPIENT), client.run(RECIPIENT)

    for run in (first, second, third, after_edit, again):
        assert_exit(run, 0)
    assert len(server.messages) == 5
    assert [warned(run) for run in (first, second, third, after_edit, again)] == \
        [True, False, False, True, False], [run.stderr for run in (first, second, after_edit)]


def test_the_record_is_private_under_the_default_state_directory(client, server):
    configure(client, server)

    assert_exit(client.run(RECIPIENT), 0)

    record = client.home / ".local" / "state" / "smtpsend" / "config-warnings"
    assert record.exists(), list(client.home.rglob("*"))
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert str(client.config_path) in record.read_text(encoding="utf-8")


def test_xdg_state_home_holds_the_record(client, server, tmp_path):
    configure(client, server)
    state = tmp_path / "state"

    first = client.run(RECIPIENT, env={"XDG_STATE_HOME": str(state)})
    second = client.run(RECIPIENT, env={"XDG_STATE_HOME": str(state)})

    assert (warned(first), warned(second)) == (True, False), second.stderr
    assert (state / "smtpsend" / "config-warnings").exists()
    assert not (client.home / ".local").exists()


def test_show_config_warns_every_time(client, server):
    configure(client, server)
    assert_exit(client.run(RECIPIENT), 0)  # recorded

    shown = [client.run("--show-config"), client.run("--show-config", "-q")]

    for run in shown:
        assert_exit(run, 0)
        assert warned(run), run.describe()


def test_quiet_never_warns(client, server):
    configure(client, server)

    run = client.run("-q", RECIPIENT)
    long_form = client.run("--quiet", RECIPIENT)

    assert_exit(run, 0)
    assert not warned(run) and not warned(long_form), run.stderr + long_form.stderr


def test_sendmail_mode_warns_once_per_change(client, server):
    configure(client, server)
    message = f"To: {RECIPIENT}\nSubject: cron\n\nDone.\n"

    first = client.run("--sendmail", "-t", "-i", body=message)
    second = client.run("--sendmail", "-t", "-i", body=message)

    assert_exit(first, 0)
    assert_exit(second, 0)
    assert (warned(first), warned(second)) == (True, False), second.stderr


def test_a_state_that_cannot_be_written_warns_every_time_and_sends(client, server, tmp_path):
    configure(client, server)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state directory should go\n", encoding="utf-8")

    runs = [client.run(RECIPIENT, env={"XDG_STATE_HOME": str(blocker)}) for _ in range(2)]

    for run in runs:
        assert_exit(run, 0)
        assert warned(run), run.describe()
    assert len(server.messages) == 2
