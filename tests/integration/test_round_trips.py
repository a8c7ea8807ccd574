"""Round trips of a whole send through a real MTA, counted by a delaying proxy.

Every round trip costs a user on a distant network its latency, so the number a send takes is a
promise: it must never grow by accident. The proxy (round_trip_proxy.py) counts the times the
client waited for the server, from the order in which the bytes arrive, not from a clock.
"""

import pytest

from round_trip_proxy import RoundTripProxy
from support import (MESSAGE_WAIT_SECONDS, PASSWORD, RECIPIENT, USER, assert_exit,
                     envelope_args)

# A delay per direction large enough that a flight written at once arrives at once, however the
# machine schedules the client.
ONE_WAY_DELAY_SECONDS = 0.02

# AUTH with PIPELINING, one recipient, from the TCP connect. STARTTLS: connect, greeting, EHLO,
# STARTTLS, TLS handshake, EHLO, AUTH PLAIN with its initial response, then with DATA:
# MAIL+RCPT+DATA, and the message with its final dot and QUIT; with CHUNKING (RFC 3030):
# MAIL+RCPT+BDAT LAST with the whole message+QUIT, one round trip fewer. Implicit TLS: connect,
# TLS handshake, greeting, EHLO, AUTH, then the same.
ROUND_TRIPS = {("starttls", "data"): 9, ("starttls", "bdat"): 8,
               ("smtps", "data"): 7, ("smtps", "bdat"): 6}


@pytest.mark.parametrize("framing", ["data", "bdat"])
@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_auth_and_one_message_cost_the_fewest_round_trips(smtpsend, start_exim, pki, tls,
                                                          framing):
    server, sink = start_exim(implicit_tls=tls == "smtps", chunking=framing == "bdat")
    with RoundTripProxy(server.port, one_way_delay=ONE_WAY_DELAY_SECONDS) as proxy:
        run = smtpsend.run("--server", "localhost", "--port", str(proxy.port), "--tls", tls,
                           "--tls-trust-file", str(pki.ca.cert), "--user", USER,
                           "--auth", "plain", "--trace",
                           *envelope_args(RECIPIENT, subject="Counted"),
                           env={"SMTPSEND_PASSWORD": PASSWORD})
        assert_exit(run, 0)
        sink.wait_for_messages(1, MESSAGE_WAIT_SECONDS)
    assert ("BDAT" in run.stderr) == (framing == "bdat"), run.describe()
    assert proxy.round_trips() == [ROUND_TRIPS[tls, framing]], (
        f"{run.describe()}\n{server.logs()}")
