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
# What the error says when the server refused our TLS 1.2 and 1.3 (a protocol_version alert).
OLD_TLS_WORDS = "it probably speaks only TLS 1.0 or 1.1"
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


def send(smtpsend, server, pki, tls, *args):
    return run_client(smtpsend, server, "--tls-trust-file", str(pki.ca.cert), "--user", USER,
                      "--auth", "plain", *args, tls=tls, env=PASSWORD_ENV)


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

    # The handshake fails on the version, before any certificate is seen: a protocol error that
    # says what the server probably speaks and both ways out.
    assert_exit_within(run, PROTOCOL, QUICK_SECONDS)
    assert OLD_TLS_WORDS in run.stderr, run.describe()
    assert "ask the server's administrator to enable TLS 1.2 or later" in run.stderr, run.describe()
    assert "--tls-priorities 'NORMAL:+VERS-TLS1.1' at your own risk" in run.stderr, run.describe()
    assert not server.tls_established, server.describe()
    # The server offered the old version and found no overlap: the failure is the version.
    assert "UNSUPPORTED_PROTOCOL" in (server.handshake_error or ""), server.describe()
    assert_nothing_said_inside_tls(server, run)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("priorities", ["NORMAL", "NORMAL:%COMPAT", "PERFORMANCE"])
def test_a_priority_string_that_does_not_name_old_versions_still_refuses_them(
        smtpsend, fault_server, pki, tls, priorities):
    # GnuTLS's NORMAL still enables TLS 1.0 and 1.1 on Debian 12; a user who only wanted to tune
    # ciphers must not get a deprecated version (RFC 8996) without asking for it.
    handshake = StartTls(pki.server.cert, pki.server.key, minimum=ssl.TLSVersion.TLSv1_1,
                         maximum=ssl.TLSVersion.TLSv1_1, ciphers=LEGACY_CIPHERS)
    server = fault_server(server_script(tls, handshake))

    run = send(smtpsend, server, pki, tls, "--tls-priorities", priorities)

    assert_exit_within(run, PROTOCOL, QUICK_SECONDS)
    assert not server.tls_established, server.describe()
    assert OLD_TLS_WORDS in run.stderr, run.describe()
    assert f"--tls-priorities '{priorities}:+VERS-TLS1.1' at your own risk" in run.stderr, (
        run.describe())
    assert_nothing_said_inside_tls(server, run)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("version,name", [(ssl.TLSVersion.TLSv1, "TLS 1.0"),
                                          (ssl.TLSVersion.TLSv1_1, "TLS 1.1")],
                         ids=["tls1.0", "tls1.1"])
def test_a_server_answering_with_an_old_version_is_named_with_that_version(
        smtpsend, fault_server, pki, tls, version, name):
    # Without TLS 1.3 the client sends no supported_versions extension (RFC 8446 §4.2.1), so the
    # server answers with its own newest version, as servers that predate TLS 1.3 always do;
    # GnuTLS then reports only "a packet with illegal or unsupported version".
    handshake = StartTls(pki.server.cert, pki.server.key, minimum=version, maximum=version,
                         ciphers=LEGACY_CIPHERS)
    server = fault_server(server_script(tls, handshake))
    priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.2"

    run = send(smtpsend, server, pki, tls, "--tls-priorities", priorities)

    assert_exit_within(run, PROTOCOL, QUICK_SECONDS)
    assert f"'localhost' answered with {name}, the newest TLS version it speaks" in run.stderr, (
        run.describe())
    assert "did not answer with TLS" not in run.stderr, run.describe()
    keyword = name.replace(" ", "")
    assert f"--tls-priorities '{priorities}:+VERS-{keyword}' at your own risk" in run.stderr, (
        run.describe())
    assert_nothing_said_inside_tls(server, run)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("version,priorities", [
    (ssl.TLSVersion.TLSv1_1, "NORMAL:+VERS-TLS1.1"),
    (ssl.TLSVersion.TLSv1, "NORMAL:+VERS-TLS1.0"),
    (ssl.TLSVersion.TLSv1_1, "NORMAL:+VERS-ALL"),
], ids=["tls1.1", "tls1.0", "vers-all"])
def test_a_priority_string_that_names_an_old_version_may_use_it(smtpsend, fault_server, pki, tls,
                                                                 version, priorities):
    handshake = StartTls(pki.server.cert, pki.server.key, minimum=version, maximum=version,
                         ciphers=LEGACY_CIPHERS)
    server = fault_server(server_script(tls, handshake))

    run = send(smtpsend, server, pki, tls, "--tls-priorities", priorities)

    assert run.returncode == 0, f"{run.describe()}\n{server.describe()}"
    assert server.tls_version == {ssl.TLSVersion.TLSv1: "TLSv1",
                                  ssl.TLSVersion.TLSv1_1: "TLSv1.1"}[version]
    assert server.message is not None
