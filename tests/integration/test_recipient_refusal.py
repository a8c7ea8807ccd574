"""If any recipient is refused, nothing is sent; 4xx-only refusals are temporary (75), else 67."""

from support import (assert_exit, assert_nothing_delivered, connect_args, envelope_args)

GOOD = ["one@example.test", "two@example.test"]
REFUSED = "nobody@example.test"
DEFERRED = "later@example.test"


def send_to(smtpsend, server, *recipients):
    return smtpsend.run(*connect_args(server, "none", host="127.0.0.1"),
                        *envelope_args(*recipients))


def test_one_refused_recipient_among_several_sends_nothing(smtpsend, start_server):
    server = start_server("plain", refuse=[REFUSED])

    run = send_to(smtpsend, server, GOOD[0], REFUSED, GOOD[1])

    assert_exit(run, 67)
    assert REFUSED in run.stderr, run.describe()
    assert "550" in run.stderr and "Recipient address rejected" in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_only_temporary_refusals_exit_75(smtpsend, start_server):
    server = start_server("plain", tempfail=[DEFERRED])

    run = send_to(smtpsend, server, GOOD[0], DEFERRED)

    assert_exit(run, 75)
    assert DEFERRED in run.stderr and "450" in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_mixed_temporary_and_permanent_refusals_exit_67(smtpsend, start_server):
    server = start_server("plain", refuse=[REFUSED], tempfail=[DEFERRED])

    run = send_to(smtpsend, server, DEFERRED, GOOD[0], REFUSED)

    assert_exit(run, 67)
    assert REFUSED in run.stderr and DEFERRED in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_every_recipient_refused_exits_67(smtpsend, start_server):
    server = start_server("plain", refuse=[REFUSED, "other@example.test"])

    run = send_to(smtpsend, server, REFUSED, "other@example.test")

    assert_exit(run, 67)
    assert_nothing_delivered(server, run)
