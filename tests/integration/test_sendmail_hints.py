"""Hints that apply to the mode: sendmail mode has no --server or --password-cmd (its settings
come from the configuration file and the environment), and native mode's -t wants an address,
so `smtpsend -t < message.eml` (a sendmail habit) points at `--sendmail -t`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import assert_exit, run_in_clean_environment

EX_USAGE = 64
EX_NOHOST = 68
EX_NOPERM = 77
EX_CONFIG = 78
MESSAGE = b"To: bob@example.test\nSubject: hint\n\nBody.\n"


def sendmail(binary: Path, home: Path, *args: str, env=None):
    return run_in_clean_environment([str(binary), "--sendmail", *args], home=home,
                                    path="/usr/bin:/bin", stdin=MESSAGE, env=env)


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "smtpsend" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def assert_no_native_flag(stderr: str) -> None:
    for flag in ("--server", "--password-cmd"):
        assert flag not in stderr, stderr


def test_no_server_names_the_configuration_file_and_the_environment(smtpsend_binary, tmp_path):
    run = sendmail(smtpsend_binary, tmp_path, "-f", "a@example.test", "bob@example.test")

    assert_exit(run, EX_USAGE)
    assert "host line" in run.stderr and "SMTPSEND_SERVER" in run.stderr, run.describe()
    assert_no_native_flag(run.stderr)


def test_an_unresolvable_server_names_where_it_came_from(smtpsend_binary, tmp_path):
    config = write_config(tmp_path, "account default\ntls off\nhost no-such-host.invalid\n"
                                    "from a@example.test\n")

    from_file = sendmail(smtpsend_binary, tmp_path, "bob@example.test")
    from_environment = sendmail(smtpsend_binary, tmp_path, "bob@example.test",
                                env={"SMTPSEND_SERVER": "other-host.invalid"})

    assert_exit(from_file, EX_NOHOST)
    assert from_file.stderr.rstrip().endswith(f"check host at {config}:3"), from_file.describe()
    assert_no_native_flag(from_file.stderr)
    assert_exit(from_environment, EX_NOHOST)
    assert from_environment.stderr.rstrip().endswith("check SMTPSEND_SERVER"), (
        from_environment.describe())


def test_a_password_without_terminal_names_the_file_settings(smtpsend_binary, tmp_path,
                                                              start_server):
    server = start_server("plain", users={"ann": "secret"})
    config = write_config(tmp_path, f"account default\ntls off\nhost 127.0.0.1\n"
                                    f"port {server.port}\nfrom a@example.test\nauth on\n"
                                    f"user ann\nallow_plaintext_auth on\n")

    run = sendmail(smtpsend_binary, tmp_path, "bob@example.test")

    assert_exit(run, EX_CONFIG)
    assert f"set passwordeval or password in {config}, or SMTPSEND_PASSWORD" in run.stderr, (
        run.describe())
    assert_no_native_flag(run.stderr)


def test_credentials_without_tls_name_the_file_setting(smtpsend_binary, tmp_path, start_server):
    server = start_server("plain", users={"ann": "secret"})
    config = write_config(tmp_path, f"account default\ntls off\nhost 127.0.0.1\n"
                                    f"port {server.port}\nfrom a@example.test\nuser ann\n")

    run = sendmail(smtpsend_binary, tmp_path, "bob@example.test")

    assert_exit(run, EX_NOPERM)
    assert f"(tls off at {config}:2)" in run.stderr, run.describe()
    assert "the line 'allow_plaintext_auth on' in the configuration file" in run.stderr, (
        run.describe())
    assert_no_native_flag(run.stderr)
    assert server.connections == 0


@pytest.mark.parametrize("args", [["-t"], ["-t", "-i"], ["-t", "-oi"]])
def test_native_t_without_address_points_at_sendmail_mode(smtpsend_binary, tmp_path, args):
    run = run_in_clean_environment([str(smtpsend_binary), *args], home=tmp_path,
                                   path="/usr/bin:/bin", stdin=MESSAGE)

    assert_exit(run, EX_USAGE)
    assert "'smtpsend --sendmail -t < message'" in run.stderr, run.describe()
