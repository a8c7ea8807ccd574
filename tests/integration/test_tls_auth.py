"""STARTTLS and implicit TLS with AUTH PLAIN/LOGIN: delivery, password sources, clean traces."""

import re

import pytest

from support import (PASSWORD, USER, assert_exit, assert_nothing_delivered, connect_args,
                     envelope_args, parse_message, secret_spellings, text_body)

BODY = "Sent over TLS.\n"
# GnuTLS spells versions "TLS1.3"; other wordings ("TLS 1.3", "TLSv1.3") are fine too.
TLS_VERSION = re.compile(r"TLS ?v?1\.[23]")
CIPHER = re.compile(r"AES|CHACHA20", re.IGNORECASE)


def password_source(kind: str, tmp_path) -> tuple[list[str], dict[str, str]]:
    """The extra arguments and environment that hand PASSWORD to smtpsend."""
    if kind == "env":
        return [], {"SMTPSEND_PASSWORD": PASSWORD}
    # Only the first line of the command's output is the password.
    password_file = tmp_path / "password.txt"
    password_file.write_text(f"{PASSWORD}\nsecond line is not part of it\n", encoding="utf-8")
    return ["--password-cmd", f"cat '{password_file}'"], {}


def assert_trace_has_no_secret(trace: str) -> None:
    for spelling in secret_spellings():
        assert spelling not in trace, f"the trace contains a secret ({spelling!r}):\n{trace}"


@pytest.mark.parametrize("mechanism", ["plain", "login"])
@pytest.mark.parametrize("source", ["env", "command"])
def test_starttls_auth_delivers_and_traces_without_secrets(smtpsend, start_server, pki, tmp_path,
                                                           mechanism, source):
    server = start_server("starttls", users={USER: PASSWORD})
    password_args, env = password_source(source, tmp_path)

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user", USER,
                       "--auth", mechanism, *password_args, "--trace", *envelope_args(),
                       body=BODY, env=env)

    assert_exit(run, 0)
    assert run.stdout == b"", "stdout must stay clean when sending"
    [attempt] = server.auth_attempts
    assert (attempt.mechanism, attempt.user, attempt.success, attempt.in_tls) == (
        mechanism.upper(), USER, True, True)
    assert server.verbs(in_tls=False) == ["EHLO", "STARTTLS"]
    assert server.verbs(in_tls=True)[0] == "EHLO", "RFC 3207 §4.2: EHLO again after TLS"
    [received] = server.messages
    assert received.auth_user == USER and received.in_tls
    assert text_body(parse_message(received.raw)) == BODY

    trace = run.stderr
    assert "<~" in trace and "~>" in trace, f"no TLS-marked trace lines:\n{trace}"
    assert "<-" in trace and "->" in trace, f"no clear-text trace lines:\n{trace}"
    assert TLS_VERSION.search(trace), f"the trace names no TLS version:\n{trace}"
    assert CIPHER.search(trace), f"the trace names no cipher:\n{trace}"
    assert f"AUTH {mechanism.upper()}" in trace
    assert_trace_has_no_secret(trace)
    assert PASSWORD not in run.stdout.decode(errors="replace")


def test_auto_auth_picks_a_mechanism_the_server_offers(smtpsend, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})

    run = smtpsend.run(*connect_args(server, "auto", trust_file=pki.ca.cert), "--user", USER,
                       *envelope_args(), env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert [a.success for a in server.auth_attempts] == [True]
    assert server.messages[0].auth_user == USER


def test_trace_file_receives_the_trace_and_stderr_stays_quiet(smtpsend, start_server, pki,
                                                             tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    trace_file = tmp_path / "trace.log"

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user", USER,
                       "--trace-file", str(trace_file), *envelope_args(),
                       env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    trace = trace_file.read_text(encoding="utf-8", errors="replace")
    assert "<~" in trace and "STARTTLS" in trace, trace
    assert_trace_has_no_secret(trace)
    assert "<~" not in run.stderr, run.describe()


def test_smtps_implicit_tls_with_auth(smtpsend, start_server, pki):
    server = start_server("smtps", users={USER: PASSWORD})

    run = smtpsend.run(*connect_args(server, "smtps", trust_file=pki.ca.cert), "--user", USER,
                       "--trace", *envelope_args(), body=BODY, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert "STARTTLS" not in server.verbs()
    assert server.verbs(in_tls=False) == [], "implicit TLS: nothing may travel in the clear"
    [received] = server.messages
    assert received.auth_user == USER and received.in_tls
    assert text_body(parse_message(received.raw)) == BODY
    assert "<~" in run.stderr and TLS_VERSION.search(run.stderr), run.describe()
    assert_trace_has_no_secret(run.stderr)


def test_server_verified_by_ip_address_san(smtpsend, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})

    run = smtpsend.run(*connect_args(server, "starttls", host="127.0.0.1",
                                     trust_file=pki.ca.cert),
                       "--user", USER, *envelope_args(), env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert len(server.messages) == 1


@pytest.mark.parametrize("mechanism", ["plain", "login"])
def test_wrong_password_is_a_permission_error(smtpsend, start_server, pki, mechanism):
    server = start_server("starttls", users={USER: PASSWORD})
    wrong = "not-the-password"

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user", USER,
                       "--auth", mechanism, "--trace", *envelope_args(),
                       env={"SMTPSEND_PASSWORD": wrong})

    assert_exit(run, 77)
    assert [a.success for a in server.auth_attempts] == [False]
    assert "MAIL" not in server.verbs(), run.describe()
    assert_nothing_delivered(server, run)
    assert "535" in run.stderr, "the server's reply should be shown"
    for spelling in secret_spellings(password=wrong):
        assert spelling not in run.stderr, f"{spelling!r} leaked:\n{run.stderr}"
