"""SCRAM-*-PLUS with real TLS channel binding, end to end.

The client's binding comes from GnuTLS; the server's SCRAM (scram_server.py) is our own, on
Python's hashlib/hmac, and takes its binding from its own TLS session in OpenSSL. No Debian server
offers -PLUS (Dovecot 2.3.19 does not), so this is where channel binding is proved, on both TLS
versions: on TLS 1.3 the client must bind with tls-exporter (RFC 9266), on TLS 1.2 (a server that
speaks no more) with tls-unique (RFC 5929).

A TLS-terminating man in the middle (tls_mitm_proxy.py) with a certificate the client trusts
shows what -PLUS is for: plain SCRAM goes through it unnoticed, -PLUS does not, and neither does a
downgrade that hides -PLUS from the client.
"""

from __future__ import annotations

import base64
import ssl

import pytest

from certs import KeyPair, _make_server
from scram_server import (ALL_SCRAM_MECHANISMS, FINAL_NO_SIGNATURE, FINAL_SIGNATURE,
                          FINAL_WRONG_SIGNATURE, ScramPolicy)
from smtp_server import TestSmtpServer
from support import (PASSWORD, USER, assert_exit, assert_nothing_delivered, connect_args,
                     envelope_args, parse_message, secret_spellings, text_body)
from tls_mitm_proxy import TlsMitmProxy

BODY = "Sent with SCRAM and channel binding.\n"
NO_PLUS = ("SCRAM-SHA-1", "SCRAM-SHA-256")
TLS_MODES = ("starttls", "smtps")
# The highest TLS version the server speaks -> the binding the client must use.
TLS_VERSIONS = {"TLS1.3": (None, "tls-exporter"), "TLS1.2": (ssl.TLSVersion.TLSv1_2, "tls-unique")}
# RFC 5802 §6 wants "y" from a client that can bind but sees no -PLUS. Debian 12's libgsasl 2.2.0
# cannot send it: its SCRAM client without -PLUS fails the first step (GSASL_AUTHENTICATION_ERROR)
# whenever a channel binding property is set, so the client must leave the binding out and send
# "n". Strict: the day GNU SASL sends "y", these fail and the marker goes.
# RFC 5802 §6 has a client that could bind, but sees no -PLUS offered, send the gs2 flag "y", so
# that a server that did offer -PLUS notices the offer was tampered with. Debian 12's GNU SASL
# (2.2.0) fails plain SCRAM whenever it is given a binding, so the client sends "n" there: the
# tests below pin that, and that naming -PLUS is how a user insists on the binding.


@pytest.fixture(scope="module")
def mitm_cert(pki, tmp_path_factory) -> KeyPair:
    """A second "localhost" certificate from the CA the client trusts: a mis-issued one."""
    return _make_server(tmp_path_factory.mktemp("mitm-pki"), "mitm", pki.ca, "localhost",
                        ["localhost"], ["127.0.0.1"])


@pytest.fixture
def start_scram_server(tmp_path, pki):
    """start(mode, mechanisms=..., final=..., tls="TLS1.3") -> (server, policy): the recording
    server with USER/PASSWORD for PLAIN, LOGIN and the SCRAM mechanisms given."""
    servers: list[TestSmtpServer] = []

    def start(mode: str, *, mechanisms=ALL_SCRAM_MECHANISMS, final: str = FINAL_SIGNATURE,
              tls: str = "TLS1.3"):
        policy = ScramPolicy(mechanisms, final=final)
        server = TestSmtpServer(mode, tmp_path / f"store-{len(servers) + 1}",
                                users={USER: PASSWORD}, cert=pki.server.cert, key=pki.server.key,
                                scram=policy, tls_maximum_version=TLS_VERSIONS[tls][0])
        server.start()
        servers.append(server)
        return server, policy

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def start_mitm(pki, mitm_cert):
    """start(server, mode, strip_plus=False, tls="TLS1.3") -> proxy in front of `server`."""
    proxies: list[TlsMitmProxy] = []

    def start(server: TestSmtpServer, mode: str, *, strip_plus: bool = False,
              tls: str = "TLS1.3") -> TlsMitmProxy:
        proxy = TlsMitmProxy(mode, server.port, cert=mitm_cert.cert, key=mitm_cert.key,
                             upstream_ca=pki.ca.cert, strip_plus=strip_plus,
                             tls_maximum_version=TLS_VERSIONS[tls][0])
        proxy.start()
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.stop()


def send(smtpsend, pki, endpoint, mode: str, auth: str):
    """smtpsend through `endpoint` (a server or a proxy) with USER/PASSWORD and `--auth auth`."""
    return smtpsend.run(*connect_args(endpoint, mode, trust_file=pki.ca.cert), "--user", USER,
                        "--auth", auth, "--trace", *envelope_args(), body=BODY,
                        env={"SMTPSEND_PASSWORD": PASSWORD})


