"""Credentials never cross the network in the clear unless the user says so explicitly."""

from support import (PASSWORD, USER, assert_exit, assert_nothing_delivered, connect_args,
                     envelope_args, secret_spellings)

PASSWORD_ENV = {"SMTPSEND_PASSWORD": PASSWORD}


def test_credentials_without_tls_are_refused(smtpsend, start_server):
    server = start_server("plain", users={USER: PASSWORD})

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "--user", USER, "--trace",
                       *envelope_args(), env=PASSWORD_ENV)

    assert_exit(run, 77)
    assert "AUTH" not in server.verbs() and server.auth_attempts == [], server.commands
    assert "MAIL" not in server.verbs()
    assert_nothing_delivered(server, run)
    for spelling in secret_spellings():
        assert spelling not in run.stderr


def test_allow_plaintext_auth_sends_credentials_without_tls(smtpsend, start_server):
    server = start_server("plain", users={USER: PASSWORD})

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "--user", USER,
                       "--allow-plaintext-auth", *envelope_args(), env=PASSWORD_ENV)

    assert_exit(run, 0)
    [attempt] = server.auth_attempts
    assert attempt.success and not attempt.in_tls
    [received] = server.messages
    assert received.auth_user == USER and not received.in_tls
