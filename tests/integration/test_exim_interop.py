"""Interoperability with a real MTA: smtpsend -> Exim (STARTTLS + AUTH) -> recording server.

Exim must be installed (Debian package exim4-daemon-light); CI installs it, so its absence is a
failure, not a skip.
"""

import pytest

from support import (MESSAGE_WAIT_SECONDS, PASSWORD, RECIPIENT, SENDER, USER, all_defects,
                     assert_exit, assert_nothing_delivered, envelope_args, parse_message,
                     secret_spellings, text_body)

REFUSED = "nobody@example.test"
BODY = "Through a real MTA.\n.dot line\nGrüße.\n" + "wide " * 150 + "\n"


@pytest.fixture
def exim_relay(start_exim):
    """(exim, sink): Exim listening with STARTTLS, relaying what it accepts to `sink`."""
    return start_exim(refuse=[REFUSED])


def exim_args(exim, pki):
    return ["--server", "localhost", "--port", str(exim.port), "--tls", "starttls",
            "--tls-trust-file", str(pki.ca.cert), "--user", USER]


@pytest.mark.parametrize("mechanism", ["plain", "login"])
def test_message_relayed_by_exim_arrives_intact(smtpsend, exim_relay, pki, mechanism):
    exim, sink = exim_relay
    cc = "carol@example.test"

    run = smtpsend.run(*exim_args(exim, pki), "--auth", mechanism, "--trace",
                       *envelope_args(RECIPIENT, subject="Via Exim"), "-c", cc, body=BODY,
                       env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    try:
        [received] = sink.wait_for_messages(1, MESSAGE_WAIT_SECONDS)
    except TimeoutError as error:
        pytest.fail(f"{error}\n{run.describe()}\n{exim.logs()}")
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == sorted([RECIPIENT, cc])
    message = parse_message(received.raw)
    assert all_defects(message) == []
    assert text_body(message) == BODY
    assert str(message["Subject"]) == "Via Exim"
    # Exim's own Received: line records an authenticated (esmtpsa) submission inside TLS.
    received_by_exim = str(message["Received"])
    assert "esmtpsa" in received_by_exim, received_by_exim
    assert "<~" in run.stderr
    for spelling in secret_spellings():
        assert spelling not in run.stderr


def test_wrong_password_at_exim_is_a_permission_error(smtpsend, exim_relay, pki):
    exim, sink = exim_relay

    run = smtpsend.run(*exim_args(exim, pki), *envelope_args(),
                       env={"SMTPSEND_PASSWORD": "not-the-password"})

    assert_exit(run, 77)
    assert "535" in run.stderr, f"{run.describe()}\n{exim.logs()}"
    assert sink.connections == 0, "Exim relayed something after a failed AUTH"


def test_recipient_refused_by_exim_sends_nothing(smtpsend, exim_relay, pki):
    exim, sink = exim_relay

    run = smtpsend.run(*exim_args(exim, pki), *envelope_args(RECIPIENT, REFUSED),
                       env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 67)
    assert REFUSED in run.stderr and "550" in run.stderr, f"{run.describe()}\n{exim.logs()}"
    assert "<=" not in exim.logs(), "Exim accepted a message"
    assert_nothing_delivered(sink, run)
