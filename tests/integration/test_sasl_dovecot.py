"""SASL against a server-side implementation that is not GNU SASL: Dovecot's submission service.

Each mechanism delivers through Dovecot to the recording server, and Dovecot's own log says which
mechanism the login used, so `--auth on`'s choice is seen from the server's side.
"""

import re

import pytest

from certs import make_client_certificate
from dovecot_server import client_certificate_conf
from support import (MESSAGE_WAIT_SECONDS, PASSWORD, SENDER, USER, assert_exit, connect_args,
                     envelope_args, parse_message, secret_spellings, text_body)

ALL_MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]
BODY = "Authenticated by Dovecot.\n"
WRONG_PASSWORD = "not-the-password"
# RFC 2831 §2.1.2.1: with charset=utf-8, a password whose characters all fit ISO 8859-1 is
# hashed in ISO 8859-1. GNU SASL does that; Dovecot 2.3 hashes the UTF-8 bytes, so PASSWORD
# ("stäple") never matches over DIGEST-MD5. That is Dovecot's side; DIGEST-MD5 gets ASCII.
ASCII_PASSWORD = "Tr0ub4dor&3 horse-battery-staple"
# The user EXTERNAL logs in as: the common name of the client certificate.
CERT_USER = "carol"
# Commands that must never follow a failed AUTH.
TRANSACTION_VERBS = {"MAIL", "RCPT", "DATA", "BDAT"}
# How the trace shows a command the client sent, in the clear (->) or inside TLS (~>).
SENT_MAIL = re.compile(r"[-~]> MAIL FROM", re.IGNORECASE)
CHOSEN_SCRAM_SHA_256 = re.compile(r"~> AUTH SCRAM-SHA-256(?!-PLUS)")


def send(smtpsend, dovecot, pki, *args, password=PASSWORD):
    return smtpsend.run(*connect_args(dovecot, "starttls", trust_file=pki.ca.cert),
                        "--trace", *args, *envelope_args(), body=BODY,
                        env={"SMTPSEND_PASSWORD": password})


def assert_delivered(run, sink):
    [received] = sink.wait_for_messages(1, MESSAGE_WAIT_SECONDS)
    message = parse_message(received.raw)
    assert text_body(message) == BODY, run.describe()
    assert received.mail_from == SENDER


def assert_trace_is_clean(run, password=PASSWORD):
    for spelling in secret_spellings(USER, password):
        assert spelling not in run.stderr, f"the trace contains a secret ({spelling!r}):\n{run}"
    assert password not in run.stdout.decode(errors="replace")


@pytest.mark.parametrize("mechanism", ALL_MECHANISMS)
def test_each_mechanism_delivers_and_dovecot_logs_it(smtpsend, start_dovecot, pki, mechanism):
    password = ASCII_PASSWORD if mechanism == "DIGEST-MD5" else PASSWORD
    dovecot, sink = start_dovecot(mechanisms=ALL_MECHANISMS, users={USER: password})

    run = send(smtpsend, dovecot, pki, "--user", USER, "--auth", mechanism, password=password)

    assert_exit(run, 0)
    assert_delivered(run, sink)
    dovecot.wait_for_log(r"Login: user=<")
    assert dovecot.logins() == [(USER, mechanism)], dovecot.log_text()
    assert f"~> AUTH {mechanism}" in run.stderr, f"the trace names no mechanism:\n{run.stderr}"
    assert_trace_is_clean(run, password)


@pytest.mark.parametrize("auth", ["on", "auto"])
def test_auth_on_picks_scram_sha_256_of_all_offered(smtpsend, start_dovecot, pki, auth):
    dovecot, sink = start_dovecot(mechanisms=ALL_MECHANISMS)

    run = send(smtpsend, dovecot, pki, "--user", USER, "--auth", auth)

    assert_exit(run, 0)
    assert_delivered(run, sink)
    dovecot.wait_for_log(r"Login: user=<")
    assert dovecot.logins() == [(USER, "SCRAM-SHA-256")], dovecot.log_text()
    assert CHOSEN_SCRAM_SHA_256.search(run.stderr), f"the trace shows no choice:\n{run.stderr}"
    assert_trace_is_clean(run)


