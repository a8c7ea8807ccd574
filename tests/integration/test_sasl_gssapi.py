"""GSSAPI (RFC 4752) against a real MIT Kerberos KDC and Dovecot's GSSAPI mechanism.

Each test makes its own realm (kerberos.py: KDC on loopback, a keytab for smtp/localhost, the
user alice with a ticket in a credential cache of her own) and a Dovecot submission service that
accepts GSSAPI with that keytab. smtpsend runs with KRB5_CONFIG and KRB5CCNAME pointing at the
private realm, so the machine's /etc/krb5.conf and the caller's tickets never count.

Dovecot names the logged-in user after the principal, lower-cased by its default
auth_username_format (%Lu): alice@SMTPSEND.TEST logs in as alice@smtpsend.test. --user sends no
authorization identity with GSSAPI, as in msmtp (both set GNU SASL's GSASL_AUTHID, which its
GSSAPI client does not send; it sends GSASL_AUTHZID): the ticket alone says who logs in, so the
login is the principal's with or without --user.
"""

from __future__ import annotations

import os
import pwd
import re
import time

import pytest

from kerberos import REALM, SERVICE_PRINCIPAL, KerberosRealm, missing_packages
from support import (MESSAGE_WAIT_SECONDS, SENDER, USER, ConfiguredClient, assert_exit,
                     connect_args, envelope_args, parse_message, text_body)

BODY = "Authenticated by a Kerberos ticket.\n"
# The Kerberos password of alice; only kinit sees it (on its standard input).
KERBEROS_PASSWORD = "kerberos-password-of-alice"
PRINCIPAL = f"{USER}@{REALM}"
DOVECOT_USER = PRINCIPAL.lower()  # see the module's docstring
DOVECOT_PACKAGE = "dovecot-gssapi"
DOVECOT_GSSAPI_MODULE = "/usr/lib/dovecot/modules/auth/libmech_gssapi.so"
DOVECOT_ACCOUNT = "dovecot"  # the auth process works as this account when Dovecot runs as root
SENT_MAIL = re.compile(r"[-~]> MAIL FROM", re.IGNORECASE)
# krb5kdc logs each service ticket it issues: "..., alice@REALM for smtp/localhost@REALM".
SERVICE_TICKET = re.compile(rf"TGS_REQ .* ISSUE: .*{re.escape(PRINCIPAL)} for "
                            rf"{re.escape(SERVICE_PRINCIPAL)}")


def _dovecot_gssapi_conf(realm: KerberosRealm) -> str:
    # Dovecot looks for the service principal submission/HOST (its service's name), while SMTP
    # clients ask for smtp/HOST (the GSSAPI service name of SMTP, RFC 4954 §4 via RFC 4752);
    # "$ALL" accepts any principal of the keytab, which holds only smtp/localhost. Dovecot starts
    # its processes with an empty environment: import_environment hands them the realm's
    # krb5.conf (and keeps the systemd socket variables the harness relies on); no replay cache
    # is written to /var/tmp.
    return (f"auth_krb5_keytab = {realm.keytab}\n"
            'auth_gssapi_hostname = "$ALL"\n'
            "import_environment = TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID LISTEN_FDS NOTIFY_SOCKET "
            f"KRB5_CONFIG={realm.krb5_conf} KRB5RCACHETYPE=none\n")


@pytest.fixture
def realm(dovecot_workspace):
    """A running realm with alice's ticket in `realm.directory / "ccache"`."""
    missing = missing_packages()
    if missing:
        pytest.fail(f"MIT Kerberos is not installed: apt-get install -y {' '.join(missing)}",
                    pytrace=False)
    # Inside Dovecot's workspace: its auth process (the dovecot account) reads the keytab.
    directory = dovecot_workspace / f"krb5-{os.urandom(4).hex()}"
    directory.mkdir(mode=0o711)
    realm = KerberosRealm(directory)
    realm.start()
    try:
        realm.add_user(USER, KERBEROS_PASSWORD)
        realm.kinit(USER, KERBEROS_PASSWORD, realm.directory / "ccache")
        os.chmod(realm.krb5_conf, 0o644)
        if os.geteuid() == 0:
            account = pwd.getpwnam(DOVECOT_ACCOUNT)
            os.chown(realm.keytab, account.pw_uid, account.pw_gid)
        yield realm
    finally:
        realm.stop()


@pytest.fixture
def gssapi_dovecot(start_dovecot, realm):
    if not os.path.exists(DOVECOT_GSSAPI_MODULE):
        pytest.fail(f"Dovecot's GSSAPI mechanism is not installed: apt-get install -y "
                    f"{DOVECOT_PACKAGE}", pytrace=False)
    return start_dovecot(mechanisms=["gssapi"], users={DOVECOT_USER: None},
                         extra_conf=_dovecot_gssapi_conf(realm))


