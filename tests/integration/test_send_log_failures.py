"""The send log (`logfile`) records every outcome once the configuration is read, including the
failures found before connecting: a cron job whose mail was lost leaves a line saying why, with
the exit code it ended with. Only a configuration that cannot be read names no log at all.

Every run gets an environment of HOME, PATH and what the test sets, and a session of its own (no
terminal), as cron runs a job (support.run_in_clean_environment).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from support import RECIPIENT, SENDER, USER, ConfiguredClient, SmtpsendRun, assert_exit

# sysexits(3), as DEVELOPERS.md maps them.
EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_NOHOST = 68
EX_CONFIG = 78


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


def log_config(log: Path, *, host: str = "127.0.0.1", extra: str = "") -> str:
    """The log named in `defaults`, so that every account (and a run with an unknown -A) uses it;
    port 9 (discard) is never reached: every failure here comes before connecting."""
    return (f"defaults\nlogfile {log}\n\n"
            f"account default\nhost {host}\nport 9\ntls off\nfrom {SENDER}\n{extra}")


def fields_of(line: str) -> dict[str, str]:
    """key=value pairs of a log line (values may be quoted with spaces inside)."""
    fields = {}
    for token in shlex.split(line):
        key, sep, value = token.partition("=")
        if sep:
            fields[key] = value
    return fields


def error_message(run: SmtpsendRun) -> str:
    [line] = [line for line in run.stderr.splitlines() if line.startswith("smtpsend: error: ")]
    return line.removeprefix("smtpsend: error: ")


# (id, extra config lines, host, arguments, expected exit code)
PRE_CONNECT_FAILURES = [
    ("bad-address", "", "127.0.0.1", ["-t", "bob@@example.test"], EX_DATAERR),
    ("unreadable-attachment", "", "127.0.0.1", ["-a", "/nonexistent/report.pdf", RECIPIENT],
     EX_NOINPUT),
    ("missing-password", f"user {USER}\ntls_starttls on\ntls on\n", "127.0.0.1", [RECIPIENT],
     EX_CONFIG),
    ("bad-setting", "auth on\n", "127.0.0.1", [RECIPIENT], EX_CONFIG),  # auth without a user
    ("unknown-account", "", "127.0.0.1", ["-A", "nosuch", RECIPIENT], EX_CONFIG),
    ("unknown-host", "", "no-such-host.invalid", [RECIPIENT], EX_NOHOST),
]


@pytest.mark.parametrize("extra, host, args, code",
                         [case[1:] for case in PRE_CONNECT_FAILURES],
                         ids=[case[0] for case in PRE_CONNECT_FAILURES])
def test_a_failure_before_connecting_is_logged_with_its_exit_code(client, tmp_path, extra, host,
                                                                   args, code):
    log = tmp_path / "smtpsend.log"
    client.write_config(log_config(log, host=host, extra=extra))

    run = client.run(*args)

    assert_exit(run, code)
    assert log.exists(), f"nothing was logged\n{run.describe()}"
    [line] = log.read_text(encoding="utf-8").splitlines()
    fields = fields_of(line)
    assert fields.get("status") == "failed", line
    assert fields.get("exit") == str(code), line
    assert fields.get("error") == error_message(run), f"{line}\n{run.describe()}"


def test_several_failures_each_leave_their_own_line(client, tmp_path):
    log = tmp_path / "smtpsend.log"
    client.write_config(log_config(log))

    runs = [client.run("-t", "bob@@example.test"),
            client.run("-a", str(tmp_path / "missing.pdf"), RECIPIENT),
            client.run("-A", "nosuch", RECIPIENT)]

    lines = log.read_text(encoding="utf-8").splitlines()
    assert [fields_of(line).get("exit") for line in lines] == \
        [str(run.returncode) for run in runs] == [str(EX_DATAERR), str(EX_NOINPUT),
                                                  str(EX_CONFIG)], lines


def test_a_failure_once_the_account_is_known_names_its_server(client, tmp_path):
    log = tmp_path / "smtpsend.log"
    client.write_config(log_config(log))

    run = client.run("-a", str(tmp_path / "missing.pdf"), RECIPIENT)

    assert_exit(run, EX_NOINPUT)
    [line] = log.read_text(encoding="utf-8").splitlines()
    fields = fields_of(line)
    assert (fields.get("host"), fields.get("port"), fields.get("tls")) == \
        ("127.0.0.1", "9", "none"), line
    assert "from" not in fields, f"no envelope was read, yet one is logged:\n{line}"


def test_an_unreadable_configuration_names_no_log(client, tmp_path):
    # The configuration names the log: when it cannot be read, stderr is the only trace.
    log = tmp_path / "smtpsend.log"
    client.write_config(log_config(log, extra="no_such_key on\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert not log.exists(), log.read_text(encoding="utf-8")


def test_dry_run_and_show_config_are_not_logged(client, tmp_path):
    log = tmp_path / "smtpsend.log"
    client.write_config(log_config(log))

    dry = client.run("--dry-run", "-t", "bob@@example.test")
    shown = client.run("--show-config")

    assert_exit(dry, EX_DATAERR)
    assert_exit(shown, 0)
    assert not log.exists(), log.read_text(encoding="utf-8")
