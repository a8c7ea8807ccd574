"""The server drops the connection at every stage of a STARTTLS + AUTH submission.

Whatever the stage, smtpsend must end quickly with a failure, never report success, never send the
message after a drop, and never let the password out of TLS. Before the message is sent, a lost
connection is an I/O error (74); after the final dot the message may have been delivered, so it is
a temporary failure (75) whose message says that the delivery state is unknown.
"""

import pytest

from fault_server import (BODY, Close, CloseOnClientHello, Expect, FaultServers, ReadBody,
                          Receive, StartTls, assert_exit_within, assert_no_body_sent,
                          assert_no_secret_leaked, dialog, reply, run_client)
from support import PASSWORD, USER

PASSWORD_ENV = {"SMTPSEND_PASSWORD": PASSWORD}
# A lost connection is noticed at once; two seconds is room for the TLS handshake and start-up.
DROP_SECONDS = 3.0
# Big enough that the client is still writing the body when the server drops it: past what the
# client's socket buffer can take (Linux grows it up to 4 MiB, net.ipv4.tcp_wmem) plus the
# server's receive buffer. At 3 MiB the whole body sometimes fit in the buffers before the drop,
# and the client rightly reported "delivery state unknown" instead of a lost connection.
LARGE_BODY = BODY + "".join(f"line {n:07d} of a large body to keep the client writing\n"
                            for n in range(200_000))
# EX_IOERR: the connection broke before the message was complete, so nothing was delivered.
LOST_CONNECTION = 74
# EX_TEMPFAIL: the server's own 4xx/421, or a state only a later attempt (or a look) can settle.
TEMPFAIL = 75
# Where the server drops the connection: the good path up to a stage, then these steps.
DROPS = {
    "before-greeting": ("greeting", [Close()]),
    "after-greeting": ("ehlo", [Close()]),
    "after-ehlo": ("ehlo", [Expect("EHLO"), Close()]),
    "after-starttls": ("starttls", [Expect("STARTTLS"), Close()]),
    "after-starttls-220": ("handshake", [Close()]),
    "during-tls-handshake": ("handshake", [CloseOnClientHello()]),
    "after-ehlo-in-tls": ("ehlo-tls", [Expect("EHLO"), Close()]),
    "after-auth": ("auth", [Expect("AUTH"), Close()]),
    "after-mail": ("mail", [Expect("MAIL"), Close()]),
    "after-rcpt": ("rcpt", [Expect("RCPT"), Close()]),
    "after-data": ("data", [Expect("DATA"), Close()]),
}
# Stages at which the client has not sent AUTH yet.
BEFORE_AUTH = {"before-greeting", "after-greeting", "after-ehlo", "after-starttls",
               "after-starttls-220", "during-tls-handshake", "after-ehlo-in-tls"}


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def submission(pki):
    return dialog(starttls=StartTls(pki.server.cert, pki.server.key), auth=True)


def send(smtpsend, server, pki, body=BODY):
    return run_client(smtpsend, server, "--tls-trust-file", str(pki.ca.cert), "--user", USER,
                      "--auth", "plain", tls="starttls", env=PASSWORD_ENV, body=body)


def test_the_undisturbed_dialog_delivers(smtpsend, fault_server, pki):
    # The control for this file: without a drop, the same script ends in success.
    server = fault_server(submission(pki).all())

    run = send(smtpsend, server, pki)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.message is not None and BODY.split("\n")[0].encode() in server.message
    assert server.verbs(in_tls=False) == ["EHLO", "STARTTLS"]
    assert_no_secret_leaked(server, run)


@pytest.mark.parametrize("drop", list(DROPS))
def test_a_drop_before_the_message_is_sent_is_a_lost_connection(smtpsend, fault_server, pki,
                                                                 drop):
    stage, steps = DROPS[drop]
    server = fault_server(submission(pki).before(stage) + steps)

    run = send(smtpsend, server, pki)

    assert_exit_within(run, LOST_CONNECTION, DROP_SECONDS)
    assert "not sent" in run.stderr or "connection lost" in run.stderr, run.describe()
    assert_no_body_sent(server, run)
    assert_no_secret_leaked(server, run)
    assert "AUTH" not in server.verbs(in_tls=False), server.describe()
    if drop in BEFORE_AUTH:
        assert "AUTH" not in server.verbs(), server.describe()


def test_a_drop_in_the_middle_of_the_body_is_a_lost_connection(smtpsend, fault_server, pki):
    server = fault_server(submission(pki).before("body") + [Receive(4096), Close()])

    run = send(smtpsend, server, pki, body=LARGE_BODY)

    assert_exit_within(run, LOST_CONNECTION, DROP_SECONDS)
    assert run.returncode >= 0, "killed by a signal (SIGPIPE?)"
    assert "may have been delivered" not in run.stderr, run.describe()
    assert_no_secret_leaked(server, run)


def test_a_drop_after_the_final_dot_leaves_the_delivery_state_unknown(smtpsend, fault_server,
                                                                        pki):
    server = fault_server(submission(pki).before("body") + [ReadBody(), Close()])

    run = send(smtpsend, server, pki)

    assert_exit_within(run, TEMPFAIL, DROP_SECONDS)
    assert "delivery state unknown" in run.stderr, run.describe()
    assert server.message is not None, server.describe()
    assert_no_secret_leaked(server, run)


def test_a_drop_after_the_reply_to_the_dot_is_still_a_success(smtpsend, fault_server, pki):
    # The message was accepted (250 after the dot); a server that then drops the connection
    # instead of answering QUIT changes nothing (RFC 5321 §4.1.1.10 is the server's business).
    server = fault_server(submission(pki).before("quit") + [Close()])

    run = send(smtpsend, server, pki)

    assert run.returncode == 0, run.describe()
    assert run.elapsed < DROP_SECONDS, run.describe()
    assert_no_secret_leaked(server, run)


def test_a_421_in_place_of_any_reply_is_temporary(smtpsend, fault_server, pki):
    # One representative stage here; test_fault_replies.py has 421 at every stage.
    server = fault_server(submission(pki).before("mail")
                          + [Expect("MAIL"), reply("421 4.3.2 System shutting down"), Close()])

    run = send(smtpsend, server, pki)

    assert_exit_within(run, TEMPFAIL, DROP_SECONDS)
    assert_no_body_sent(server, run)
    assert_no_secret_leaked(server, run)


@pytest.mark.parametrize("code, exit_code", [("554 5.7.1 Message refused by content filter", 69),
                                             ("452 4.3.1 Insufficient system storage", 75)])
def test_a_refusal_in_the_middle_of_the_body_is_reported_with_its_reason(smtpsend, fault_server,
                                                                          pki, code, exit_code):
    # The server answers before the message has ended, then hangs up: the write fails, and the
    # reply it left behind is the reason the user needs.
    server = fault_server(submission(pki).before("body") + [Receive(4096), reply(code), Close()])

    run = send(smtpsend, server, pki, body=LARGE_BODY)

    assert_exit_within(run, exit_code, DROP_SECONDS)
    assert code in run.stderr, run.describe()
    assert "may have been delivered" not in run.stderr, run.describe()
    assert_no_secret_leaked(server, run)