def send(smtpsend, dovecot, pki, realm, *args, ccache=None, extra_env=None):
    env = realm.environment(ccache or realm.directory / "ccache")
    env.update(extra_env or {})
    return smtpsend.run(*connect_args(dovecot, "starttls", trust_file=pki.ca.cert),
                        "--trace", "--auth", "GSSAPI", *args, *envelope_args(), body=BODY,
                        env=env)


def assert_delivered(run, sink):
    [received] = sink.wait_for_messages(1, MESSAGE_WAIT_SECONDS)
    assert text_body(parse_message(received.raw)) == BODY, run.describe()
    assert received.mail_from == SENDER


def wait_for_kdc_log(realm, pattern, timeout=MESSAGE_WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while True:
        text = realm.kdc_log.read_text(errors="replace") if realm.kdc_log.exists() else ""
        if pattern.search(text):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the KDC's log shows no {pattern.pattern!r}:\n{realm.logs()}")
        time.sleep(0.01)


@pytest.mark.parametrize("user_args", [["--user", USER], []], ids=["with-user", "without-user"])
def test_gssapi_delivers_and_dovecot_logs_the_principal(smtpsend, gssapi_dovecot, pki, realm,
                                                         user_args):
    dovecot, sink = gssapi_dovecot

    run = send(smtpsend, dovecot, pki, realm, *user_args)

    assert_exit(run, 0)
    assert_delivered(run, sink)
    dovecot.wait_for_log(r"Login: user=<")
    assert dovecot.logins() == [(DOVECOT_USER, "GSSAPI")], dovecot.log_text()
    # The principal as Kerberos named it, before Dovecot lower-cased it.
    assert f"original_user={PRINCIPAL}" in dovecot.log_text(), dovecot.log_text()
    assert "~> AUTH GSSAPI" in run.stderr, f"the trace names no mechanism:\n{run.stderr}"
    # The client asked the KDC for the service principal of the server it was told (--server).
    wait_for_kdc_log(realm, SERVICE_TICKET)


def test_gssapi_runs_no_password_command_and_prompts_for_nothing(smtpsend, gssapi_dovecot, pki,
                                                                  realm, tmp_path):
    dovecot, sink = gssapi_dovecot
    marker = tmp_path / "password-command-ran"

    # No SMTPSEND_PASSWORD and no terminal: were a password asked for, the run would fail.
    run = send(smtpsend, dovecot, pki, realm, "--user", USER,
               "--password-cmd", f"touch {marker}; echo not-needed")

    assert_exit(run, 0)
    assert_delivered(run, sink)
    assert not marker.exists(), f"the password command ran for GSSAPI\n{run.describe()}"
    assert "Password for" not in run.stderr, f"something asked for a password:\n{run.stderr}"


def test_msmtp_file_with_auth_gssapi_delivers_and_runs_no_passwordeval(smtpsend_binary, tmp_path,
                                                                       gssapi_dovecot, pki, realm):
    dovecot, sink = gssapi_dovecot
    marker = tmp_path / "passwordeval-ran"
    client = ConfiguredClient(smtpsend_binary, tmp_path / "home")
    # An msmtprc as msmtp's documentation writes it for Kerberos, with a passwordeval left over
    # from another mechanism.
    client.write_config(f"""\
defaults
tls on
tls_trust_file {pki.ca.cert}

account default
host localhost
port {dovecot.port}
from {SENDER}
auth gssapi
user {USER}
passwordeval "touch {marker}; echo not-needed"
""")

    run = client.run(*envelope_args(), body=BODY, env=realm.environment(realm.directory / "ccache"))

    assert_exit(run, 0)
    assert_delivered(run, sink)
    dovecot.wait_for_log(r"Login: user=<")
    assert dovecot.logins() == [(DOVECOT_USER, "GSSAPI")], dovecot.log_text()
    assert not marker.exists(), f"passwordeval ran for GSSAPI\n{run.describe()}"


def test_gssapi_without_a_ticket_fails_with_77_naming_kinit(smtpsend, gssapi_dovecot, pki, realm,
                                                           tmp_path):
    dovecot, sink = gssapi_dovecot

    run = send(smtpsend, dovecot, pki, realm, "--user", USER, ccache=tmp_path / "empty-ccache")

    assert_exit(run, 77)
    assert "kinit" in run.stderr, f"the error does not say how to get a ticket:\n{run.stderr}"
    assert "GSSAPI" in run.stderr, run.describe()
    assert not SENT_MAIL.search(run.stderr), f"MAIL was sent after a failed AUTH:\n{run.stderr}"
    assert sink.messages == [], run.describe()
    assert dovecot.logins() == [], dovecot.log_text()
