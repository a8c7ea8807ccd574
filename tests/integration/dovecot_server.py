"""Debian's Dovecot (2.3) submission service as a real server-side SASL on a loopback port.

Dovecot's own SASL code (not GNU SASL, which the client uses) checks PLAIN, LOGIN, CRAM-MD5,
DIGEST-MD5, SCRAM-SHA-1, SCRAM-SHA-256 and EXTERNAL against a passwd-file with {PLAIN}
passwords, behind STARTTLS with the test certificates. Every accepted message is relayed to a
recording test server (submission_relay_host/port), so a test can check what arrived; Dovecot's
log names the mechanism each login used ("Login: user=<alice>, method=SCRAM-SHA-256").

The listening socket is ours: we bind 127.0.0.1 port 0 and hand it to Dovecot as a systemd
socket (LISTEN_FDS=1 on descriptor 3; Debian builds Dovecot with libsystemd), and Dovecot's
inet_listener names the same address and port, so Dovecot takes that socket instead of binding
one. The port is known, and connections queue on it, before Dovecot even starts: no port race.

Everything lives in a directory of its own (configuration, base_dir, state_dir, log); no system
Dovecot, /etc/dovecot or /var/lib/dovecot is touched. As root, Dovecot's child processes work as
the `dovecot` and `dovenull` accounts Debian's packages create, so that directory must be
reachable by them: pass a workspace made by make_workspace(), not pytest's private tmp_path.
Dovecot runs in a session of its own; stop() kills that process group (the master's PID) and
waits until none of its processes is left.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable, Mapping, Optional

from certs import KeyPair

DOVECOT_PACKAGES = ("dovecot-core", "dovecot-submissiond")
# The submission service's login process, from dovecot-submissiond (dovecot-core lacks it).
SUBMISSION_LOGIN = Path("/usr/lib/dovecot/submission-login")
# Dovecot answers the first EHLO within some 50 ms of starting; the bound is for a loaded CI.
START_TIMEOUT_SECONDS = 10
STOP_TIMEOUT_SECONDS = 10
# The log process writes a line shortly after the event; a test waits for it this long at most.
LOG_WAIT_SECONDS = 10
POLL_SECONDS = 0.01
# SD_LISTEN_FDS_START in sd-daemon.h: the first socket handed over is descriptor 3.
SYSTEMD_FIRST_FD = 3
# Mail processes of a logged-in user work as this account when Dovecot runs as root.
MAIL_ACCOUNT = "nobody"

# "Login: user=<alice>, method=SCRAM-SHA-256, rip=..." (login_log_format_elements' default).
LOGIN_LINE = re.compile(r"Login: user=<([^>]*)>, method=([A-Z0-9-]+)")
# The login process's debug log (auth_debug) names every command it reads before the login.
COMMAND_LINE = re.compile(r"submission-login: Debug: smtp-server: conn [^:]+:\d+ \[\d+\]: "
                          r"Received new command: (\S+)")


def find_dovecot() -> Optional[str]:
    search_path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    dovecot = shutil.which("dovecot", path=search_path)
    if dovecot is None or not SUBMISSION_LOGIN.exists():
        return None
    return dovecot


def make_workspace() -> Path:
    """A directory for Dovecot servers, outside pytest's private (0700) temporary tree.

    Dovecot's auth and login processes work as the `dovecot` and `dovenull` accounts: they must
    traverse to base_dir and read the passwd-file. Remove the workspace when the session ends.
    """
    workspace = Path(tempfile.mkdtemp(prefix="smtpsend-dovecot-"))
    os.chmod(workspace, 0o711)
    return workspace


def client_certificate_conf(ca: Path) -> str:
    """extra_conf for SASL EXTERNAL: ask for a client certificate signed by `ca` and take the
    user name from its common name. EXTERNAL then checks an empty password against the passdb,
    so that user must be given with the password None (`nopassword`)."""
    return (f"ssl_ca = <{ca}\n"
            "ssl_verify_client_cert = yes\n"
            "auth_ssl_username_from_cert = yes\n"
            # Dovecot wants a CRL for every client CA unless told otherwise.
            "ssl_require_crl = no\n")


def _passwd_field(value: str, what: str) -> str:
    # passwd-file fields are separated by colons, entries by line breaks.
    if any(c in value for c in ":\n\r\0"):
        raise ValueError(f"{what} {value!r} cannot be written to a Dovecot passwd-file")
    return value


class DovecotServer:
    """Dovecot's submission service with STARTTLS and the SASL mechanisms asked for.

    users: name -> password ({PLAIN}, so every mechanism can check it), or None for an account
    without a password (EXTERNAL, GSSAPI: the passdb entry says `nopassword`).
    extra_conf: appended to the generated dovecot.conf; a later setting replaces an earlier one,
    so a test can change any of ours or add its own (GSSAPI's keytab, a client CA).
    """

    __test__ = False

    def __init__(self, workspace: Path, keypair: KeyPair, relay_port: int, *,
                 mechanisms: Iterable[str] = ("plain", "login"),
                 users: Optional[Mapping[str, Optional[str]]] = None, extra_conf: str = ""):
        self.directory = Path(tempfile.mkdtemp(prefix="dovecot-", dir=workspace))
        os.chmod(self.directory, 0o711)
        self._keypair = keypair
        self._relay_port = relay_port
        self.mechanisms = [m.lower() for m in mechanisms]
        self.users = dict(users or {})
        self._extra_conf = extra_conf
        self._process: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None
        self.start_seconds: Optional[float] = None  # from exec to the first greeting

    @property
    def log_path(self) -> Path:
        return self.directory / "dovecot.log"

    @property
    def output_path(self) -> Path:
        # What Dovecot writes before its log process runs (configuration errors).
        return self.directory / "dovecot-output.log"

    def _accounts(self) -> tuple[int, int, str]:
        """uid and gid of mail processes, and the settings for Dovecot's own accounts."""
        if os.geteuid() == 0:
            mail = pwd.getpwnam(MAIL_ACCOUNT)
            # Debian's packages create dovecot and dovenull; Dovecot's defaults name them.
            return mail.pw_uid, mail.pw_gid, ""
        # Unprivileged, every Dovecot process is the test's own user and group.
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(os.getegid()).gr_name
        return me.pw_uid, me.pw_gid, (f"default_internal_user = {me.pw_name}\n"
                                      f"default_internal_group = {group}\n"
                                      f"default_login_user = {me.pw_name}\n"
                                      # chroot() needs root.
                                      "service anvil {\n  chroot =\n}\n"
                                      "service submission-login {\n  chroot =\n}\n")

    def _write_users(self, uid: int, gid: int) -> Path:
        lines = []
        for name, password in self.users.items():
            _passwd_field(name, "user name")
            home = self.directory / "home" / name
            if password is None:
                lines.append(f"{name}::{uid}:{gid}::{home}::nopassword\n")
            else:
                lines.append(f"{name}:{{PLAIN}}{_passwd_field(password, 'password')}:"
                             f"{uid}:{gid}::{home}::\n")
        path = self.directory / "users"
        path.write_text("".join(lines), encoding="utf-8")
        os.chmod(path, 0o644)  # read by the auth process (the dovecot account)
        return path

    def _configuration(self, port: int) -> str:
        uid, gid, accounts = self._accounts()
        users_file = self._write_users(uid, gid)
        (self.directory / "home").mkdir(mode=0o711, exist_ok=True)
        d = self.directory
        return f"""\
# Generated for one test; see tests/integration/dovecot_server.py.
base_dir = {d}/run
state_dir = {d}/state
instance_name = smtpsend-test-{d.name}
{accounts}protocols = submission
listen = 127.0.0.1
hostname = localhost
log_path = {self.log_path}
info_log_path = {self.log_path}
debug_log_path = {self.log_path}
# auth_verbose: failures and their reasons; auth_debug: every command the login process reads.
auth_verbose = yes
auth_debug = yes
auth_mechanisms = {" ".join(self.mechanisms)}
# Dovecot answers a failed authentication only after 2 s by default; tests need not wait.
auth_failure_delay = 0
# A submission server: nothing, not even CRAM-MD5, before STARTTLS.
ssl = required
ssl_cert = <{self._keypair.cert}
ssl_key = <{self._keypair.key}
# The submission service needs a mail location for its user, though it never stores mail.
mail_location = maildir:~/Maildir
submission_relay_host = 127.0.0.1
submission_relay_port = {self._relay_port}
passdb {{
  driver = passwd-file
  args = {users_file}
}}
userdb {{
  driver = passwd-file
  args = {users_file}
}}
service submission-login {{
  inet_listener submission {{
    address = 127.0.0.1
    port = {port}
  }}
}}
{self._extra_conf}
"""

    def start(self) -> int:
        dovecot = find_dovecot()
        if dovecot is None:
            raise FileNotFoundError(
                "Dovecot's submission service not found: install it with "
                f"`apt-get install -y {' '.join(DOVECOT_PACKAGES)}`")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            self.port = listener.getsockname()[1]
            config = self.directory / "dovecot.conf"
            config.write_text(self._configuration(self.port), encoding="utf-8")
            output = open(self.output_path, "wb")
            started = time.monotonic()
            # The listening socket arrives as stdin and moves to descriptor 3; $$ is the PID that
            # exec keeps, which sd_listen_fds() checks against LISTEN_PID.
            self._process = subprocess.Popen(
                ["/bin/sh", "-c",
                 f'exec {SYSTEMD_FIRST_FD}<&0 0</dev/null; export LISTEN_PID=$$ LISTEN_FDS=1; '
                 'exec "$0" -F -c "$1"', dovecot, str(config)],
                stdin=listener, stdout=output, stderr=output, start_new_session=True)
            output.close()
        finally:
            listener.close()  # Dovecot holds its own copy
        try:
            self._wait_for_greeting(started)
        except BaseException:
            self.stop()
            raise
        return self.port

    def _wait_for_greeting(self, started: float) -> None:
        deadline = started + START_TIMEOUT_SECONDS
        with socket.create_connection(("127.0.0.1", self.port), timeout=START_TIMEOUT_SECONDS) \
                as probe:
            probe.settimeout(POLL_SECONDS * 10)
            while True:
                try:
                    greeting = probe.recv(512)
                    break
                except socket.timeout:
                    pass
                if self._process.poll() is not None:
                    raise RuntimeError(f"Dovecot exited with {self._process.returncode} while "
                                       f"starting:\n{self.log_text()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Dovecot sent no greeting within "
                                       f"{START_TIMEOUT_SECONDS} s:\n{self.log_text()}")
            if not greeting.startswith(b"220 "):
                raise RuntimeError(f"Dovecot greeted with {greeting!r}:\n{self.log_text()}")
            probe.sendall(b"QUIT\r\n")
        self.start_seconds = time.monotonic() - started

    # -- what the server saw -------------------------------------------------------------------

    def log_text(self) -> str:
        parts = []
        for path in (self.output_path, self.log_path):
            if path.exists() and path.stat().st_size:
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')}")
        return "\n".join(parts) or "(Dovecot wrote no logs)"

    def log_size(self) -> int:
        """A mark for log_text_since(): what the log held before a test's step."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_text_since(self, mark: int) -> str:
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(mark)
            return log.read().decode(errors="replace")

    def wait_for_log(self, pattern: str | re.Pattern, *, since: int = 0,
                     timeout: float = LOG_WAIT_SECONDS) -> re.Match:
        """The first match of `pattern` in the log after `since`, waiting for the log process;
        fails with the whole log when it does not come."""
        expression = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            match = expression.search(self.log_text_since(since))
            if match:
                return match
            if time.monotonic() > deadline:
                raise AssertionError(f"Dovecot's log shows no {expression.pattern!r} within "
                                     f"{timeout} s:\n{self.log_text()}")
            time.sleep(POLL_SECONDS)

    def logins(self, *, since: int = 0) -> list[tuple[str, str]]:
        """(user, mechanism) of every successful login logged after `since`."""
        return LOGIN_LINE.findall(self.log_text_since(since))

    def commands(self, *, since: int = 0) -> list[str]:
        """The verbs the login process read before a login (AUTH's payload is not a verb)."""
        return [verb.upper() for verb in COMMAND_LINE.findall(self.log_text_since(since))]

    # -- lifecycle -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ends Dovecot's process group (the master's PID is its ID) and waits until none of its
        processes runs any more."""
        if self._process is None:
            return
        group = self._process.pid
        # SIGKILL at once: asked with SIGTERM, the master has taken from 4 ms to 6 s to stop
        # its children. Nothing of a test's Dovecot needs a graceful end; its log is read already.
        _signal_group(group, signal.SIGKILL)
        self._process.wait(STOP_TIMEOUT_SECONDS)
        self._process = None
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while _running_members(group):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Dovecot's processes {_running_members(group)} outlived "
                                   "SIGKILL")
            time.sleep(POLL_SECONDS)


def _signal_group(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except ProcessLookupError:
        pass


def _running_members(group: int) -> list[int]:
    """The processes of `group` that still run. Zombies do not count: children orphaned when the
    master went are reparented to init, which reaps them in its own time (up to a second here)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry))
    return members
