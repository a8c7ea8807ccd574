"""A server that cannot prove who it is, or cannot do TLS, gets no AUTH, no MAIL, no message."""

import re

import pytest

from support import (PASSWORD, USER, assert_exit, assert_nothing_delivered, connect_args,
                     envelope_args)

PASSWORD_ENV = {"SMTPSEND_PASSWORD": PASSWORD}


def client_lines(trace: str) -> list[str]:
    """Lines the client sent, whatever prefix (timestamps) the trace puts before the marker."""
    return [line for line in trace.splitlines() if re.search(r"(^|\s)(->|~>)(\s|$)", line)]


def assert_stopped_before_anything_sensitive(server, run) -> None:
    assert server.verbs(in_tls=True) == [], (
        f"the client kept talking after a failed verification: {server.commands}\n{run.describe()}")
    assert "AUTH" not in server.verbs() and server.auth_attempts == []
    assert "MAIL" not in server.verbs()
    assert_nothing_delivered(server, run)


@pytest.mark.parametrize("trust", ["system-store", "other-ca"])
def test_certificate_from_an_untrusted_ca_is_refused(smtpsend, start_server, pki, trust):
    server = start_server("starttls", users={USER: PASSWORD})
    trust_file = pki.other_ca.cert if trust == "other-ca" else None

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=trust_file), "--user", USER,
                       *envelope_args(), env=PASSWORD_ENV)

    assert_exit(run, 77)
    assert_stopped_before_anything_sensitive(server, run)


def test_certificate_signed_by_another_ca_is_refused_with_implicit_tls(smtpsend, start_server,
                                                                       pki):
    server = start_server("smtps", users={USER: PASSWORD}, cert=pki.other_ca_server)

    run = smtpsend.run(*connect_args(server, "smtps", trust_file=pki.ca.cert), "--user", USER,
                       *envelope_args(), env=PASSWORD_ENV)

    assert_exit(run, 77)
    assert_stopped_before_anything_sensitive(server, run)


def test_certificate_for_another_host_name_is_refused(smtpsend, start_server, pki):
    # Signed by the CA the client trusts, valid in time, and only the name is wrong: a refusal here
    # can only come from host-name verification (RFC 6125).
    server = start_server("starttls", users={USER: PASSWORD}, cert=pki.wrong_name_server)

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--user", USER,
                       *envelope_args(), env=PASSWORD_ENV)

    assert_exit(run, 77)
    assert_stopped_before_anything_sensitive(server, run)


def test_tls_insecure_accepts_an_unverifiable_certificate(smtpsend, start_server, pki):
    server = start_server("starttls", cert=pki.other_ca_server)

    run = smtpsend.run(*connect_args(server, "starttls"), "--tls-insecure", *envelope_args())

    assert_exit(run, 0)
    assert len(server.messages) == 1 and server.messages[0].in_tls


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_tls_insecure_warns_once_before_the_message_is_sent(smtpsend, start_server, pki, tls):
    server = start_server(tls, cert=pki.other_ca_server)

    run = smtpsend.run(*connect_args(server, tls), "--tls-insecure", "--trace", *envelope_args())

    assert_exit(run, 0)
    warnings = [line for line in run.stderr.splitlines()
                if "warning: TLS certificate verification is disabled" in line]
    assert len(warnings) == 1, run.describe()
    mail = next(line for line in client_lines(run.stderr) if "MAIL FROM" in line)
    lines = run.stderr.splitlines()
    assert lines.index(warnings[0]) < lines.index(mail), run.describe()


@pytest.mark.parametrize("tls", ["starttls", "auto"])
@pytest.mark.parametrize("with_credentials", [True, False])
def test_server_without_starttls_is_refused(smtpsend, start_server, pki, tls, with_credentials):
    server = start_server("no-starttls", users={USER: PASSWORD} if with_credentials else None)
    credentials = ["--user", USER] if with_credentials else []

    run = smtpsend.run(*connect_args(server, tls, trust_file=pki.ca.cert), *credentials,
                       "--trace", *envelope_args(), env=PASSWORD_ENV)

    assert_exit(run, 77)
    assert "STARTTLS" in run.stderr, run.describe()
    sent = client_lines(run.stderr)
    assert sent, f"no client lines in the trace:\n{run.stderr}"
    assert not any("AUTH" in line or "MAIL FROM" in line for line in sent), run.stderr
    assert "AUTH" not in server.verbs() and "MAIL" not in server.verbs()
    assert_nothing_delivered(server, run)
