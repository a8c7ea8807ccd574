"""Recipient limits (RFC 5321 §4.5.3.1.10) through a real MTA: Exim with `recipients_max = 1000`
answers 452 past the thousandth RCPT; smtpsend sends those recipients the same message in a
further transaction on the same connection. Every one of 1,100 recipients gets exactly one copy,
and the program exits 0.

Exim must be installed (Debian package exim4-daemon-light); CI installs it, so its absence is a
failure, not a skip.
"""

from collections import Counter

import pytest

from support import (MESSAGE_WAIT_SECONDS, PASSWORD, SENDER, USER, all_defects, assert_exit,
                     parse_message, text_body)

RECIPIENT_COUNT = 1100
LIMIT = 1000
BODY = "One message, many recipients.\n.a dotted line\n"


@pytest.fixture
def limited_exim(start_exim):
    """(exim, sink): Exim taking at most LIMIT recipients per transaction, relaying to `sink`."""
    return start_exim(recipients_max=LIMIT)


def test_recipients_past_the_limit_get_the_message_in_a_further_transaction(smtpsend,
                                                                            limited_exim, pki):
    exim, sink = limited_exim
    recipients = [f"r{n:04d}@example.test" for n in range(RECIPIENT_COUNT)]
    args = ["--server", "localhost", "--port", str(exim.port), "--tls", "starttls",
            "--tls-trust-file", str(pki.ca.cert), "--user", USER, "--trace",
            "-f", SENDER, "-s", "Many recipients", "-t", recipients[0]]
    for recipient in recipients[1:]:
        args += ["-b", recipient]

    run = smtpsend.run(*args, body=BODY, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert "452" in run.stderr, "Exim never reached its limit:\n" + run.stderr[-2000:]
    assert run.stderr.count("] ~> MAIL FROM:") == 2, run.stderr[-2000:]
    # Exim relays in batches of its own: wait (on the sink's condition, bounded) until as many
    # recipients' copies arrived as were sent, then count them.
    def recipients_arrived() -> int:
        return sum(len(received.rcpt_tos) for received in sink.messages)

    while recipients_arrived() < RECIPIENT_COUNT:
        try:
            sink.wait_for_messages(len(sink.messages) + 1, MESSAGE_WAIT_SECONDS)
        except TimeoutError:
            pytest.fail(f"{recipients_arrived()} of {RECIPIENT_COUNT} recipients arrived\n"
                        f"{exim.logs()}")
    copies: Counter = Counter()
    message_ids = set()
    bodies = set()
    for received in sink.messages:
        copies.update(received.rcpt_tos)
        message = parse_message(received.raw)
        assert all_defects(message) == []
        assert "Bcc" not in message
        message_ids.add(str(message["Message-ID"]))
        bodies.add(text_body(message))
    assert set(copies) == set(recipients)
    assert all(count == 1 for count in copies.values()), copies.most_common(3)
    # The same message both times: one Message-ID, one body.
    assert len(message_ids) == 1, message_ids
    assert bodies == {BODY}
