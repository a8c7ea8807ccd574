"""A man in the middle against STARTTLS: injected replies, a stripped offer, a refused upgrade.

With TLS required, whatever the attacker does, the client must not fall back to plaintext, must
not act on anything that arrived before the handshake (RFC 3207 §4.2) and must not send its
credentials or the message outside TLS.
"""

import pytest

from fault_server import (Expect, FaultServers, Send, StartTls, assert_exit_within,
                          assert_no_body_sent, assert_no_secret_leaked, dialog, reply,
                          run_client)
from support import PASSWORD, USER

PASSWORD_ENV = {"SMTPSEND_PASSWORD": PASSWORD}
QUICK_SECONDS = 3.0
PROTOCOL = 76
TEMPFAIL = 75
PERMISSION = 77
UNAVAILABLE = 69
READY = b"220 2.0.0 Ready to start TLS\r\n"
# RFC 3207 §4.2's attack: a reply queued behind the 220, to be read as if it came through TLS.
INJECTED = b"250 injected\r\n"


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def submission(pki):
    return dialog(starttls=StartTls(pki.server.cert, pki.server.key), auth=True)


def send(smtpsend, server, pki, tls="starttls"):
    return run_client(smtpsend, server, "--tls-trust-file", str(pki.ca.cert), "--user", USER,
                      "--auth", "plain", tls=tls, env=PASSWORD_ENV)


def plaintext_after_starttls(server) -> bytes:
    before, found, after = bytes(server.plain).partition(b"STARTTLS\r\n")
    assert found, f"the client never sent STARTTLS\n{server.describe()}"
    return after


def assert_nothing_sensitive_anywhere(server, run) -> None:
    assert "AUTH" not in server.verbs() and "MAIL" not in server.verbs(), (
        f"{server.describe()}\n{run.describe()}")
    assert_no_body_sent(server, run)
    assert_no_secret_leaked(server, run)


def test_the_undisturbed_starttls_dialog_delivers(smtpsend, fault_server, pki):
    server = fault_server(submission(pki).all())

    run = send(smtpsend, server, pki)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.tls_established and server.message is not None
    assert_no_secret_leaked(server, run)


def test_a_reply_injected_with_the_220_is_refused_before_the_handshake(smtpsend, fault_server,
                                                                       pki):
    good = submission(pki)
    server = fault_server(good.replacing("starttls", [Expect("STARTTLS"), Send(READY + INJECTED)]))

    run = send(smtpsend, server, pki)

    assert_exit_within(run, PROTOCOL, QUICK_SECONDS)
    assert plaintext_after_starttls(server) == b"", server.describe()
    assert not server.tls_established, server.describe()
    assert_nothing_sensitive_anywhere(server, run)


def test_a_reply_injected_just_after_the_220_is_not_acted_on(smtpsend, fault_server, pki):
    # The injection arrives in its own segment, possibly after the client has read the 220 and
    # started its handshake: the handshake then reads it as a broken TLS record, or the client
    # notices it first. Either way no exchange may go on.
    good = submission(pki)
    server = fault_server(good.replacing("starttls",
                                         [Expect("STARTTLS"), Send(READY), Send(INJECTED)]))

    run = send(smtpsend, server, pki)

    assert run.returncode != 0, run.describe()
    assert run.elapsed < QUICK_SECONDS, run.describe()
    assert not server.tls_established, server.describe()
    assert_nothing_sensitive_anywhere(server, run)


@pytest.mark.parametrize("tls", ["starttls", "auto"])
def test_a_stripped_starttls_offer_stops_the_client(smtpsend, fault_server, pki, tls):
    # The attacker removed STARTTLS from the EHLO reply and offers AUTH in the clear instead.
    server = fault_server(dialog(auth=True).all())

    run = send(smtpsend, server, pki, tls=tls)

    assert_exit_within(run, PERMISSION, QUICK_SECONDS)
    assert "STARTTLS" in run.stderr, run.describe()
    assert_nothing_sensitive_anywhere(server, run)


@pytest.mark.parametrize("refusal, expected", [
    ("454 4.7.0 TLS not available due to temporary reason", TEMPFAIL),
    ("502 5.5.1 Command not implemented", UNAVAILABLE),
], ids=["454", "502"])
def test_a_refused_starttls_does_not_fall_back_to_plaintext(smtpsend, fault_server, pki, refusal,
                                                            expected):
    # After the refusal the server would take AUTH and MAIL in the clear; nothing may come.
    good = submission(pki)
    plaintext_rest = dialog(auth=True)
    server = fault_server(good.before("starttls") + [Expect("STARTTLS"), reply(refusal)]
                          + plaintext_rest.after("ehlo"))

    run = send(smtpsend, server, pki)

    assert_exit_within(run, expected, QUICK_SECONDS)
    assert plaintext_after_starttls(server) in (b"", b"QUIT\r\n"), server.describe()
    assert_nothing_sensitive_anywhere(server, run)