def assert_delivered(server: TestSmtpServer, run) -> None:
    [received] = server.messages
    assert received.auth_user == USER and received.in_tls, run.describe()
    assert text_body(parse_message(received.raw)) == BODY


def assert_refused_before_mail(server: TestSmtpServer, run) -> None:
    """Exit 77 (authentication failed) and nothing after AUTH but QUIT."""
    assert_exit(run, 77)
    assert_nothing_delivered(server, run)
    assert "AUTH" in server.verbs(), f"no AUTH reached the server\n{run.describe()}"
    after_auth = server.verbs()[server.verbs().index("AUTH") + 1:]
    assert set(after_auth) <= {"QUIT"}, f"sent after AUTH: {after_auth}\n{run.describe()}"


def assert_trace_keeps_secrets(trace: str, exchange) -> None:
    """No password, no SCRAM response and no channel-binding data, in any spelling, in the trace."""
    binding = exchange.binding
    assert binding, "the server recorded no channel binding"
    forbidden = [*secret_spellings(), binding.hex(), binding.hex().upper(),
                 base64.b64encode(binding).decode("ascii")]
    # The client's final message carries c= (GS2 header + binding) and the proof.
    forbidden += [response for response in exchange.client_responses[1:] if response]
    for spelling in forbidden:
        assert spelling not in trace, f"the trace contains {spelling!r}:\n{trace}"


# -- -PLUS delivers, bound with GnuTLS's tls-exporter or tls-unique ------------------------------

@pytest.mark.parametrize("tls", TLS_VERSIONS)
@pytest.mark.parametrize("mode", TLS_MODES)
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"])
def test_plus_mechanism_binds_to_the_tls_session_and_delivers(smtpsend, start_scram_server, pki,
                                                              mode, mechanism, tls):
    server, policy = start_scram_server(mode, tls=tls)

    run = send(smtpsend, pki, server, mode, mechanism)

    assert_exit(run, 0)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.cbind_flag, exchange.user, exchange.success) == (
        mechanism, f"p={TLS_VERSIONS[tls][1]}", USER, True), exchange
    assert exchange.answer_to_final == "empty", "RFC 4954 §4: an empty answer to the final 334"
    assert_delivered(server, run)
    assert f"AUTH {mechanism}" in run.stderr, f"the trace names no mechanism:\n{run.stderr}"
    assert_trace_keeps_secrets(run.stderr, exchange)


@pytest.mark.parametrize("tls", TLS_VERSIONS)
@pytest.mark.parametrize("mode", TLS_MODES)
def test_auto_prefers_scram_sha_256_plus_when_offered(smtpsend, start_scram_server, pki, mode,
                                                      tls):
    server, policy = start_scram_server(mode, tls=tls)  # also PLAIN, LOGIN, the other SCRAMs

    run = send(smtpsend, pki, server, mode, "on")

    assert_exit(run, 0)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.cbind_flag, exchange.success) == (
        "SCRAM-SHA-256-PLUS", f"p={TLS_VERSIONS[tls][1]}", True), exchange
    assert server.auth_attempts == [], "PLAIN or LOGIN was tried as well"
    assert_delivered(server, run)


@pytest.mark.parametrize("mode", TLS_MODES)
def test_auto_without_plus_on_offer_picks_scram_sha_256(smtpsend, start_scram_server, pki, mode):
    server, policy = start_scram_server(mode, mechanisms=NO_PLUS)

    run = send(smtpsend, pki, server, mode, "on")

    assert_exit(run, 0)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.success) == ("SCRAM-SHA-256", True), exchange
    assert server.auth_attempts == [], "PLAIN or LOGIN was tried as well"
    assert_delivered(server, run)


def test_auto_without_plus_on_offer_says_n(smtpsend, start_scram_server, pki):
    # "y" would be RFC 5802 §6's answer; see the note at the top for why it is "n".
    server, policy = start_scram_server("starttls", mechanisms=NO_PLUS)

    run = send(smtpsend, pki, server, "starttls", "on")

    assert_exit(run, 0)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.cbind_flag, exchange.success) == (
        "SCRAM-SHA-256", "n", True), exchange


@pytest.mark.parametrize("mechanism", NO_PLUS)
def test_plain_scram_chosen_by_name_works_beside_plus(smtpsend, start_scram_server, pki,
                                                      mechanism):
    # The user asked for SCRAM without -PLUS although the server offers -PLUS too: the client must
    # not claim "y" (it saw -PLUS; a server like Dovecot refuses "y" then), but "n".
    server, policy = start_scram_server("starttls")

    run = send(smtpsend, pki, server, "starttls", mechanism)

    assert_exit(run, 0)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.cbind_flag, exchange.success) == (
        mechanism, "n", True), exchange
    assert_delivered(server, run)


# -- no TLS, no binding -------------------------------------------------------------------------

