"""The configuration file (msmtprc syntax): where it is found, how an account is chosen, which
source wins for each setting, malformed lines, the TLS settings, added header lines and the aliases
file. Password sources, --show-config and the send log are in test_config_secrets.py.

Every run gets an environment of HOME (a fresh directory), PATH and what the test sets, and a
session of its own (no controlling terminal), so nothing of the developer's own configuration,
password or terminal can change what a test sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from certs import certificate_fingerprint
from support import (CONFIGURED_BODY, PASSWORD, RECIPIENT, SENDER, USER, ConfiguredClient,
                     assert_exit, assert_no_secret, assert_nothing_delivered, parse_message,
                     plain_account, text_body)

# Nothing listens on this loopback address, so a connection to it is refused at once: a setting
# that loses the precedence contest points here, and the run fails if it wins after all.
NO_SERVER_HOST = "127.0.0.2"
# sysexits(3), as DEVELOPERS.md maps them.
EX_NOINPUT = 66
EX_NOPERM = 77
EX_CONFIG = 78


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


# -- finding the file and choosing the account ----------------------------------------------------

def test_defaults_inheritance_and_default_account_deliver_with_recipients_only(client,
                                                                              start_server):
    server = start_server("plain")
    client.write_config(
        "# Every account sends to the test server in the clear.\n"
        "defaults\n"
        f"port {server.port}\n"
        "tls off\n"
        "domain client.example.test\n"
        "\n"
        "account relay\n"
        "host 127.0.0.1\n"
        "from relay@example.test\n"
        "\n"
        "account personal : relay\n"
        "from personal@example.test\n"
        "\n"
        "account default : personal\n")

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    [received] = server.messages
    # host from `relay`, from `personal`, port and domain from `defaults`.
    assert received.mail_from == "personal@example.test", run.describe()
    assert received.rcpt_tos == [RECIPIENT]
    ehlo = [c.argument for c in server.commands if c.verb in ("EHLO", "HELO")]
    assert ehlo == ["client.example.test"], f"EHLO names {ehlo}; `domain` sets it"
    message = parse_message(received.raw)
    assert message["From"].addresses[0].addr_spec == "personal@example.test"
    assert text_body(message) == CONFIGURED_BODY


def test_xdg_config_home_is_read_and_no_other_file(client, start_server, tmp_path):
    server = start_server("plain")
    xdg = tmp_path / "xdg"
    client.write_config(plain_account(server, sender="xdg@example.test"),
                        path=xdg / "smtpsend" / "config")
    # Reading this one too (or instead) would fail the run: exactly one file is read.
    client.write_config("this line is not a setting\n")

    run = client.run(RECIPIENT, env={"XDG_CONFIG_HOME": str(xdg)})

    assert_exit(run, 0)
    assert [m.mail_from for m in server.messages] == ["xdg@example.test"]


def test_xdg_config_home_set_means_the_home_config_is_not_read(client, start_server, tmp_path):
    server = start_server("plain")
    client.write_config(plain_account(server))
    empty_xdg = tmp_path / "empty-xdg"
    empty_xdg.mkdir()

    run = client.run(RECIPIENT, env={"XDG_CONFIG_HOME": str(empty_xdg)})

    assert run.returncode != 0, (
        f"~/.config was read although XDG_CONFIG_HOME is set\n{run.describe()}")
    assert server.connections == 0


def test_config_option_replaces_the_usual_places(client, start_server, tmp_path):
    server = start_server("plain")
    named = client.write_config(plain_account(server, sender="named@example.test"),
                                path=tmp_path / "named.msmtprc")
    client.write_config("this line is not a setting\n")

    for spelling in ("-C", "--config"):
        run = client.run(spelling, str(named), RECIPIENT)
        assert_exit(run, 0)
    assert [m.mail_from for m in server.messages] == ["named@example.test"] * 2


def test_missing_config_option_file_is_no_input(client, start_server, tmp_path):
    server = start_server("plain")
    client.write_config(plain_account(server))
    missing = tmp_path / "no-such.msmtprc"

    run = client.run("--config", str(missing), RECIPIENT)

    assert_exit(run, EX_NOINPUT)
    assert str(missing) in run.stderr, run.describe()
    assert server.connections == 0


def test_account_option_picks_the_named_account(client, start_server):
    chosen = start_server("plain")
    other = start_server("plain")
    client.write_config(plain_account(other, name="home", sender="home@example.test") + "\n"
                        + plain_account(chosen, name="work", sender="work@example.test") + "\n"
                        + "account default : home\n")

    for spelling in ("--account", "-A"):
        run = client.run(spelling, "work", RECIPIENT)
        assert_exit(run, 0)

    assert [m.mail_from for m in chosen.messages] == ["work@example.test"] * 2
    assert other.connections == 0


def test_unknown_account_is_a_config_error_listing_the_accounts(client, start_server):
    server = start_server("plain")
    client.write_config(plain_account(server, name="home") + "\n"
                        + plain_account(server, name="work") + "\n")

    run = client.run("--account", "holiday", RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert "holiday" in run.stderr
    assert "home" in run.stderr and "work" in run.stderr, "the accounts that exist are listed"
    assert server.connections == 0


@pytest.mark.parametrize("account_from, sender", [
    ("ann@work.example", "ann@work.example"),
    ("ann@work.example", "Ann@WORK.Example"),   # addresses match ignoring letter case
    ("*@work.example", "bob@work.example"),
    ("ann?@work.example", "ann2@work.example"),
], ids=["exact", "exact-other-case", "star-pattern", "question-mark-pattern"])
@pytest.mark.parametrize("given_by", ["--from", "SMTPSEND_FROM"])
def test_account_is_chosen_by_the_sender(client, start_server, account_from, sender, given_by):
    matching = start_server("plain")
    default = start_server("plain")
    client.write_config(
        "defaults\ntls off\nhost 127.0.0.1\n\n"
        f"account private\nport {default.port}\nfrom someone@private.example\n\n"
        f"account work\nport {matching.port}\nfrom {account_from}\n\n"
        "account default : private\n")
    if given_by == "--from":
        args, env = ["--from", sender], {}
    else:
        args, env = [], {"SMTPSEND_FROM": sender}

    run = client.run(*args, RECIPIENT, env=env)

    assert_exit(run, 0)
    assert default.connections == 0, f"the default account was used\n{run.describe()}"
    [received] = matching.messages
    assert received.mail_from.lower() == sender.lower()


def test_sender_matching_no_account_uses_the_default_account(client, start_server):
    default = start_server("plain")
    work = start_server("plain")
    client.write_config(
        "defaults\ntls off\nhost 127.0.0.1\n\n"
        f"account work\nport {work.port}\nfrom *@work.example\n\n"
        f"account default\nport {default.port}\nfrom me@home.example\n")

    run = client.run("--from", "me@elsewhere.example", RECIPIENT)

    assert_exit(run, 0)
    assert work.connections == 0
    assert [m.mail_from for m in default.messages] == ["me@elsewhere.example"]


def test_without_a_default_account_the_defaults_section_is_used(client, start_server):
    server = start_server("plain")
    client.write_config(
        "defaults\n"
        f"host 127.0.0.1\nport {server.port}\ntls off\nfrom defaults@example.test\n\n"
        f"account elsewhere\nhost {NO_SERVER_HOST}\nfrom *@elsewhere.example\n")

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert [m.mail_from for m in server.messages] == ["defaults@example.test"]


# -- precedence: flag > environment > account > built-in default ------------------------------

@pytest.mark.parametrize("flag, env, expected", [
    ("flag@example.test", "env@example.test", "flag@example.test"),
    (None, "env@example.test", "env@example.test"),
    (None, None, "account@example.test"),
], ids=["flag-beats-env-and-account", "env-beats-account", "account"])
def test_sender_precedence(client, start_server, flag, env, expected):
    server = start_server("plain")
    client.write_config(plain_account(server, sender="account@example.test"))
    args = ["--from", flag] if flag else []
    environment = {"SMTPSEND_FROM": env} if env else {}

    run = client.run(*args, RECIPIENT, env=environment)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.mail_from == expected, run.describe()
    assert parse_message(received.raw)["From"].addresses[0].addr_spec == expected


@pytest.mark.parametrize("flag, env, account, delivered", [
    ("127.0.0.1", NO_SERVER_HOST, NO_SERVER_HOST, True),
    (NO_SERVER_HOST, "127.0.0.1", "127.0.0.1", False),
    (None, "127.0.0.1", NO_SERVER_HOST, True),
    (None, NO_SERVER_HOST, "127.0.0.1", False),
    (None, None, "127.0.0.1", True),
], ids=["flag-beats-env", "flag-wins-even-when-wrong", "env-beats-account",
        "env-wins-even-when-wrong", "account"])
def test_server_precedence(client, start_server, flag, env, account, delivered):
    server = start_server("plain")
    client.write_config(f"account default\nhost {account}\nport {server.port}\ntls off\n"
                        f"from {SENDER}\n")
    args = ["--server", flag] if flag else []
    environment = {"SMTPSEND_SERVER": env} if env else {}

    run = client.run(*args, RECIPIENT, env=environment)

    if delivered:
        assert_exit(run, 0)
        assert len(server.messages) == 1
    else:
        assert run.returncode != 0, f"the losing host was not the one used\n{run.describe()}"
        assert server.connections == 0


def test_port_flag_beats_the_account(client, start_server):
    flagged = start_server("plain")
    configured = start_server("plain")
    client.write_config(plain_account(configured))

    run = client.run("--port", str(flagged.port), RECIPIENT)

    assert_exit(run, 0)
    assert configured.connections == 0
    assert len(flagged.messages) == 1


# -- malformed files --------------------------------------------------------------------------

# (bad line, a word the message must name). Each is put into an otherwise valid file.
MALFORMED_LINES = [
    ("tls_trustfile /etc/ssl/certs/ca-certificates.crt", "tls_trustfile"),
    ("hots mail.example", "hots"),
    ("port 99999", "port"),
    ("port 0", "port"),
    ("port twenty-five", "port"),
    ("host two words", "host"),
    ("tls maybe", "tls"),
    ("tls_starttls yes", "tls_starttls"),
    ("tls_certcheck perhaps", "tls_certcheck"),
    ("auth kerberos_v4", "auth"),
    ("auth sometimes", "auth"),
    ("timeout -5", "timeout"),
    ("max_time 0", "max_time"),
    ("tls_fingerprint AB:CD:EF", "tls_fingerprint"),
    ("tls_fingerprint " + ":".join(["AB"] * 16), "tls_fingerprint"),  # MD5: refused
    ("dsn_notify sometimes", "dsn_notify"),
    ("dsn_notify success,success", "dsn_notify"),
    ("dsn_return everything", "dsn_return"),
    ("syslog LOG_DAEMON", "syslog"),
    ("charset not a charset", "charset"),
    ("header NoColonHere", "header"),
    ("header : no name", "header"),
    ("allow_plaintext_auth sure", "allow_plaintext_auth"),
    ("protocol lmtp", "protocol"),
    ("passwordeval", "passwordeval"),
    ('user "alice', "user"),
    ("proxy_host 127.0.0.1", "proxy_host"),
    ("eval echo host example.org", "eval"),
    ("connect_timeout soon", "connect_timeout"),
    ("tls_nocertcheck", "tls_nocertcheck"),
    ("defaults now", "defaults"),
    ("account", "account"),
    ("account extra : missing", "missing"),
    ("account default", "default"),  # already defined above
    ("account bad,name", "account"),
]


@pytest.mark.parametrize("bad_line, named", MALFORMED_LINES,
                         ids=[line for line, _ in MALFORMED_LINES])
def test_malformed_line_is_a_config_error_at_its_line(client, start_server, bad_line, named):
    server = start_server("plain")
    path = client.write_config(plain_account(server) + f"{bad_line}\n" + "# after\n")
    number = len(plain_account(server).splitlines()) + 1

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert f"{path}:{number}:" in run.stderr, f"no '{path}:{number}:'\n{run.describe()}"
    assert named in run.stderr, f"the message does not name {named!r}\n{run.describe()}"
    assert server.connections == 0


def test_misspelt_key_gets_a_suggestion(client, start_server):
    server = start_server("plain")
    path = client.write_config(plain_account(server) + "tls_trustfile /tmp/ca.pem\n")

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert f"{path}:6:" in run.stderr and "tls_trust_file" in run.stderr, run.describe()


def test_error_in_an_account_not_used_still_stops_the_run(client, start_server):
    server = start_server("plain")
    path = client.write_config(plain_account(server) + "\naccount unused\nport none\n")

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert f"{path}:8:" in run.stderr and "port" in run.stderr, run.describe()
    assert server.connections == 0


def test_nul_byte_in_a_line_is_a_config_error(client, start_server):
    server = start_server("plain")
    path = client.config_path
    path.parent.mkdir(parents=True)
    path.write_bytes(plain_account(server).encode() + b"user al\0ice\n")
    path.chmod(0o600)

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert f"{path}:6:" in run.stderr, run.describe()
    assert server.connections == 0


def test_unclosed_quote_in_a_password_does_not_show_it(client, start_server):
    server = start_server("plain")
    path = client.write_config(plain_account(server) + f'password "{PASSWORD}\n')

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert f"{path}:6:" in run.stderr and "password" in run.stderr, run.describe()
    assert_no_secret(run.stderr, "stderr")


# -- TLS settings -----------------------------------------------------------------------------

def test_msmtp_tls_on_without_starttls_is_implicit_tls(client, start_server, pki):
    server = start_server("smtps", users={USER: PASSWORD})
    client.write_config(
        "# msmtp's way to say SMTPS (RFC 8314 §3.3).\n"
        "account default\n"
        "host localhost\n"
        f"port {server.port}\n"
        "tls on\n"
        "tls_starttls off\n"
        f"tls_trust_file {pki.ca.cert}\n"
        "auth on\n"
        f"user {USER}\n"
        f"from {SENDER}\n")

    run = client.run(RECIPIENT, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert server.verbs(in_tls=False) == [], "implicit TLS: nothing may travel in the clear"
    assert "STARTTLS" not in server.verbs()
    [received] = server.messages
    assert received.in_tls and received.auth_user == USER


@pytest.mark.parametrize("certcheck, expected_exit", [("off", 0), ("on", EX_NOPERM)])
def test_tls_certcheck(client, start_server, pki, certcheck, expected_exit):
    server = start_server("starttls", cert=pki.self_signed_server)
    client.write_config(
        f"account default\nhost localhost\nport {server.port}\ntls on\n"
        f"tls_certcheck {certcheck}\nfrom {SENDER}\n")

    run = client.run(RECIPIENT)

    assert_exit(run, expected_exit)
    assert len(server.messages) == (1 if expected_exit == 0 else 0)


def msmtp_fingerprint(cert: Path) -> str:
    """A certificate's SHA-256 fingerprint as msmtp prints it: "AB:CD:..." in upper case."""
    digits = certificate_fingerprint(cert).removeprefix("sha256:").upper()
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))


