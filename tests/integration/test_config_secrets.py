"""The configuration file's secrets and what it reveals: password sources (the file itself,
passwordeval, the environment, ~/.netrc) and the permission checks that guard them, --show-config
naming where each setting came from without showing or running a secret, and the send log.

Every run gets an environment of HOME (a fresh directory), PATH and what the test sets, and a
session of its own (no controlling terminal), so nothing of the developer's own configuration,
password or terminal can change what a test sees.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from support import (PASSWORD, RECIPIENT, SENDER, USER, ConfiguredClient, SmtpsendRun,
                     assert_exit, assert_no_secret, assert_nothing_delivered, line_of,
                     plain_account, tls_defaults)

# sysexits(3), as DEVELOPERS.md maps them.
EX_RECIPIENT_REFUSED = 67
EX_CONFIG = 78
# The lines --show-config prints for settings: "name = value [source]".
SHOWN_SETTING = re.compile(r"^(?P<name>[A-Za-z0-9_-]+) = (?P<value>.*?) \[(?P<source>[^\]]*)\]$")


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


def shown_settings(run: SmtpsendRun) -> dict[str, tuple[str, str]]:
    """--show-config's setting lines as {name: (value, source)}."""
    settings = {}
    for line in run.stdout.decode("utf-8", errors="replace").splitlines():
        match = SHOWN_SETTING.match(line)
        if match:
            settings[match["name"]] = (match["value"], match["source"])
    return settings


# -- password sources -------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o640], ids=["world-readable", "group-readable"])
def test_password_in_a_file_others_can_read_is_refused(client, start_server, pki, mode):
    server = start_server("starttls", users={USER: PASSWORD})
    path = client.write_config(tls_defaults(server, pki) + f"password {PASSWORD}\n", mode=mode)

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert "chmod 600" in run.stderr, run.describe()
    assert str(path) in run.stderr
    assert_no_secret(run.stderr, "stderr")
    assert server.connections == 0


def test_password_in_a_private_file_authenticates(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki) + f"password {PASSWORD}\n", mode=0o600)

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert [(a.user, a.success, a.in_tls) for a in server.auth_attempts] == [(USER, True, True)]
    [received] = server.messages
    assert received.auth_user == USER and received.in_tls
    assert_no_secret(run.stderr, "stderr")


