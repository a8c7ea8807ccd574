"""XOAUTH2 and OAUTHBEARER (RFC 7628) against the recording server's OAuth side: the token comes
from --oauth-token-cmd or passwordeval; when the server reports it expired, the command runs once
more and the retry goes over the same connection; when that fails too, exit 77 with the status
and scope the server reported. The token never shows in the trace, and a token too long for the
AUTH line goes whole after an empty 334.

Every run gets an environment of HOME, PATH and the test's own variables (ConfiguredClient).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from smtp_server import OAuthTokens
from support import (RECIPIENT, SENDER, ConfiguredClient, assert_exit, assert_nothing_delivered,
                     connect_args, parse_message, text_body)

EX_NOPERM = 77
OAUTH_USER = "alice@example.test"
BODY = "Sent with an OAuth 2.0 token.\n"
MECHANISMS = ["xoauth2", "oauthbearer"]
GOOGLE_SCOPE = "https://mail.google.com/"


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


class TokenCommand:
    """A token helper: a shell script that counts its runs in a file and prints token-1, then
    token-2, ... (or `fixed` each time); `fail_after` runs, it exits 1 instead."""

    def __init__(self, directory: Path, *, fixed: str = "", fail_after: int = 0):
        self.count_file = directory / "token-runs"
        self.script = directory / "token-helper.sh"
        token = f"'{fixed}'" if fixed else '"token-$runs"'
        failing = f'[ "$runs" -gt {fail_after} ] && exit 1\n' if fail_after else ""
        self.script.write_text(
            "#!/bin/sh\n"
            f"runs=$(( $(cat '{self.count_file}' 2>/dev/null || echo 0) + 1 ))\n"
            f"echo \"$runs\" > '{self.count_file}'\n"
            f"{failing}"
            f"printf '%s\\n' {token}\n", encoding="utf-8")

    @property
    def command(self) -> str:
        return f"sh '{self.script}'"

    @property
    def runs(self) -> int:
        return int(self.count_file.read_text()) if self.count_file.exists() else 0


def token_spellings(*tokens: str) -> list[str]:
    """The forms in which a token could leak: itself, its base64, each mechanism's payload."""
    spellings = []
    for token in tokens:
        spellings += [token, base64.b64encode(token.encode()).decode()]
        for payload in (f"user={OAUTH_USER}\x01auth=Bearer {token}\x01\x01",
                        f"auth=Bearer {token}"):
            spellings.append(base64.b64encode(payload.encode()).decode())
    return spellings


def assert_no_token(text: str, *tokens: str) -> None:
    for spelling in token_spellings(*tokens):
        assert spelling not in text, f"a token ({spelling[:20]!r}...) shows in:\n{text}"


def oauth_args(server, pki, mechanism: str, helper: TokenCommand) -> list[str]:
    return [*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user", OAUTH_USER,
            "--auth", mechanism, "--oauth-token-cmd", helper.command, "-f", SENDER, RECIPIENT]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_expired_token_is_refreshed_once_and_delivered_on_the_same_connection(
        client, start_server, pki, tmp_path, mechanism):
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset({"token-2"})))
    helper = TokenCommand(tmp_path)

    run = client.run(*oauth_args(server, pki, mechanism, helper), "--trace", body=BODY)

    assert_exit(run, 0)
    assert helper.runs == 2, "the token command runs exactly twice: the token, then a fresh one"
    logins = server.oauth_logins
    assert [(login.connection, login.mechanism, login.user, login.accepted, login.in_tls)
            for login in logins] == [(1, mechanism.upper(), OAUTH_USER, False, True),
                                     (1, mechanism.upper(), OAUTH_USER, True, True)]
    assert server.connections == 1
    [received] = server.messages
    assert received.auth_user == OAUTH_USER
    assert text_body(parse_message(received.raw)) == BODY
    assert f"AUTH {mechanism.upper()} <redacted>" in run.stderr, run.stderr
    assert_no_token(run.stderr, "token-1", "token-2")


def test_a_bare_refusal_as_microsoft_365_sends_it_gets_one_fresh_token(client, start_server, pki,
                                                                     tmp_path):
    # Microsoft 365 refuses an expired XOAUTH2 token with "535 5.7.3" and no error report.
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset({"token-2"}),
                                                        report=False))
    helper = TokenCommand(tmp_path)

    run = client.run(*oauth_args(server, pki, "xoauth2", helper), "--trace", body=BODY)

    assert_exit(run, 0)
    assert helper.runs == 2, "the token command runs exactly twice: the token, then a fresh one"
    assert [login.accepted for login in server.oauth_logins] == [False, True]
    assert server.connections == 1
    assert_no_token(run.stderr, "token-1", "token-2")