@pytest.mark.parametrize("pinned, expected_exit", [("served", 0), ("other", EX_NOPERM)])
def test_tls_fingerprint_pins_the_certificate(client, start_server, pki, pinned, expected_exit):
    # A self-signed certificate no CA vouches for: only the pin can make it trusted.
    server = start_server("starttls", cert=pki.self_signed_server)
    cert = pki.self_signed_server.cert if pinned == "served" else pki.server.cert
    client.write_config(
        f"account default\nhost localhost\nport {server.port}\ntls on\n"
        f"tls_fingerprint {msmtp_fingerprint(cert)}\nfrom {SENDER}\n")

    run = client.run(RECIPIENT)

    assert_exit(run, expected_exit)
    assert len(server.messages) == (1 if expected_exit == 0 else 0)


@pytest.mark.parametrize("allowed, expected_exit", [("on", 0), ("off", EX_NOPERM)])
def test_allow_plaintext_auth(client, start_server, allowed, expected_exit):
    server = start_server("plain", users={USER: PASSWORD})
    client.write_config(plain_account(server, extra=f"user {USER}\n"
                                                    f"allow_plaintext_auth {allowed}\n"))

    run = client.run(RECIPIENT, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, expected_exit)
    if expected_exit == 0:
        assert [(a.success, a.in_tls) for a in server.auth_attempts] == [(True, False)]
    else:
        assert server.auth_attempts == [], "credentials were sent in the clear"
        assert_nothing_delivered(server, run)
    assert_no_secret(run.stderr, "stderr")


# -- header lines -------------------------------------------------------------------------------

def test_header_lines_from_defaults_and_account_are_added(client, start_server):
    server = start_server("plain")
    client.write_config("defaults\nheader X-Site: config-test\n\n"
                        + plain_account(server, extra="header X-Account: default\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    message = parse_message(server.messages[0].raw)
    assert message["X-Site"] == "config-test", server.messages[0].raw.decode(errors="replace")
    assert message["X-Account"] == "default"


# -- aliases ----------------------------------------------------------------------------------

def test_aliases_replace_local_recipients(client, start_server, tmp_path):
    server = start_server("plain")
    aliases = tmp_path / "aliases"
    aliases.write_text("# local names\n"
                       "root: admin@example.test, ops@example.test\n"
                       "default: catchall@example.test\n", encoding="utf-8")
    client.write_config(plain_account(server, extra=f"aliases {aliases}\n"))

    run = client.run("root", "nobody", RECIPIENT)

    assert_exit(run, 0)
    [received] = server.messages
    assert received.rcpt_tos == ["admin@example.test", "ops@example.test",
                                 "catchall@example.test", RECIPIENT], run.describe()
