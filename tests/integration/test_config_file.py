"""The configuration file (msmtprc syntax): where it is found, how an account is chosen, which
source wins for each setting, password sources and their permission checks, --show-config, the
send log and the aliases file.

Every run gets an environment of HOME (a fresh directory), PATH and what the test sets, and a
session of its own (no controlling terminal), so nothing of the developer's own configuration,
password or terminal can change what a test sees.
"""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from certs import certificate_fingerprint
from support import (PASSWORD, RECIPIENT, SENDER, SUBPROCESS_TIMEOUT_SECONDS, USER, SmtpsendRun,
                     assert_exit, assert_nothing_delivered, parse_message, secret_spellings,
                     text_body)

# cron's PATH, enough for the shell commands that passwordeval runs (sh, cat, touch).
CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"
# Nothing listens on this loopback address, so a connection to it is refused at once: a setting
# that loses the precedence contest points here, and the run fails if it wins after all.
NO_SERVER_HOST = "127.0.0.2"
# sysexits(3), as DEVELOPERS.md maps them.
EX_NOINPUT = 66
EX_RECIPIENT_REFUSED = 67
EX_NOPERM = 77
EX_CONFIG = 78
BODY = "Sent with settings from the configuration file.\n"
# The lines --show-config prints for settings: "name = value [source]".
SHOWN_SETTING = re.compile(r"^(?P<name>[A-Za-z0-9_-]+) = (?P<value>.*?) \[(?P<source>[^\]]*)\]$")


class ConfiguredClient:
    """Runs the binary with nothing but HOME, PATH and the test's own variables."""

    def __init__(self, binary: Path, home: Path):
        self.binary = binary
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    @property
    def config_path(self) -> Path:
        # The place used when XDG_CONFIG_HOME is unset.
        return self.home / ".config" / "smtpsend" / "config"

    def write_config(self, text: str, *, path: Optional[Path] = None, mode: int = 0o600) -> Path:
        path = path or self.config_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        return path

    def run(self, *args: str, body: bytes | str = BODY,
            env: Optional[dict[str, str]] = None) -> SmtpsendRun:
        argv = [str(self.binary), *args]
        environment = {"HOME": str(self.home), "PATH": CLEAN_PATH, **(env or {})}
        stdin = body.encode("utf-8") if isinstance(body, str) else body
        try:
            completed = subprocess.run(argv, input=stdin, capture_output=True, env=environment,
                                       start_new_session=True,
                                       timeout=SUBPROCESS_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as expired:
            pytest.fail(f"smtpsend did not finish within {SUBPROCESS_TIMEOUT_SECONDS} s: "
                        f"{' '.join(argv)}\nstderr so far:\n"
                        f"{(expired.stderr or b'').decode(errors='replace')}")
        return SmtpsendRun(args=argv, returncode=completed.returncode, stdout=completed.stdout,
                           stderr=completed.stderr.decode("utf-8", errors="replace"))


@pytest.fixture
def client(smtpsend_binary, tmp_path) -> ConfiguredClient:
    return ConfiguredClient(smtpsend_binary, tmp_path / "home")


def line_of(path: Path, prefix: str) -> int:
    """The 1-based number of the only line of `path` that starts with `prefix`."""
    numbers = [number for number, line in
               enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
               if line.startswith(prefix)]
    assert len(numbers) == 1, f"{prefix!r} starts lines {numbers} of {path}"
    return numbers[0]


def plain_account(server, *, name: str = "default", sender: str = SENDER,
                  extra: str = "") -> str:
    """An account that sends to `server` without TLS."""
    return (f"account {name}\n"
            "host 127.0.0.1\n"
            f"port {server.port}\n"
            "tls off\n"
            f"from {sender}\n"
            f"{extra}")


def tls_defaults(server, pki) -> str:
    """STARTTLS to `server` (msmtp's `tls on`), trusting the test CA, with alice's login."""
    return ("defaults\n"
            "tls on\n"
            f"tls_trust_file {pki.ca.cert}\n"
            "auth on\n"
            f"user {USER}\n"
            "\n"
            "account default\n"
            "host localhost\n"
            f"port {server.port}\n"
            f"from {SENDER}\n")


def shown_settings(run: SmtpsendRun) -> dict[str, tuple[str, str]]:
    """--show-config's setting lines as {name: (value, source)}."""
    settings = {}
    for line in run.stdout.decode("utf-8", errors="replace").splitlines():
        match = SHOWN_SETTING.match(line)
        if match:
            settings[match["name"]] = (match["value"], match["source"])
    return settings


def assert_no_secret(text: str, what: str) -> None:
    for spelling in secret_spellings():
        assert spelling not in text, f"{what} contains a secret ({spelling!r}):\n{text}"


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
    assert text_body(message) == BODY


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
    ("auth cram-md5", "auth"),
    ("auth sometimes", "auth"),
    ("timeout -5", "timeout"),
    ("max_time 0", "max_time"),
    ("from not an address", "from"),
    ("from <bracketed@example.test>", "from"),
    ("tls_fingerprint AB:CD:EF", "tls_fingerprint"),
    ("tls_fingerprint " + ":".join(["AB"] * 20), "tls_fingerprint"),  # SHA-1: refused
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
    ("connect_timeout 30", "connect_timeout"),
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


# -- password sources -------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o640], ids=["world-readable", "group-readable"])
def test_password_in_a_file_others_can_read_is_refused(client, start_server, pki, mode):
    server = start_server("starttls", users={USER: PASSWORD})
    path = client.write_config(tls_defaults(server, pki) + f"password {PASSWORD}\n", mode=mode)

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert "chmod 600" in run.stderr, run.describe()
    assert str(path) in run.stderr
    assert_no_secret(run.stderr, "stderr")
    assert server.connections == 0


def test_password_in_a_private_file_authenticates(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki) + f"password {PASSWORD}\n", mode=0o600)

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert [(a.user, a.success, a.in_tls) for a in server.auth_attempts] == [(USER, True, True)]
    [received] = server.messages
    assert received.auth_user == USER and received.in_tls
    assert_no_secret(run.stderr, "stderr")


