"""msmtprc keys that behave as msmtp's do: tls_fingerprint as the whole trust (SHA-256, and
SHA-1 with a warning), tls_crl_file, source_ip, connect_timeout, set_from_header on,
undisclosed_recipients on, auto_from with maildomain. Against the recording server, with
certificates and revocation lists made by certtool at test time."""

from __future__ import annotations

import pytest

from certs import (certificate_fingerprint, certificate_sha1_fingerprint, make_crl,
                   make_pinning_pki)
from support import (RECIPIENT, SENDER, ConfiguredClient, assert_exit, assert_nothing_delivered,
                     parse_message, plain_account)

EX_NOPERM = 77
EX_CONFIG = 78
# Loopback, but not the address the server listens on: the kernel routes all of 127/8 here.
OTHER_LOOPBACK = "127.0.0.2"
# TEST-NET-1 (RFC 5737): never an address of this host.
FOREIGN_ADDRESS = "192.0.2.77"

CRON_MESSAGE = ("From: root\n"
                "To: other@example.test\n"
                "Cc: copy@example.test\n"
                "Bcc: hidden@example.test\n"
                "Subject: cron output\n"
                "\n"
                "job done\n")


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


def pinned_account(server, pin: str, extra: str = "") -> str:
    """STARTTLS to `server` by a name its certificate may not list, trusting only `pin`."""
    return ("account default\n"
            "host 127.0.0.1\n"
            f"port {server.port}\n"
            "tls on\n"
            f"tls_fingerprint {pin}\n"
            f"from {SENDER}\n"
            f"{extra}")


# -- tls_fingerprint: the pin is the trust ------------------------------------------------------

@pytest.mark.parametrize("certificate", ["wrong_name_server", "expired_server"])
def test_pin_alone_trusts_a_certificate_with_another_name_or_out_of_date(client, start_server,
                                                                         pki, certificate):
    pair = getattr(pki, certificate)
    server = start_server("starttls", cert=pair)
    client.write_config(pinned_account(server, certificate_fingerprint(pair.cert)))

    run = client.run("--trace", RECIPIENT)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.in_tls
    assert "by its pin alone (no CA, host name or dates checked)" in run.stderr, run.describe()


def test_pin_of_another_certificate_is_refused_even_with_a_trusted_ca(client, start_server, pki,
                                                                      tmp_path):
    server = start_server("starttls")
    other = make_pinning_pki(tmp_path / "other").self_signed
    client.write_config(pinned_account(server, certificate_fingerprint(other.cert),
                                       f"tls_trust_file {pki.ca.cert}\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_NOPERM)
    assert "matches no pin" in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_sha1_pin_is_accepted_with_a_warning_giving_the_sha256_pin(client, start_server, pki):
    server = start_server("starttls", cert=pki.self_signed_server)
    client.write_config(pinned_account(server,
                                       certificate_sha1_fingerprint(pki.self_signed_server.cert)))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert len(server.messages) == 1
    expected = f"tls_fingerprint {certificate_fingerprint(pki.self_signed_server.cert)}"
    assert "SHA-1" in run.stderr and expected in run.stderr, run.describe()


def test_md5_pin_is_still_refused(client, start_server, pki):
    server = start_server("starttls", cert=pki.self_signed_server)
    client.write_config(pinned_account(server, ":".join(["AB"] * 16)))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert "MD5" in run.stderr, run.describe()
    assert server.connections == 0


# -- tls_crl_file ----------------------------------------------------------------------------------

def crl_account(server, pki, crl) -> str:
    return ("account default\n"
            "host localhost\n"
            f"port {server.port}\n"
            "tls on\n"
            f"tls_trust_file {pki.ca.cert}\n"
            f"tls_crl_file {crl}\n"
            f"from {SENDER}\n")


def test_revoked_server_certificate_exits_77_saying_it_is_revoked(client, start_server, pki,
                                                                  tmp_path):
    server = start_server("starttls")
    crl = make_crl(tmp_path, "revoking-server", pki.ca, [pki.server])
    client.write_config(crl_account(server, pki, crl))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_NOPERM)
    assert "it has been revoked" in run.stderr, run.describe()
    assert_nothing_delivered(server, run)


def test_crl_that_lists_other_certificates_lets_the_server_through(client, start_server, pki,
                                                                   tmp_path):
    server = start_server("starttls")
    crl = make_crl(tmp_path, "revoking-other", pki.ca, [pki.wrong_name_server])
    client.write_config(crl_account(server, pki, crl))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert len(server.messages) == 1


def test_crl_file_that_is_no_crl_is_a_config_error(client, start_server, pki):
    server = start_server("starttls")
    client.write_config(crl_account(server, pki, pki.ca.cert))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert "tls_crl_file" in run.stderr, run.describe()


# -- source_ip and connect_timeout ------------------------------------------------------------------

def test_source_ip_is_the_address_the_server_sees(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, extra=f"source_ip {OTHER_LOOPBACK}\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.peer_host == OTHER_LOOPBACK, run.describe()


def test_source_ip_not_of_this_host_is_a_clear_config_error(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, extra=f"source_ip {FOREIGN_ADDRESS}\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert f"source_ip {FOREIGN_ADDRESS}" in run.stderr, run.describe()
    assert "not an address of this host" in run.stderr, run.describe()
    assert server.connections == 0


def test_connect_timeout_is_accepted_and_delivers(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, extra="connect_timeout 5\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert len(server.messages) == 1


# -- sendmail mode: the From and To fields -------------------------------------------------------------

def test_set_from_header_on_replaces_the_from_field_with_the_sender(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, extra="set_from_header on\n"))

    run = client.run("--sendmail", "-F", "Cron Daemon", "-t", body=CRON_MESSAGE)

    assert_exit(run, 0)
    [received] = server.messages
    message = parse_message(received.raw)
    assert message.get_all("From") == [f"Cron Daemon <{SENDER}>"], received.raw.decode()


def test_undisclosed_recipients_hides_to_cc_and_bcc_but_delivers_to_them(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, extra="undisclosed_recipients on\n"))

    run = client.run("--sendmail", "-t", "-f", SENDER, "another@example.test",
                     body=CRON_MESSAGE)

    assert_exit(run, 0)
    [received] = server.messages
    assert sorted(received.rcpt_tos) == sorted(["another@example.test", "other@example.test",
                                                "copy@example.test", "hidden@example.test"])
    message = parse_message(received.raw)
    assert message.get_all("To") == ["undisclosed-recipients:;"], received.raw.decode()
    assert message.get_all("Cc") is None and message.get_all("Bcc") is None
    assert message["From"] == "root"


def test_auto_from_sends_as_user_at_maildomain(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, extra="auto_from on\nmaildomain mail.example.test\n"))

    run = client.run(RECIPIENT, env={"USER": "ann"})

    assert_exit(run, 0)
    [received] = server.messages
    assert received.mail_from == "ann@mail.example.test", run.describe()
