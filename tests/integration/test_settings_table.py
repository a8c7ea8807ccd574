"""Settings resolved as one table: the port with the server or from the environment, an account
chosen with -A over the environment, -C with a ~, the sender's placeholders without USER, the
message for a file whose accounts none was chosen, and --show-config with conflicts.

Every run gets an environment of HOME, PATH and what the test sets (no USER or LOGNAME).
"""

from __future__ import annotations

import pwd
import os

import pytest

from support import (RECIPIENT, SENDER, ConfiguredClient, assert_exit, plain_account)

EX_USAGE = 64
EX_DATAERR = 65
EX_NOPERM = 77
# Nothing listens here: a setting that loses the precedence contest points at it.
NO_SERVER_HOST = "127.0.0.2"


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


def test_server_flag_carries_the_port(client, start_server):
    server = start_server("plain")

    run = client.run("--server", f"127.0.0.1:{server.port}", "--tls", "none", "-f", SENDER,
                     RECIPIENT)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == [RECIPIENT]


def test_sendmail_mode_reaches_a_port_from_the_environment(client, start_server):
    server = start_server("plain")
    client.write_config("account default\nhost 127.0.0.1\ntls off\n")  # no port

    run = client.run("--sendmail", "-f", SENDER, RECIPIENT,
                     body=f"From: {SENDER}\nSubject: port\n\nbody\n",
                     env={"SMTPSEND_PORT": str(server.port)})

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == [RECIPIENT]


def test_an_account_chosen_with_dash_a_beats_the_environment(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, name="work"))

    run = client.run("-A", "work", RECIPIENT,
                     env={"SMTPSEND_SERVER": NO_SERVER_HOST, "SMTPSEND_PORT": "1"})

    assert_exit(run, 0)
    assert len(server.messages) == 1


def test_config_option_with_a_tilde_is_the_home_directory(client, start_server):
    # mutt passes sendmail's arguments without a shell, so "~" arrives as written.
    server = start_server("plain")
    client.write_config(plain_account(server), path=client.home / "mail.rc")

    run = client.run("-C", "~/mail.rc", RECIPIENT)

    assert_exit(run, 0)
    assert len(server.messages) == 1


def test_sender_placeholder_without_user_variables_uses_the_password_database(client,
                                                                            start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, sender="%U@example.test"))

    run = client.run(RECIPIENT)  # neither USER nor LOGNAME is set

    assert_exit(run, 0)
    [received] = server.messages
    assert received.mail_from == pwd.getpwuid(os.getuid()).pw_name + "@example.test"


def test_a_sender_from_the_file_that_is_no_address_names_its_line(client, start_server):
    server = start_server("plain")
    path = client.write_config(plain_account(server, sender="not an address"))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_DATAERR)
    assert f"from not an address at {path}:5" in run.stderr, run.describe()
    assert "-f" not in run.stderr, run.describe()
    assert server.connections == 0


def test_accounts_without_a_default_say_how_to_choose_one(client, start_server):
    server = start_server("plain")
    path = client.write_config(plain_account(server, name="work")
                               + "\n" + plain_account(server, name="work2"))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_USAGE)
    assert f"no account chosen in {path}: use -A NAME (work, work2)" in run.stderr, run.describe()
    assert "account default : NAME" in run.stderr
    assert "no SMTP server" not in run.stderr
    assert server.connections == 0


def test_show_config_shows_a_conflict_by_its_keys_and_fails(client, start_server):
    server = start_server("plain")
    path = client.write_config(plain_account(server, extra="user alice\n"))

    run = client.run("--show-config")

    assert_exit(run, EX_NOPERM)
    out = run.stdout.decode()
    assert "host = 127.0.0.1 [" in out, run.describe()
    assert f"problem: refusing to send credentials over an unencrypted connection (tls off at " \
           f"{path}:4)" in out, run.describe()
    assert "--tls" not in out
    assert server.connections == 0


def test_a_flag_value_is_checked_like_the_file_value_and_named_by_its_flag(client, start_server):
    server = start_server("plain")

    run = client.run("--server", "127.0.0.1", "--tls", "sometimes", "-f", SENDER, RECIPIENT)

    assert_exit(run, EX_USAGE)
    assert "invalid value 'sometimes' for --tls: on, off, auto, starttls, smtps or none" in (
        run.stderr), run.describe()
    assert server.connections == 0