def test_passwordeval_output_authenticates_over_starttls(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(PASSWORD + "\n", encoding="utf-8")  # the newline is stripped
    client.write_config(tls_defaults(server, pki) + f"passwordeval cat '{secret_file}'\n")

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    # `tls on` without `tls_starttls off` is STARTTLS (RFC 3207), then AUTH inside TLS.
    assert server.verbs(in_tls=False) == ["EHLO", "STARTTLS"], run.describe()
    assert [(a.user, a.success, a.in_tls) for a in server.auth_attempts] == [(USER, True, True)]
    [received] = server.messages
    assert received.auth_user == USER and received.in_tls
    assert_no_secret(run.stderr, "stderr")


# What the failing command prints; its command line spells it differently, so that finding it
# in stderr means the output itself was shown.
EVAL_OUTPUT = "eval-output-not-for-anyone"


@pytest.mark.parametrize("command", [
    "printf 'eval-%s' 'output-not-for-anyone'; exit 1",
    "true",  # exits 0 but prints nothing
], ids=["non-zero-exit", "empty-output"])
def test_failing_passwordeval_is_a_config_error_before_connecting(client, start_server, pki,
                                                                 command):
    server = start_server("starttls", users={USER: PASSWORD})
    path = client.write_config(tls_defaults(server, pki) + f"passwordeval {command}\n")

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert EVAL_OUTPUT not in run.stderr, f"the command's output was echoed\n{run.describe()}"
    assert f"{path}:{line_of(path, 'passwordeval ')}:" in run.stderr, run.describe()
    assert "passwordeval" in run.stderr, run.describe()
    assert server.connections == 0, "it connected without a password"


def test_environment_password_is_used_before_passwordeval(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    marker = tmp_path / "passwordeval-ran"
    client.write_config(tls_defaults(server, pki)
                        + f"passwordeval touch '{marker}'; echo wrong-password\n")

    run = client.run(RECIPIENT, env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    assert [a.success for a in server.auth_attempts] == [True]
    assert not marker.exists(), "passwordeval ran although SMTPSEND_PASSWORD gave the password"


def write_netrc(home: Path, mode: int) -> Path:
    netrc = home / ".netrc"
    netrc.write_text("machine other.example login alice password not-this-one\n"
                     f'machine localhost\n  login {USER}\n  password "{PASSWORD}"\n',
                     encoding="utf-8")
    netrc.chmod(mode)
    return netrc


def test_netrc_password_authenticates(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))
    write_netrc(client.home, 0o600)

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert [(a.user, a.success) for a in server.auth_attempts] == [(USER, True)]
    assert server.messages[0].auth_user == USER


def test_netrc_others_can_read_is_refused(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))
    netrc = write_netrc(client.home, 0o644)

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert "chmod 600" in run.stderr and str(netrc) in run.stderr, run.describe()
    assert_no_secret(run.stderr, "stderr")
    assert server.connections == 0


def test_no_password_source_and_no_terminal_is_a_config_error(client, start_server, pki):
    server = start_server("starttls", users={USER: PASSWORD})
    client.write_config(tls_defaults(server, pki))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_CONFIG)
    assert server.connections == 0


