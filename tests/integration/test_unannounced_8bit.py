"""8-bit data read from standard input never goes to a server that did not announce 8BITMIME.

A prepared message on standard input (sendmail mode, --message -) is only known to be 8-bit once
it is read; by then MAIL has gone out. The send must stop before the final dot, so that the
server delivers nothing (RFC 6152 §3), and say why.
"""

import pytest

from fault_server import Expect, FaultServers, ReadBody, dialog, ehlo_reply, reply

DATA_ERROR = 65
MESSAGE = ("From: alice@example.test\nTo: bob@example.test\nSubject: caf\u00e9\n\n"
           "Gr\u00fc\u00dfe aus K\u00f6ln.\n").encode("utf-8")


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


@pytest.mark.parametrize("mode", [["--sendmail", "-t"], ["--message", "-"]])
def test_8bit_on_standard_input_stops_before_the_final_dot(smtpsend, fault_server, mode):
    without_8bitmime = [Expect("EHLO"), ehlo_reply(["PIPELINING"])]
    server = fault_server(dialog().replacing("ehlo", without_8bitmime)[:-2] + [ReadBody(),
                                                                               reply("250 ok")])

    # The server comes from the default configuration file: sendmail mode has no --server.
    config = smtpsend.home / ".config" / "smtpsend" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"host localhost\nport {server.port}\ntls off\nfrom alice@example.test\n",
                      encoding="utf-8")
    recipients = [] if mode[0] == "--sendmail" else ["-t", "bob@example.test"]
    run = smtpsend.run(*mode, *recipients, body=MESSAGE)
    server.settle()

    assert run.returncode == DATA_ERROR, run.describe()
    assert "8BITMIME" in run.stderr and "the message was not sent" in run.stderr, run.describe()
    assert server.message is None, "the final dot went out: the server would deliver it"
    assert b"\xc3" not in server.received(), "8-bit bytes reached the server"