def test_auth_auto_prefers_plain_inside_tls_to_cram_md5(smtpsend, start_dovecot, pki):
    dovecot, sink = start_dovecot(mechanisms=["cram-md5", "plain"])

    run = send(smtpsend, dovecot, pki, "--user", USER, "--auth", "auto")

    assert_exit(run, 0)
    assert_delivered(run, sink)
    dovecot.wait_for_log(r"Login: user=<")
    assert dovecot.logins() == [(USER, "PLAIN")], dovecot.log_text()
    assert_trace_is_clean(run)


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "CRAM-MD5", "PLAIN"])
def test_wrong_password_exits_77_and_nothing_follows_auth(smtpsend, start_dovecot, pki,
                                                          mechanism):
    dovecot, sink = start_dovecot(mechanisms=ALL_MECHANISMS)

    run = send(smtpsend, dovecot, pki, "--user", USER, "--auth", mechanism,
               password=WRONG_PASSWORD)

    assert_exit(run, 77)
    dovecot.wait_for_log(rf"auth failed, 1 attempts .*method={mechanism}")
    commands = dovecot.commands()
    assert "AUTH" in commands, dovecot.log_text()
    after_auth = commands[len(commands) - commands[::-1].index("AUTH"):]
    assert not TRANSACTION_VERBS & set(after_auth), (
        f"the client went on after a failed AUTH: {commands}\n{run.describe()}")
    assert not SENT_MAIL.search(run.stderr), run.describe()
    assert dovecot.logins() == []
    assert sink.messages == [] and sink.connections == 0
    for spelling in secret_spellings(USER, WRONG_PASSWORD):
        assert spelling not in run.stderr, run.describe()


def test_mechanism_the_server_does_not_offer_is_named_with_what_it_offers(smtpsend,
                                                                          start_dovecot, pki):
    dovecot, sink = start_dovecot(mechanisms=["plain", "scram-sha-1"])

    run = send(smtpsend, dovecot, pki, "--user", USER, "--auth", "cram-md5")

    assert_exit(run, 78)
    error = run.stderr
    assert "CRAM-MD5" in error and "PLAIN" in error and "SCRAM-SHA-1" in error, run.describe()
    assert "AUTH" not in dovecot.commands(), dovecot.log_text()
    assert sink.messages == []


@pytest.mark.parametrize("auth", ["scram-sha-256", "cram-md5"])
def test_msmtp_configuration_file_works_unchanged(smtpsend, start_dovecot, pki, tmp_path, auth):
    dovecot, sink = start_dovecot(mechanisms=ALL_MECHANISMS)
    config = tmp_path / "msmtprc"
    config.write_text(
        "# an msmtp account, as msmtp's documentation writes one\n"
        "account default\n"
        "host localhost\n"
        f"port {dovecot.port}\n"
        "tls on\n"
        "tls_starttls on\n"
        f"tls_trust_file {pki.ca.cert}\n"
        f"auth {auth}\n"
        f"user {USER}\n"
        f"password {PASSWORD}\n"
        f"from {SENDER}\n", encoding="utf-8")
    config.chmod(0o600)

    run = smtpsend.run("-C", str(config), "--trace", "-s", "Integration test", "-t",
                       "bob@example.test", body=BODY)

    assert_exit(run, 0)
    assert_delivered(run, sink)
    dovecot.wait_for_log(r"Login: user=<")
    assert dovecot.logins() == [(USER, auth.upper())], dovecot.log_text()
    assert_trace_is_clean(run)


def test_external_with_a_client_certificate(smtpsend, start_dovecot, pki, tmp_path):
    client = make_client_certificate(tmp_path / "client", "carol", pki.ca, CERT_USER)
    dovecot, sink = start_dovecot(mechanisms=["external", "plain"],
                                  users={USER: PASSWORD, CERT_USER: None},
                                  extra_conf=client_certificate_conf(pki.ca.cert))

    run = smtpsend.run(*connect_args(dovecot, "starttls", trust_file=pki.ca.cert), "--trace",
                       "--auth", "EXTERNAL", "--tls-cert", str(client.cert), "--tls-key",
                       str(client.key), *envelope_args(), body=BODY)

    assert_exit(run, 0)
    assert_delivered(run, sink)
    dovecot.wait_for_log(r"Login: user=<")
    assert dovecot.logins() == [(CERT_USER, "EXTERNAL")], dovecot.log_text()
    assert "~> AUTH EXTERNAL" in run.stderr, run.describe()


def test_external_without_a_client_certificate_is_refused(smtpsend, start_dovecot, pki):
    dovecot, sink = start_dovecot(mechanisms=["external"], users={USER: PASSWORD, CERT_USER: None},
                                  extra_conf=client_certificate_conf(pki.ca.cert))

    run = smtpsend.run(*connect_args(dovecot, "starttls", trust_file=pki.ca.cert), "--trace",
                       "--auth", "EXTERNAL", *envelope_args(), body=BODY)

    assert_exit(run, 77)
    dovecot.wait_for_log(r"auth failed, 1 attempts .*method=EXTERNAL")
    assert dovecot.logins() == []
    assert not SENT_MAIL.search(run.stderr), run.describe()
    assert sink.messages == []