def send_in_the_clear(smtpsend, server, auth: str):
    return smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "--user", USER,
                        "--auth", auth, "--allow-plaintext-auth", "--trace", *envelope_args(),
                        body=BODY, env={"SMTPSEND_PASSWORD": PASSWORD})


def test_without_tls_auto_passes_over_plus_it_cannot_bind(smtpsend, start_scram_server):
    server, policy = start_scram_server("plain")  # -PLUS offered where nothing can bind to it

    run = send_in_the_clear(smtpsend, server, "on")

    assert_exit(run, 0)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.cbind_flag, exchange.success, exchange.in_tls) == (
        "SCRAM-SHA-256", "n", True, False), exchange


def test_plus_named_without_tls_is_refused_before_auth(smtpsend, start_scram_server):
    server, policy = start_scram_server("plain")

    run = send_in_the_clear(smtpsend, server, "SCRAM-SHA-256-PLUS")

    assert_exit(run, 78)
    assert "AUTH" not in server.verbs() and policy.exchanges == [], server.commands
    assert_nothing_delivered(server, run)
    assert "TLS" in run.stderr, run.describe()


# -- a man in the middle with a certificate the client trusts ------------------------------------

@pytest.mark.parametrize("tls", TLS_VERSIONS)
@pytest.mark.parametrize("mode", TLS_MODES)
@pytest.mark.parametrize("auth", ["SCRAM-SHA-256-PLUS", "on"])
def test_plus_through_a_tls_terminating_proxy_is_refused(smtpsend, start_scram_server,
                                                         start_mitm, pki, mode, auth, tls):
    server, policy = start_scram_server(mode, tls=tls)
    proxy = start_mitm(server, mode, tls=tls)

    run = send(smtpsend, pki, proxy, mode, auth)

    assert proxy.connections == 1, f"the client never got through the proxy: {proxy.errors}"
    assert_refused_before_mail(server, run)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.cbind_flag, exchange.success) == (
        "SCRAM-SHA-256-PLUS", f"p={TLS_VERSIONS[tls][1]}", False), exchange
    assert "channel binding mismatch" in exchange.reason, exchange


@pytest.mark.parametrize("mode", TLS_MODES)
def test_plain_scram_through_the_same_proxy_is_not_noticed(smtpsend, start_scram_server,
                                                           start_mitm, pki, mode):
    # What -PLUS protects against: without a binding the proxy reads and relays everything.
    server, policy = start_scram_server(mode, mechanisms=NO_PLUS)
    proxy = start_mitm(server, mode)

    run = send(smtpsend, pki, proxy, mode, "SCRAM-SHA-256")

    assert_exit(run, 0)
    assert proxy.connections == 1
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.success) == ("SCRAM-SHA-256", True), exchange
    assert_delivered(server, run)


def test_proxy_hiding_plus_is_not_noticed_by_auto_but_is_when_plus_is_named(
        smtpsend, start_scram_server, start_mitm, pki):
    # The proxy removes -PLUS from EHLO. With auth on the client takes plain SCRAM and says "n"
    # (see the note at the top), so the server cannot tell; a user who names -PLUS is refused
    # before any AUTH, as the mechanism is not offered.
    server, policy = start_scram_server("starttls")
    proxy = start_mitm(server, "starttls", strip_plus=True)

    run = send(smtpsend, pki, proxy, "starttls", "on")

    assert_exit(run, 0)
    [exchange] = policy.exchanges
    assert (exchange.mechanism, exchange.cbind_flag, exchange.success) == (
        "SCRAM-SHA-256", "n", True), exchange

    named = send(smtpsend, pki, proxy, "starttls", "SCRAM-SHA-256-PLUS")

    assert_exit(named, 78)
    assert "does not offer the configured authentication mechanism SCRAM-SHA-256-PLUS" in \
        named.stderr, named.stderr
    assert len(policy.exchanges) == 1


# -- a server that cannot prove it knows the password -------------------------------------------

@pytest.mark.parametrize("final", [FINAL_WRONG_SIGNATURE, FINAL_NO_SIGNATURE])
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])
def test_server_without_a_valid_signature_is_refused_before_mail(smtpsend, start_scram_server,
                                                                 pki, final, mechanism):
    server, policy = start_scram_server("starttls", final=final)

    run = send(smtpsend, pki, server, "starttls", mechanism)

    assert_refused_before_mail(server, run)
    if final == FINAL_WRONG_SIGNATURE:
        # The client must not accept the signature with an empty answer (it may cancel with "*"
        # or just leave).
        exchanges = policy.exchanges
        assert all(e.answer_to_final != "empty" for e in exchanges), exchanges
    assert_trace_has_no_password(run.stderr)


def assert_trace_has_no_password(trace: str) -> None:
    for spelling in secret_spellings():
        assert spelling not in trace, f"the trace contains a secret ({spelling!r}):\n{trace}"
