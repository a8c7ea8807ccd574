"""An account named with -A/--account is the caller's explicit choice: its settings beat an
ambient SMTPSEND_SERVER (left in a cron environment or a shell profile). An account chosen
implicitly (by the sender, or `default`) does not: there the environment still wins.
"""

from __future__ import annotations

import pytest

from support import RECIPIENT, ConfiguredClient, assert_exit, plain_account

# RFC 2606 §2: .invalid never resolves; a run that takes it cannot deliver anything.
AMBIENT_SERVER = {"SMTPSEND_SERVER": "no-such-host.invalid"}
EX_NOHOST = 68


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


def test_an_explicit_account_beats_smtpsend_server(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, name="work"))

    run = client.run("-A", "work", RECIPIENT, env=AMBIENT_SERVER)

    assert_exit(run, 0)
    assert len(server.messages) == 1


def test_smtpsend_server_beats_an_implicitly_chosen_account(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, name="default"))

    run = client.run(RECIPIENT, env=AMBIENT_SERVER)

    assert_exit(run, EX_NOHOST)
    assert "no-such-host.invalid" in run.stderr, run.describe()
    assert server.connections == 0
