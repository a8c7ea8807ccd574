"""Certificates the client must refuse, and TLS versions it must not speak.

A certificate that has expired, that no trusted CA issued, or that names another host is a
failed verification (77) whatever else the server does; the client says nothing inside such a
connection (no EHLO, no AUTH). A server that only speaks TLS 1.0 or 1.1 (RFC 8996 deprecates
both) gets no dialog either.
"""

import ssl

import pytest

from fault_server import (FaultServers, StartTls, assert_exit_within, assert_no_body_sent,
                          assert_no_secret_leaked, dialog, implicit_tls_dialog, run_client)
from support import PASSWORD, USER

PASSWORD_ENV = {"SMTPSEND_PASSWORD": PASSWORD}
QUICK_SECONDS = 3.0
PERMISSION = 77
PROTOCOL = 76
# OpenSSL 3 speaks TLS 1.0/1.1 only at security level 0.
LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"
BAD_CERTIFICATES = {
    "expired": lambda pki: pki.expired_server,
    "self-signed": lambda pki: pki.self_signed_server,
    "wrong-host-name": lambda pki: pki.wrong_name_server,
}
# What the error must name so the user knows what is wrong with the certificate.
BAD_CERTIFICATE_WORDS = {"expired": "expired", "self-signed": "", "wrong-host-name": "localhost"}


@pytest.fixture
def fault_server():
    with FaultServers() as start:
        yield start


def server_script(tls: str, handshake: StartTls) -> list:
    if tls == "smtps":
        return implicit_tls_dialog(handshake, auth=True).all()
    return dialog(starttls=handshake, auth=True).all()


def send(smtpsend, server, pki, tls):
    return run_client(smtpsend, server, "--tls-trust-file", str(pki.ca.cert), "--user", USER,
                      "--auth", "plain", tls=tls, env=PASSWORD_ENV)


def assert_nothing_said_inside_tls(server, run) -> None:
    assert server.verbs(in_tls=True) == [], (
        f"the client talked inside an unverified connection\n{server.describe()}\n"
        f"{run.describe()}")
    assert "AUTH" not in server.verbs() and "MAIL" not in server.verbs(), server.describe()
    assert_no_body_sent(server, run)
    assert_no_secret_leaked(server, run)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3],
                         ids=["tls1.2", "tls1.3"])
def test_a_trusted_certificate_over_current_tls_delivers(smtpsend, fault_server, pki, tls,
                                                         version):
    # The control for this file: the same scripts with a good certificate and TLS 1.2 or 1.3.
    handshake = StartTls(pki.server.cert, pki.server.key, minimum=version, maximum=version)
    server = fault_server(server_script(tls, handshake))

    run = send(smtpsend, server, pki, tls)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.tls_version == {ssl.TLSVersion.TLSv1_2: "TLSv1.2",
                                  ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
    assert server.message is not None


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("certificate", list(BAD_CERTIFICATES))
def test_a_certificate_that_fails_verification_stops_the_client(smtpsend, fault_server, pki, tls,
                                                                certificate):
    keypair = BAD_CERTIFICATES[certificate](pki)
    server = fault_server(server_script(tls, StartTls(keypair.cert, keypair.key)))

    run = send(smtpsend, server, pki, tls)

    assert_exit_within(run, PERMISSION, QUICK_SECONDS)
    assert BAD_CERTIFICATE_WORDS[certificate] in run.stderr, run.describe()
    assert_nothing_said_inside_tls(server, run)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1],
                         ids=["tls1.0", "tls1.1"])
def test_a_server_with_only_deprecated_tls_gets_no_dialog(smtpsend, fault_server, pki, tls,
                                                          version):
    handshake = StartTls(pki.server.cert, pki.server.key, minimum=version, maximum=version,
                         ciphers=LEGACY_CIPHERS)
    server = fault_server(server_script(tls, handshake))

    run = send(smtpsend, server, pki, tls)

    # The handshake fails on the version, before any certificate is seen: a protocol error.
    assert_exit_within(run, PROTOCOL, QUICK_SECONDS)
    assert "TLS 1.2" in run.stderr, run.describe()
    assert not server.tls_established, server.describe()
    # The server offered the old version and found no overlap: the failure is the version.
    assert "UNSUPPORTED_PROTOCOL" in (server.handshake_error or ""), server.describe()
    assert_nothing_said_inside_tls(server, run)
