"""What smtpsend does when a server misbehaves or is slow, seen from the outside."""

import pytest

from fault_server import Close, Delay, Expect, FaultServers, ReadBody, dialog, reply
from support import assert_exit, envelope_args


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def answering_the_dot_with(*steps):
    """A server without extensions up to the final dot, whose answer to it is `steps`."""
    good = dialog()
    return good.before("body") + [ReadBody(), *steps]


def send(smtpsend, server, *extra):
    envelope = ["-f", "alice@example.test", "-t", "bob@example.test"]
    if "--message" not in extra:
        envelope = envelope_args()
    run = smtpsend.run("--server", "127.0.0.1", "--port", str(server.port), "--tls", "none",
                       *envelope, *extra)
    server.settle()
    return run


@pytest.mark.waits_out_time_limits
def test_a_slow_reply_to_the_final_dot_is_waited_for_without_a_timeout(smtpsend, fault_server):
    server = fault_server(answering_the_dot_with(Delay(2.5), reply("250 2.0.0 queued as 42"),
                                                 *dialog().stages["quit"]))

    run = send(smtpsend, server)

    assert_exit(run, 0)
    assert server.message is not None and b"Hello." in server.message


@pytest.mark.waits_out_time_limits
def test_the_timeout_lowers_the_wait_for_the_final_reply_too(smtpsend, fault_server):
    server = fault_server(answering_the_dot_with(Delay(2.5), reply("250 2.0.0 queued as 42"),
                                                 *dialog().stages["quit"]))

    run = send(smtpsend, server, "--timeout", "1")

    assert_exit(run, 75)
    assert "delivery state unknown" in run.stderr, run.describe()
    assert "within 1 s" in run.stderr, run.describe()


def test_a_2xx_other_than_250_after_the_dot_is_not_a_success(smtpsend, fault_server):
    server = fault_server(answering_the_dot_with(reply("221 2.0.0 closing")))

    run = send(smtpsend, server)

    assert_exit(run, 76)
    assert "250" in run.stderr and "may" in run.stderr, run.describe()


def test_connection_lost_after_the_dot_says_the_message_may_have_been_delivered(smtpsend,
                                                                                  fault_server):
    server = fault_server(answering_the_dot_with(Close()))

    run = send(smtpsend, server)

    assert_exit(run, 75)
    assert "delivery state unknown" in run.stderr, run.describe()
    assert "may have been delivered" in run.stderr, run.describe()
    assert "not sent" not in run.stderr, run.describe()


def test_control_sequences_in_a_server_reply_do_not_reach_the_terminal(smtpsend, fault_server):
    server = fault_server([
        reply("220 scripted.test ESMTP"),
        Expect("EHLO"), reply("250 scripted.test"),
        Expect("MAIL"), reply("250 Ok"),
        Expect("RCPT"), reply(b"550 5.1.1 \x1b]0;pwned\x07\x1b[2Jno such user \xc2\x9b31m"),
        Expect("QUIT"), reply("221 Bye"),
    ])

    run = send(smtpsend, server)

    assert_exit(run, 67)
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr and "\x9b" not in run.stderr
    assert "no such user" in run.stderr and "\\x1b" in run.stderr, run.describe()


def test_an_ehlo_name_that_would_inject_a_command_is_refused_before_connecting(smtpsend,
                                                                                 fault_server):
    server = fault_server(dialog().all())

    run = send(smtpsend, server, "--ehlo", "foo\r\nMAIL FROM:<injected@example.test>")

    assert_exit(run, 64)
    assert "--ehlo" in run.stderr
    assert not server.connected.is_set(), "it connected with an invalid EHLO name"


def test_an_8bit_prepared_message_is_refused_by_a_server_without_8bitmime(smtpsend, fault_server,
                                                                         tmp_path):
    server = fault_server([
        reply("220 scripted.test ESMTP"),
        Expect("EHLO"), reply("250-scripted.test", "250 SIZE 100000"),
        Expect("QUIT"), reply("221 Bye"),
    ])
    prepared = tmp_path / "latin.eml"
    prepared.write_bytes("Subject: Grüße\n\nÄrger mit Umlauten.\n".encode())

    run = send(smtpsend, server, "--message", str(prepared))

    assert_exit(run, 65)
    assert "8BITMIME" in run.stderr, run.describe()
    assert "MAIL" not in server.verbs(), server.describe()
