"""4xx and 5xx at every step of a STARTTLS + AUTH submission, with and without PIPELINING.

A 4xx is temporary (75) wherever it comes, 421 included (RFC 5321 §3.8: the server is closing);
a 5xx maps to what was refused: the recipient (67), authentication (77), anything else (69). No
refusal before the final dot lets a byte of the message out (under PIPELINING the DATA command
may already be on its way; the body must not follow).
"""

import pytest

from fault_server import (Close, Expect, FaultServers, ReadBody, StartTls, assert_exit_within,
                          assert_no_body_sent, assert_no_secret_leaked, dialog, reply,
                          run_client)
from support import PASSWORD, USER

PASSWORD_ENV = {"SMTPSEND_PASSWORD": PASSWORD}
QUICK_SECONDS = 3.0
# A client that ignores a refusal and waits for a reply that never comes fails within this.
TIMEOUT = ("--timeout", "2")
TEMPFAIL, UNAVAILABLE, RECIPIENT_REFUSED, PERMISSION = 75, 69, 67, 77
# The command each stage answers ("" for the greeting, which answers the connection).
VERB = {"greeting": "", "ehlo": "EHLO", "starttls": "STARTTLS", "ehlo-tls": "EHLO",
        "auth": "AUTH", "mail": "MAIL", "rcpt": "RCPT", "data": "DATA", "body": "."}
# What a server answers to the rest of a pipelined MAIL/RCPT/DATA flight after a refusal
# (RFC 2920 §3.1: each command still gets its reply).
AFTER_REFUSED_IN_FLIGHT = {
    "mail": [Expect("RCPT"), reply("503 5.5.1 Error: need MAIL command"),
             Expect("DATA"), reply("554 5.5.1 Error: no valid recipients")],
    "rcpt": [Expect("DATA"), reply("554 5.5.1 Error: no valid recipients")],
}
REFUSALS = [
    ("greeting", "421 4.3.2 Service not available, closing channel", TEMPFAIL),
    ("greeting", "554 5.3.2 No SMTP service here", UNAVAILABLE),
    ("ehlo", "421 4.3.2 Service not available, closing channel", TEMPFAIL),
    ("ehlo", "554 5.7.1 Access denied", UNAVAILABLE),
    ("starttls", "454 4.7.0 TLS not available due to temporary reason", TEMPFAIL),
    ("ehlo-tls", "421 4.3.2 Service not available, closing channel", TEMPFAIL),
    ("auth", "454 4.7.0 Temporary authentication failure", TEMPFAIL),
    ("auth", "535 5.7.8 Authentication credentials invalid", PERMISSION),
    ("mail", "451 4.3.0 Mail server temporarily rejected message", TEMPFAIL),
    ("mail", "550 5.7.1 Sender address rejected", UNAVAILABLE),
    ("rcpt", "450 4.2.0 Recipient address temporarily rejected", TEMPFAIL),
    ("rcpt", "550 5.1.1 Recipient address rejected: User unknown", RECIPIENT_REFUSED),
    ("data", "451 4.3.0 Try again later", TEMPFAIL),
    ("data", "554 5.5.1 Transaction failed", UNAVAILABLE),
    ("body", "451 4.3.0 Error: queue file write error", TEMPFAIL),
    ("body", "554 5.7.1 Message rejected as spam", UNAVAILABLE),
]
STAGES_421 = ["greeting", "ehlo", "starttls", "ehlo-tls", "auth", "mail", "rcpt", "data", "body"]
# Stages whose commands PIPELINING puts in one flight (RFC 2920 §3.1), tried both ways.
TRANSACTION = {"mail", "rcpt", "data", "body"}
REFUSAL_CASES = [
    pytest.param(stage, text, expected, pipelining,
                 id=f"{stage}-{text[:3]}{'-pipelining' if pipelining else ''}")
    for stage, text, expected in REFUSALS
    for pipelining in ((False, True) if stage in TRANSACTION else (False,))
]


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def submission(pki, pipelining):
    return dialog(starttls=StartTls(pki.server.cert, pki.server.key), auth=True,
                  pipelining=pipelining)


