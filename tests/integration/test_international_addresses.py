"""International addresses: IDNA domains need nothing of the server; UTF-8 local parts need
SMTPUTF8 (RFC 6531), and without it the message is refused before MAIL FROM."""

from support import (SENDER, assert_exit, assert_nothing_delivered, connect_args, parse_message)
from smtp_server import TestSmtpServer


class ServerWithoutSmtputf8(TestSmtpServer):
    def _smtp_parameters(self) -> dict:
        parameters = super()._smtp_parameters()
        parameters["enable_SMTPUTF8"] = False
        return parameters


def test_non_ascii_domain_is_sent_as_its_ascii_form(smtpsend, start_server):
    server = start_server("plain")

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER,
                       "-t", "Jürgen <juergen@bücher.example>", "-s", "IDN")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["juergen@xn--bcher-kva.example"]
    assert "SMTPUTF8" not in [option.upper() for option in received.mail_options]
    message = parse_message(received.raw)
    assert message["To"].addresses[0].addr_spec == "juergen@xn--bcher-kva.example"
    assert message["To"].addresses[0].display_name == "Jürgen"


def test_utf8_local_part_uses_smtputf8_when_offered(smtpsend, start_server):
    server = start_server("plain")

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER,
                       "-t", "josé@example.test", "-s", "UTF-8 mailbox")

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["josé@example.test"]
    assert "SMTPUTF8" in [option.upper() for option in received.mail_options]
    assert "BODY=8BITMIME" in [option.upper() for option in received.mail_options]


def test_utf8_local_part_is_refused_when_the_server_lacks_smtputf8(smtpsend, tmp_path, pki):
    server = ServerWithoutSmtputf8("plain", tmp_path / "store", users=None, refuse=(),
                                   tempfail=(), cert=pki.server.cert, key=pki.server.key)
    server.start()
    try:
        run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", SENDER,
                           "-t", "josé@example.test", "-s", "UTF-8 mailbox")

        assert_exit(run, 65)
        assert "SMTPUTF8" in run.stderr, run.describe()
        assert_nothing_delivered(server, run)
        assert "MAIL" not in [command.verb for command in server.commands]
    finally:
        server.stop()