def test_auth_off_sends_no_auth_even_with_a_user(client, start_server):
    server = start_server("plain")  # offers no AUTH; asking for a password would fail the run
    client.write_config(plain_account(server, extra=f"user {USER}\nauth off\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    assert "AUTH" not in server.verbs()
    assert len(server.messages) == 1


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


def test_header_lines_from_defaults_and_account_are_added(client, start_server):
    server = start_server("plain")
    client.write_config("defaults\nheader X-Site: config-test\n\n"
                        + plain_account(server, extra="header X-Account: default\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    message = parse_message(server.messages[0].raw)
    assert message["X-Site"] == "config-test", server.messages[0].raw.decode(errors="replace")
    assert message["X-Account"] == "default"


# -- --show-config ----------------------------------------------------------------------------

def test_show_config_names_sources_redacts_and_runs_nothing(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    marker = tmp_path / "passwordeval-ran"
    path = client.write_config(
        tls_defaults(server, pki)
        + f"passwordeval touch '{marker}'; printf '%s' '{PASSWORD}'\n\n"
        + "account spare : default\nfrom spare@example.test\n")

    run = client.run("--show-config", "--account", "spare", "--port", "2525",
                     env={"SMTPSEND_FROM": "env@example.test"})

    assert_exit(run, 0)
    lines = run.stdout.decode("utf-8", errors="replace").splitlines()
    assert lines[:1] == [f"config = {path}"], run.describe()
    assert len(lines) > 1 and lines[1].startswith("account = spare ["), run.describe()
    settings = shown_settings(run)
    assert settings.get("host") == ("localhost", f"{path}:{line_of(path, 'host ')}"), settings
    assert settings.get("port") == ("2525", "--port"), settings
    assert settings.get("from") == ("env@example.test", "env SMTPSEND_FROM"), settings
    assert settings.get("user") == (USER, f"{path}:{line_of(path, 'user ')}"), settings
    password_value, password_source = settings.get("password", ("", ""))
    assert password_value == "<redacted>", settings
    # A note may follow ("[PATH:LINE passwordeval, not run]").
    assert password_source.startswith(f"{path}:{line_of(path, 'passwordeval ')} passwordeval"), (
        settings)
    assert not marker.exists(), "--show-config ran the passwordeval command"
    assert server.connections == 0, "--show-config connected"
    assert_no_secret(run.stdout.decode("utf-8", errors="replace") + run.stderr, "the output")


def test_show_config_shows_flag_env_and_default_sources(client, start_server):
    server = start_server("plain")
    path = client.write_config("account default\nhost mail.example.test\ntls on\n"
                               f"user {USER}\nfrom {SENDER}\n")

    run = client.run("--show-config", "--server", "127.0.0.1",
                     env={"SMTPSEND_PASSWORD": PASSWORD})

    assert_exit(run, 0)
    lines = run.stdout.decode("utf-8", errors="replace").splitlines()
    assert lines[:1] == [f"config = {path}"], run.describe()
    assert len(lines) > 1 and lines[1].startswith("account = default ["), run.describe()
    settings = shown_settings(run)
    assert settings.get("host") == ("127.0.0.1", "--server"), settings
    # STARTTLS (`tls on`) submits on port 587 (RFC 6409 §3.1) unless told otherwise.
    assert settings.get("port") == ("587", "default"), settings
    assert settings.get("password") == ("<redacted>", "env SMTPSEND_PASSWORD"), settings
    assert settings.get("from") == (SENDER, f"{path}:{line_of(path, 'from ')}"), settings
    assert_no_secret(run.stdout.decode("utf-8", errors="replace") + run.stderr, "the output")
    assert server.connections == 0


# -- the send log -----------------------------------------------------------------------------

def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_logfile_line_after_a_send(client, start_server, pki, tmp_path):
    server = start_server("starttls", users={USER: PASSWORD})
    log = tmp_path / "logs" / "smtpsend.log"
    log.parent.mkdir()
    client.write_config(tls_defaults(server, pki) + f"password {PASSWORD}\nlogfile {log}\n")

    run = client.run(RECIPIENT, "carol@example.test")

    assert_exit(run, 0)
    assert len(server.messages) == 1
    assert stat.S_IMODE(log.stat().st_mode) == 0o600, "the log is created private"
    [line] = log_lines(log)
    fields = line.split()
    for expected in ("status=sent", "exit=0", "host=localhost", f"port={server.port}",
                     f"from={SENDER}", f"recipients={RECIPIENT},carol@example.test",
                     f"user={USER}", "tls=starttls"):
        assert expected in fields, f"{expected!r} missing from the log line:\n{line}"
    assert re.search(r'\breply="?250\b', line), f"no 250 reply in the log line:\n{line}"
    assert_no_secret(line, "the log line")


def test_logfile_line_after_a_refusal(client, start_server, tmp_path):
    server = start_server("plain", refuse=[RECIPIENT])
    log = tmp_path / "smtpsend.log"
    client.write_config(plain_account(server, extra=f"logfile {log}\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, EX_RECIPIENT_REFUSED)
    assert_nothing_delivered(server, run)
    [line] = log_lines(log)
    fields = line.split()
    assert "status=failed" in fields and f"exit={EX_RECIPIENT_REFUSED}" in fields, line
    assert "550" in line, f"the server's refusal is not logged:\n{line}"


def test_logfile_appends_with_the_configured_time_format(client, start_server, tmp_path):
    server = start_server("plain")
    log = tmp_path / "smtpsend.log"
    log.write_text("an earlier line\n", encoding="utf-8")
    client.write_config(plain_account(server, extra=f"logfile {log}\n"
                                                    "logfile_time_format STAMP-%%\n"))

    run = client.run(RECIPIENT)

    assert_exit(run, 0)
    lines = log_lines(log)
    assert len(lines) == 2 and lines[0] == "an earlier line", lines
    assert lines[1].startswith("STAMP-% "), f"strftime format not applied:\n{lines[1]}"


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
