"""What smtpsend does when a server misbehaves or is slow, seen from the outside."""

import pytest

from scripted_server import CLOSE, ScriptedServer, plain_dialog, reply
from support import assert_exit, envelope_args

WAIT_SECONDS = 20


@pytest.fixture
def scripted():
    servers = []

    def start(script):
        server = ScriptedServer(script).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def send(smtpsend, server, *extra):
    envelope = ["-f", "alice@example.test", "-t", "bob@example.test"]
    if "--message" not in extra:
        envelope = envelope_args()
    return smtpsend.run("--server", "127.0.0.1", "--port", str(server.port), "--tls", "none",
                        *envelope, *extra)


def test_a_slow_reply_to_the_final_dot_is_waited_for_beyond_the_timeout(smtpsend, scripted):
    server = scripted(plain_dialog(reply("250 2.0.0 queued as 42", delay=2.5)))

    run = send(smtpsend, server, "--timeout", "1")

    assert_exit(run, 0)
    assert server.message is not None and b"Hello." in server.message


def test_a_2xx_other_than_250_after_the_dot_is_not_a_success(smtpsend, scripted):
    server = scripted(plain_dialog(reply("221 2.0.0 closing"), after_final=[]))

    run = send(smtpsend, server)

    assert_exit(run, 76)
    assert "250" in run.stderr and "may" in run.stderr, run.describe()


def test_connection_lost_after_the_dot_says_the_message_may_have_been_delivered(smtpsend,
                                                                                  scripted):
    server = scripted(plain_dialog(CLOSE, after_final=[]))

    run = send(smtpsend, server)

    assert_exit(run, 74)
    assert "may have been delivered" in run.stderr, run.describe()
    assert "not sent" not in run.stderr, run.describe()


def test_control_sequences_in_a_server_reply_do_not_reach_the_terminal(smtpsend, scripted):
    server = scripted([
        ("", reply("220 scripted.test ESMTP")),
        ("EHLO", reply("250 scripted.test")),
        ("MAIL", reply("250 Ok")),
        ("RCPT", reply(b"550 5.1.1 \x1b]0;pwned\x07\x1b[2Jno such user \xc2\x9b31m")),
        ("QUIT", reply("221 Bye")),
    ])

    run = send(smtpsend, server)

    assert_exit(run, 67)
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr and "\x9b" not in run.stderr
    assert "no such user" in run.stderr and "\\x1b" in run.stderr, run.describe()


def test_an_ehlo_name_that_would_inject_a_command_is_refused_before_connecting(smtpsend,
                                                                                 scripted):
    server = scripted(plain_dialog(reply("250 Ok")))

    run = send(smtpsend, server, "--ehlo", "foo\r\nMAIL FROM:<injected@example.test>")

    assert_exit(run, 64)
    assert "--ehlo" in run.stderr
    assert not server.connected.is_set(), "it connected with an invalid EHLO name"


def test_an_8bit_prepared_message_is_refused_by_a_server_without_8bitmime(smtpsend, scripted,
                                                                         tmp_path):
    server = scripted([
        ("", reply("220 scripted.test ESMTP")),
        ("EHLO", reply("250-scripted.test", "250 SIZE 100000")),
        ("QUIT", reply("221 Bye")),
    ])
    prepared = tmp_path / "latin.eml"
    prepared.write_bytes("Subject: Grüße\n\nÄrger mit Umlauten.\n".encode())

    run = send(smtpsend, server, "--message", str(prepared))

    assert_exit(run, 65)
    assert "8BITMIME" in run.stderr, run.describe()
    assert not any(line.upper().startswith(b"MAIL") for line in server.client_lines)
