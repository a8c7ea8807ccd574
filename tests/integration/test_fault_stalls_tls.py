"""Stalled and slow servers inside TLS: the same limits as in plain SMTP.

A GnuTLS read that is retried on GNUTLS_E_AGAIN without a deadline would hang here; the client
must give up after --timeout per reply (or handshake) and within --max-time in all, over STARTTLS
and implicit TLS alike.
"""

import pytest

from fault_server import (Delay, Expect, FaultServers, ReadBody, Send, Stall, StartTls, Trickle,
                          assert_exit_within, assert_no_body_sent, dialog, ehlo_reply,
                          implicit_tls_dialog, run_client)

pytestmark = pytest.mark.waits_out_time_limits

REPLY_TIMEOUT_SECONDS = 2
TIMEOUT = ("--timeout", str(REPLY_TIMEOUT_SECONDS))
MARGIN_SECONDS = 3
TEMPFAIL = 75
TRICKLE_INTERVAL_SECONDS = 0.35
LATE_REPLY_SECONDS = 1.5
MAX_TIME_SECONDS = 3
MAX_TIME_MARGIN_SECONDS = 1.5


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def tls_dialog(tls: str, pki):
    handshake = StartTls(pki.server.cert, pki.server.key)
    return implicit_tls_dialog(handshake) if tls == "smtps" else dialog(starttls=handshake)


def send(smtpsend, server, pki, tls, *args):
    return run_client(smtpsend, server, "--tls-trust-file", str(pki.ca.cert), *TIMEOUT, *args,
                      tls=tls)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_a_server_silent_in_the_handshake_times_out(smtpsend, fault_server, pki, tls):
    server = fault_server(tls_dialog(tls, pki).before("handshake") + [Stall()])

    run = send(smtpsend, server, pki, tls)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert run.elapsed >= REPLY_TIMEOUT_SECONDS * 0.9, f"gave up too early\n{run.describe()}"
    assert server.verbs(in_tls=True) == [], server.describe()


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_no_reply_to_ehlo_inside_tls_times_out(smtpsend, fault_server, pki, tls):
    server = fault_server(tls_dialog(tls, pki).before("ehlo-tls") + [Expect("EHLO"), Stall()])

    run = send(smtpsend, server, pki, tls)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert "MAIL" not in server.verbs(), server.describe()


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_a_reply_trickling_inside_tls_gets_the_timeout_once(smtpsend, fault_server, pki, tls):
    slow = Trickle(ehlo_reply(["8BITMIME"]).data, 1, TRICKLE_INTERVAL_SECONDS)
    server = fault_server(tls_dialog(tls, pki).replacing("ehlo-tls", [Expect("EHLO"), slow]))

    run = send(smtpsend, server, pki, tls)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert run.elapsed >= REPLY_TIMEOUT_SECONDS * 0.9, f"gave up too early\n{run.describe()}"
    assert_no_body_sent(server, run)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_no_reply_to_the_final_dot_inside_tls_is_delivery_state_unknown(smtpsend, fault_server,
                                                                         pki, tls):
    server = fault_server(tls_dialog(tls, pki).before("body") + [ReadBody(), Stall()])

    run = send(smtpsend, server, pki, tls)

    assert_exit_within(run, TEMPFAIL, REPLY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    assert server.message is not None, server.describe()
    assert "delivery state unknown" in run.stderr, run.describe()


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_max_time_bounds_a_slow_dialog_inside_tls(smtpsend, fault_server, pki, tls):
    steps = []
    for step in tls_dialog(tls, pki).all():
        steps += [Delay(LATE_REPLY_SECONDS), step] if isinstance(step, Send) else [step]
    server = fault_server(steps)

    run = send(smtpsend, server, pki, tls, "--max-time", str(MAX_TIME_SECONDS))

    assert_exit_within(run, TEMPFAIL, MAX_TIME_SECONDS + MAX_TIME_MARGIN_SECONDS)
    assert "max-time" in run.stderr, run.describe()
    assert_no_body_sent(server, run)