def test_passwordeval_output_authenticates_over_starttls(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(PASSWORD + "\n", encoding="utf-8")  # the newline is stripped
    client.write_config(tls_defaults(server, pki) + f"passwordeval cat '{secret_file}'\n")

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    # `tls on` without `tls_starttls off` is STARTTLS (RFC 3207), then AUTH inside TLS.
    assert server.verbs(in_tls=False) == ["EHLO", "STARTTLS"], run.describe()
    assert [(a.user, a.success, a.in_tls) for a in server.auth_attempts] == [(USER, True, True)]
    [received] = server.messages
    assert received.auth_user == USER and received.in_tls
    assert_no_secret(run.stderr, "stderr")


# What the failing command prints; its command line spells it differently, so that finding it
# in stderr means the output itself was shown.
EVAL_OUTPUT = "eval-output-not-for-anyone"


@pytest.mark.parametrize("command", [
    "printf 'eval-%s' 'output-not-for-anyone'; exit 1",
    "true",  # exits 0 but prints nothing
], ids=["non-zero-exit", "empty-output"])
def test_failing_passwordeval_is_a_config_error_before_connecting(client, start_server, pki,
                                                                 command):
    server = start_server("starttls", users={USER: PASSWORD})
    path = client.write_config(tls_defaults(server, pki) + f"passwordeval {command}\n")

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert EVAL_OUTPUT not in run.stderr, f"the command's output was echoed\n{run.describe()}"
    assert f"{path}:{line_of(path, 'passwordeval ')}:" in run.stderr, run.describe()
    assert "passwordeval" in run.stderr, run.describe()
    assert server.connections == 0, "it connected without a password"


def test_environment_password_is_used_before_passwordeval(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    marker = tmp_path / "passwordeval-ran"
    client.write_config(tls_defaults(server, pki)
                        + f"passwordeval touch '{marker}'; echo wrong-password\n")

    run = client.run(RECIPIENT, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert [a.success for a in server.auth_attempts] == [True]
    assert not marker.exists(), "passwordeval ran although SMTPSEND_PASSWORD gave the password"


def write_netrc(home: Path, mode: int) -> Path:
    netrc = home / ".netrc"
    netrc.write_text("machine other.example login alice password not-this-one\n"
                     f'machine localhost\n  login {USER}\n  password "{PASSWORD}"\n',
                     encoding="utf-8")
    netrc.chmod(mode)
    return netrc


def test_netrc_password_authenticates(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))
    write_netrc(client.home, 0o600)

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert [(a.user, a.success) for a in server.auth_attempts] == [(USER, True)]
    assert server.messages[0].auth_user == USER


def test_netrc_others_can_read_is_refused(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))
    netrc = write_netrc(client.home, 0o644)

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert "chmod 600" in run.stderr and str(netrc) in run.stderr, run.describe()
    assert_no_secret(run.stderr, "stderr")
    assert server.connections == 0


def test_no_password_source_and_no_terminal_is_a_config_error(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert server.connections == 0


def test_auth_off_sends_no_auth_even_with_a_user(client, start_server):
    server = start_server("plain")  # offers no AUTH; asking for a password would fail the run
    client.write_config(plain_account(server, extra=f"user {USER}\nauth off\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert "AUTH" not in server.verbs()
    assert len(server.messages) == 1


# -- --show-config ----------------------------------------------------------------------------

def test_show_config_names_sources_redacts_and_runs_nothing(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    marker = tmp_path / "passwordeval-ran"
    path = client.write_config(
        tls_defaults(server, pki)
        + f"passwordeval touch '{marker}'; printf '%s' '{PASSWORD}'\n\n"
        + "account spare : default\nfrom spare@example.test\n")

    run = client.run("--show-config", "--account", "spare", "--port", "2525",
                     env={"SMTPSEND_FROM": "env@example.test"})

    assert_exit(run, 0)
    lines = run.stdout.decode("utf-8", errors="replace").splitlines()
    assert lines[:1] == [f"config = {path}"], run.describe()
    assert len(lines) > 1 and lines[1].startswith("account = spare ["), run.describe()
    settings = shown_settings(run)
    assert settings.get("host") == ("localhost", f"{path}:{line_of(path, 'host ')}"), settings
    assert settings.get("port") == ("2525", "--port"), settings
    # An account chosen with --account beats the environment, which may be ambient.
    assert settings.get("from") == ("spare@example.test", f"{path}:{line_of(path, 'from spare')}"), (
        settings)
    assert settings.get("user") == (USER, f"{path}:{line_of(path, 'user ')}"), settings
    password_value, password_source = settings.get("password", ("", ""))
    assert password_value == "<redacted>", settings
    # A note may follow ("[PATH:LINE passwordeval, not run]").
    assert password_source.startswith(f"{path}:{line_of(path, 'passwordeval ')} passwordeval"), (
        settings)
    assert not marker.exists(), "--show-config ran the passwordeval command"
    assert server.connections == 0, "--show-config connected"
    assert_no_secret(run.stdout.decode("utf-8", errors="replace") + run.stderr, "the output")


def test_show_config_shows_flag_env_and_default_sources(client, start_server):
    server = start_server("plain")
    path = client.write_config("account default\nhost mail.example.test\ntls on\n"
                               f"user {USER}\nfrom {SENDER}\n")

    run = client.run("--show-config", "--server", "127.0.0.1",
                     env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    lines = run.stdout.decode("utf-8", errors="replace").splitlines()
    assert lines[:1] == [f"config = {path}"], run.describe()
    assert len(lines) > 1 and lines[1].startswith("account = default ["), run.describe()
    settings = shown_settings(run)
    assert settings.get("host") == ("127.0.0.1", "--server"), settings
    # STARTTLS (`tls on`) submits on port 587 (RFC 6409 §3.1) unless told otherwise.
    assert settings.get("port") == ("587", "default"), settings
    assert settings.get("password") == ("<redacted>", "env SMTPSEND_PASSWORD"), settings
    assert settings.get("from") == (SENDER, f"{path}:{line_of(path, 'from ')}"), settings
    assert_no_secret(run.stdout.decode("utf-8", errors="replace") + run.stderr, "the output")
    assert server.connections == 0


# -- the send log -----------------------------------------------------------------------------

def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_logfile_line_after_a_send(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    log = tmp_path / "logs" / "smtpsend.log"
    log.parent.mkdir()
    client.write_config(tls_defaults(server, pki) + f"password {PASSWORD}\nlogfile {log}\n")

    run = client.run(RECIPIENT, "carol@example.test")

    assert_exit(run, 0)
    assert len(server.messages) == 1
    assert stat.S_IMODE(log.stat().st_mode) == 0o600, "the log is created private"
    [line] = log_lines(log)
    fields = line.split()
    for expected in ("status=sent", "exit=0", "host=localhost", f"port={server.port}",
                     f"from={SENDER}", f"recipients={RECIPIENT},carol@example.test",
                     f"user={USER}", "tls=starttls"):
        assert expected in fields, f"{expected!r} missing from the log line:\n{line}"
    assert re.search(r'\breply="?250\b', line), f"no 250 reply in the log line:\n{line}"
    assert_no_secret(line, "the log line")


def test_logfile_line_after_a_refusal(client, start_server, tmp_path):
    server = start_server("plain", refuse=[RECIPIENT])
    log = tmp_path / "smtpsend.log"
    client.write_config(plain_account(server, extra=f"logfile {log}\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_RECIPIENT_REFUSED)
    assert_nothing_delivered(server, run)
    [line] = log_lines(log)
    fields = line.split()
    assert "status=failed" in fields and f"exit={EX_RECIPIENT_REFUSED}" in fields, line
    assert "550" in line, f"the server's refusal is not logged:\n{line}"


def test_logfile_appends_with_the_configured_time_format(client, start_server, tmp_path):
    server = start_server("plain")
    log = tmp_path / "smtpsend.log"
    log.write_text("an earlier line\n", encoding="utf-8")
    client.write_config(plain_account(server, extra=f"logfile {log}\n"
                                                    "logfile_time_format STAMP-%%\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    lines = log_lines(log)
    assert len(lines) == 2 and lines[0] == "an earlier line", lines
    assert lines[1].startswith("STAMP-% "), f"strftime format not applied:\n{lines[1]}"
