"""Failures before any SMTP: nothing listening, no such host, a server that never speaks."""

import socket

from support import assert_exit, envelope_args


def test_connection_refused_is_temporary(smtpsend):
    # A bound socket that does not listen: the port is ours (no other test can take it) and the
    # kernel answers a connection attempt with RST.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

        run = smtpsend.run("--server", "127.0.0.1", "--port", str(port), "--tls", "none",
                           *envelope_args())

    assert_exit(run, 75)


def test_unresolvable_host_is_no_host(smtpsend):
    # RFC 2606 §2: .invalid never resolves.
    run = smtpsend.run("--server", "no-such-host.invalid", "--port", "2525", "--tls", "none",
                       *envelope_args())

    assert_exit(run, 68)
    assert "no-such-host.invalid" in run.stderr, run.describe()


def test_silent_server_times_out_as_temporary(smtpsend):
    # The kernel completes the handshake for a listening socket nobody accepts from, so the client
    # connects and then waits for a greeting that never comes.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]

        run = smtpsend.run("--server", "127.0.0.1", "--port", str(port), "--tls", "none",
                           "--timeout", "1", *envelope_args())

    assert_exit(run, 75)