def test_oauthbearer_names_the_host_and_port(client, start_server, pki, tmp_path):
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset({"token-1"})))
    helper = TokenCommand(tmp_path)

    run = client.run(*oauth_args(server, pki, "oauthbearer", helper))

    assert_exit(run, 0)
    [login] = server.oauth_logins
    assert (login.host, login.port) == ("localhost", str(server.port))
    assert helper.runs == 1


@pytest.mark.parametrize("mechanism,status,shown", [
    ("xoauth2", "401", "status 401 (invalid_token)"),
    ("oauthbearer", "invalid_token", "status invalid_token"),
])
def test_refused_refresh_exits_77_with_the_status_and_scope(client, start_server, pki, tmp_path,
                                                            mechanism, status, shown):
    server = start_server("starttls",
                          oauth=OAuthTokens(OAUTH_USER, frozenset(), status=status))
    helper = TokenCommand(tmp_path)

    run = client.run(*oauth_args(server, pki, mechanism, helper), "--trace", body=BODY)

    assert_exit(run, EX_NOPERM)
    assert helper.runs == 2, "one refresh, no more"
    assert [login.accepted for login in server.oauth_logins] == [False, False]
    assert_nothing_delivered(server, run)
    error = run.stderr[run.stderr.index("smtpsend: error: "):]
    assert shown in error and f"scope {GOOGLE_SCOPE}" in error, error
    assert_no_token(run.stderr, "token-1", "token-2")


def test_a_report_a_fresh_token_cannot_help_is_not_retried(client, start_server, pki, tmp_path):
    # Google's 400: a token without the mail scope, or for another user.
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset(), status="400"))
    helper = TokenCommand(tmp_path)

    run = client.run(*oauth_args(server, pki, "xoauth2", helper))

    assert_exit(run, EX_NOPERM)
    assert helper.runs == 1
    assert len(server.oauth_logins) == 1
    assert "status 400 (invalid_request)" in run.stderr, run.stderr


def test_a_password_given_as_it_is_is_not_refreshed(client, start_server, pki):
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset({"token-2"})))

    run = client.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user",
                     OAUTH_USER, "--auth", "xoauth2", "-f", SENDER, RECIPIENT,
                     env={"SMTPSEND_PASSWORD": "token-1"})

    assert_exit(run, EX_NOPERM)
    assert len(server.oauth_logins) == 1
    assert f"scope {GOOGLE_SCOPE}" in run.stderr, run.stderr
    assert_no_token(run.stderr, "token-1")


def test_a_token_command_failing_on_the_refresh_is_named_and_the_refusal_stands(
        client, start_server, pki, tmp_path):
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset({"token-2"})))
    helper = TokenCommand(tmp_path, fail_after=1)

    run = client.run(*oauth_args(server, pki, "xoauth2", helper))

    assert_exit(run, EX_NOPERM)
    assert helper.runs == 2
    assert "--oauth-token-cmd" in run.stderr, run.stderr
    assert "status 401 (invalid_token)" in run.stderr, run.stderr
    assert len(server.oauth_logins) == 1


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_a_token_longer_than_1000_octets_goes_whole(client, start_server, pki, tmp_path,
                                                    mechanism):
    # Microsoft 365's access tokens are JWTs of one to three kilobytes: more than SMTP's 512-octet
    # command line, which the server enforces for AUTH; the token must follow an empty 334.
    token = "eyJ0eXAiOiJKV1QifQ." + "x" * 1500 + ".c2lnbmF0dXJl"
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset({token})))
    helper = TokenCommand(tmp_path, fixed=token)

    run = client.run(*oauth_args(server, pki, mechanism, helper), "--trace")

    assert_exit(run, 0)
    [login] = server.oauth_logins
    assert login.accepted and login.token_length == len(token)
    assert len(server.messages) == 1
    assert_no_token(run.stderr, token)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_msmtp_file_with_auth_and_passwordeval_works_unchanged(client, start_server, pki,
                                                               tmp_path, mechanism):
    server = start_server("starttls", oauth=OAuthTokens(OAUTH_USER, frozenset({"token-2"})))
    helper = TokenCommand(tmp_path)
    # As msmtp's manual writes such an account (OAuth section), token helper and all.
    config = client.write_config(
        "defaults\n"
        "tls on\n"
        f"tls_trust_file {pki.ca.cert}\n"
        "\n"
        "account oauth\n"
        "host localhost\n"
        f"port {server.port}\n"
        f"from {SENDER}\n"
        f"auth {mechanism}\n"
        f"user {OAUTH_USER}\n"
        f"passwordeval {helper.command}\n"
        "\n"
        "account default : oauth\n", path=tmp_path / "msmtprc")

    run = client.run("-C", str(config), RECIPIENT, body=BODY)

    assert_exit(run, 0)
    assert helper.runs == 2
    assert [login.accepted for login in server.oauth_logins] == [False, True]
    assert len(server.messages) == 1
