"""Pinned certificates (--tls-fingerprint), GnuTLS priority strings (--tls-priorities) and client
certificates (--tls-cert, --tls-key), against the recording server."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from certs import (PinningPki, certificate_fingerprint, make_pinning_pki,
                   public_key_fingerprint)
from smtp_server import TestSmtpServer
from support import assert_exit, assert_nothing_delivered, connect_args, envelope_args

TLS13_ONLY = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
# Not a GnuTLS keyword: the priority string must be refused where it stands.
BOGUS_PRIORITY_ELEMENT = "+NO-SUCH-CIPHER"


@pytest.fixture(scope="module")
def pinning_pki(tmp_path_factory) -> PinningPki:
    return make_pinning_pki(tmp_path_factory.mktemp("pinning-pki"))


def assert_nothing_after_the_handshake(server: TestSmtpServer, mode: str, run) -> None:
    if mode == "smtps":
        assert server.commands == [], f"commands after a refused handshake: {server.commands}"
    else:
        assert server.verbs(in_tls=True) == [], (
            f"commands after a refused handshake: {server.commands}\n{run.describe()}")
    assert_nothing_delivered(server, run)


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
@pytest.mark.parametrize("pinned", ["certificate", "public-key", "msmtp-form"])
def test_pin_trusts_a_self_signed_certificate_without_a_trust_file(smtpsend, start_server,
                                                                   pinning_pki, mode, pinned):
    server = start_server(mode, cert=pinning_pki.self_signed)
    cert = pinning_pki.self_signed.cert
    if pinned == "certificate":
        pin = certificate_fingerprint(cert)
    elif pinned == "public-key":
        pin = public_key_fingerprint(cert)
    else:  # msmtp's spelling: upper-case bytes separated by colons, no prefix
        digits = certificate_fingerprint(cert).removeprefix("sha256:").upper()
        pin = ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))

    run = smtpsend.run(*connect_args(server, mode), "--tls-fingerprint", pin, *envelope_args())

    assert_exit(run, 0)
    [received] = server.messages
    assert received.in_tls


def test_trace_shows_both_fingerprints(smtpsend, start_server, pki):
    server = start_server("starttls")

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--trace",
                       *envelope_args())

    assert_exit(run, 0)
    assert f"TLS certificate fingerprint: {certificate_fingerprint(pki.server.cert)}" in run.stderr
    assert f"TLS public key fingerprint: {public_key_fingerprint(pki.server.cert)}" in run.stderr


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_wrong_pin_exits_77_with_both_fingerprints(smtpsend, start_server, pki, pinning_pki,
                                                   mode):
    server = start_server(mode, cert=pinning_pki.self_signed)
    # The pin of another certificate; the trust file would not vouch for this one either.
    wrong_pin = certificate_fingerprint(pki.server.cert)

    run = smtpsend.run(*connect_args(server, mode), "--tls-fingerprint", wrong_pin,
                       *envelope_args())

    assert_exit(run, 77)
    assert certificate_fingerprint(pinning_pki.self_signed.cert) in run.stderr, run.describe()
    assert public_key_fingerprint(pinning_pki.self_signed.cert) in run.stderr, run.describe()
    assert_nothing_after_the_handshake(server, mode, run)


def test_pin_alone_decides_whatever_the_host_name(smtpsend, start_server, pki):
    server = start_server("starttls", cert=pki.wrong_name_server)

    run = smtpsend.run(*connect_args(server, "starttls"), "--tls-fingerprint",
                       certificate_fingerprint(pki.wrong_name_server.cert), "--trace",
                       *envelope_args())

    assert_exit(run, 0)
    assert "by its pin alone (no CA, host name or dates checked)" in run.stderr, run.describe()
    [received] = server.messages
    assert received.in_tls


def test_malformed_pin_is_a_usage_error(smtpsend, start_server, pinning_pki):
    server = start_server("starttls", cert=pinning_pki.self_signed)
    sha1_length = "sha256:" + "ab" * 20

    run = smtpsend.run(*connect_args(server, "starttls"), "--tls-fingerprint", sha1_length,
                       *envelope_args())

    assert_exit(run, 64)
    assert sha1_length in run.stderr and "SHA-256" in run.stderr, run.describe()
    assert_nothing_after_the_handshake(server, "starttls", run)


def test_tls13_only_priority_string_delivers_over_tls13(smtpsend, start_server, pki):
    server = start_server("starttls")

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert),
                       "--tls-priorities", TLS13_ONLY, "--trace", *envelope_args())

    assert_exit(run, 0)
    assert "TLS1.3" in run.stderr, run.describe()
    assert "TLS1.2" not in run.stderr, run.describe()
    [received] = server.messages
    assert received.in_tls


def test_bogus_priority_string_exits_78_quoting_it(smtpsend, start_server, pki):
    server = start_server("starttls")
    priorities = f"NORMAL:{BOGUS_PRIORITY_ELEMENT}"

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert),
                       "--tls-priorities", priorities, *envelope_args())

    assert_exit(run, 78)
    assert f"('{BOGUS_PRIORITY_ELEMENT}')" in run.stderr, run.describe()
    assert "--tls-priorities" in run.stderr, run.describe()
    assert_nothing_after_the_handshake(server, "starttls", run)


# -- Client certificates -------------------------------------------------------------------------

class ClientCertificateServer(TestSmtpServer):
    """The recording server whose TLS requires a client certificate issued by `client_ca`."""

    __test__ = False

    def __init__(self, mode: str, store_dir: Path, *, client_ca: Path, cert: Path, key: Path):
        super().__init__(mode, store_dir, cert=cert, key=key)
        # The server's own TLS context, made by TestSmtpServer, told to ask for and verify one.
        self._tls_context.verify_mode = ssl.CERT_REQUIRED
        self._tls_context.load_verify_locations(cafile=str(client_ca))


@pytest.fixture(params=["starttls", "smtps"])
def client_certificate_server(request, tmp_path, pki, pinning_pki):
    server = ClientCertificateServer(request.param, tmp_path / "store-client-cert",
                                     client_ca=pinning_pki.client_ca.cert, cert=pki.server.cert,
                                     key=pki.server.key)
    server.start()
    yield server
    server.stop()


def test_server_requiring_a_client_certificate_refuses_a_client_without_one(
        smtpsend, client_certificate_server, pki):
    server = client_certificate_server

    run = smtpsend.run(*connect_args(server, server.mode, trust_file=pki.ca.cert),
                       *envelope_args())

    assert_exit(run, 77)
    assert "--tls-cert" in run.stderr, run.describe()
    assert_nothing_after_the_handshake(server, server.mode, run)


@pytest.mark.parametrize("files", ["separate", "one-file"])
def test_server_requiring_a_client_certificate_takes_ours(smtpsend, client_certificate_server,
                                                          pki, pinning_pki, tmp_path, files):
    server = client_certificate_server
    client = pinning_pki.client
    if files == "separate":
        client_args = ["--tls-cert", str(client.cert), "--tls-key", str(client.key)]
    else:
        both = tmp_path / "client-and-key.pem"
        both.write_bytes(client.cert.read_bytes() + client.key.read_bytes())
        client_args = ["--tls-cert", str(both)]

    run = smtpsend.run(*connect_args(server, server.mode, trust_file=pki.ca.cert), *client_args,
                       "--trace", *envelope_args())

    assert_exit(run, 0)
    assert "TLS client certificate sent: 'CN=smtpsend test client" in run.stderr, run.describe()
    [received] = server.messages
    assert received.in_tls


def test_missing_client_key_exits_66(smtpsend, start_server, pki, pinning_pki, tmp_path):
    server = start_server("starttls")
    missing = tmp_path / "missing.key"

    run = smtpsend.run(*connect_args(server, "starttls", trust_file=pki.ca.cert), "--tls-cert",
                       str(pinning_pki.client.cert), "--tls-key", str(missing), *envelope_args())

    assert_exit(run, 66)
    assert str(missing) in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_client_certificate_the_server_does_not_trust_is_named(smtpsend, client_certificate_server,
                                                               pki):
    server = client_certificate_server
    # Issued by a CA the client-certificate server does not trust. Python's TLS server hangs up
    # without an alert, so the client can only say what it sent.
    stranger = pki.other_ca_server

    run = smtpsend.run(*connect_args(server, server.mode, trust_file=pki.ca.cert), "--tls-cert",
                       str(stranger.cert), "--tls-key", str(stranger.key), *envelope_args())

    assert_exit(run, 74)
    assert "it may not have accepted ours, 'CN=localhost" in run.stderr, run.describe()
    assert_nothing_after_the_handshake(server, server.mode, run)