def refused_at(pki, stage: str, text: str, *, pipelining: bool) -> list:
    """The good path up to `stage`, `text` as its reply, then only what the client may still ask."""
    verb = VERB[stage]
    answer = [reply(text)] if not verb else [
        ReadBody() if verb == "." else Expect(verb), reply(text)]
    if text.startswith("421"):
        return submission(pki, pipelining).before(stage) + answer + [Close()]
    rest = AFTER_REFUSED_IN_FLIGHT.get(stage, []) if pipelining else []
    return (submission(pki, pipelining).before(stage) + answer + rest
            + [Expect("QUIT"), reply("221 2.0.0 Bye")])


def send(smtpsend, server, pki):
    return run_client(smtpsend, server, "--tls-trust-file", str(pki.ca.cert), "--user", USER,
                      "--auth", "plain", *TIMEOUT, tls="starttls", env=PASSWORD_ENV)


def assert_refusal_handled(server, run, stage: str, expected: int) -> None:
    assert_exit_within(run, expected, QUICK_SECONDS)
    assert_no_secret_leaked(server, run)
    if stage != "body":
        assert_no_body_sent(server, run)


@pytest.mark.parametrize("pipelining", [False, True], ids=["serial", "pipelining"])
def test_the_undisturbed_dialog_delivers(smtpsend, fault_server, pki, pipelining):
    server = fault_server(submission(pki, pipelining).all())

    run = send(smtpsend, server, pki)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.message is not None


@pytest.mark.parametrize("stage, text, expected, pipelining", REFUSAL_CASES)
def test_a_refusal_ends_the_send_with_its_exit_code(smtpsend, fault_server, pki, stage, text,
                                                    expected, pipelining):
    server = fault_server(refused_at(pki, stage, text, pipelining=pipelining))

    run = send(smtpsend, server, pki)

    assert_refusal_handled(server, run, stage, expected)
    assert text.split(" ", 1)[0] in run.stderr, f"the server's code is not shown\n{run.describe()}"
    if stage in ("greeting", "ehlo", "starttls", "ehlo-tls", "auth"):
        assert "MAIL" not in server.verbs(), server.describe()


@pytest.mark.parametrize("stage", STAGES_421)
def test_421_at_any_step_is_temporary(smtpsend, fault_server, pki, stage):
    server = fault_server(refused_at(pki, stage, "421 4.3.2 System shutting down",
                                     pipelining=True))

    run = send(smtpsend, server, pki)

    assert_refusal_handled(server, run, stage, TEMPFAIL)


def test_failed_authentication_is_tried_once_and_nothing_follows(smtpsend, fault_server, pki):
    server = fault_server(refused_at(pki, "auth", "535 5.7.8 Authentication credentials invalid",
                                     pipelining=True))

    run = send(smtpsend, server, pki)

    assert_refusal_handled(server, run, "auth", PERMISSION)
    assert server.verbs(in_tls=True).count("AUTH") == 1, server.describe()
    assert "MAIL" not in server.verbs(), server.describe()


def test_helo_is_used_when_the_server_does_not_know_ehlo(smtpsend, fault_server):
    # RFC 5321 §3.2: a server that answers EHLO with "command not recognized" gets HELO.
    good = dialog()
    server = fault_server(good.before("ehlo") + [
        Expect("EHLO"), reply("500 5.5.2 Command not recognized"),
        Expect("HELO"), reply("250 fault.test")] + good.after("ehlo"))

    run = run_client(smtpsend, server, *TIMEOUT)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.verbs()[:2] == ["EHLO", "HELO"], server.describe()
    assert server.message is not None


def test_a_refused_helo_after_ehlo_500_is_unavailable(smtpsend, fault_server):
    server = fault_server(dialog().before("ehlo") + [
        Expect("EHLO"), reply("500 5.5.2 Command not recognized"),
        Expect("HELO"), reply("550 5.7.1 Go away"), Expect("QUIT"), reply("221 Bye")])

    run = run_client(smtpsend, server, *TIMEOUT)

    assert_exit_within(run, UNAVAILABLE, QUICK_SECONDS)
    assert_no_body_sent(server, run)
