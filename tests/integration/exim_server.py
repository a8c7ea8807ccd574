"""Debian's Exim (exim4-daemon-light) as a real MTA on a loopback ephemeral port.

Exim takes submissions with STARTTLS and AUTH PLAIN/LOGIN and relays every accepted message to a
recording test server, so a test can check what a real MTA made of smtpsend's dialog.

Exim runs in "inetd wait" mode (-bw): we bind and listen on 127.0.0.1 port 0 ourselves and hand
Exim the listening socket as stdin. The port is known, and connectable, before Exim even starts,
so there is no port race and no waiting for the daemon to come up. Its spool, logs and
configuration live in a temporary directory; a system Exim on port 25, if any, is never touched.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Optional

from certs import KeyPair
from server_threads import stop_process

EXIM_PACKAGE = "exim4-daemon-light"
EXIM_USER = "Debian-exim"  # the account Debian's exim4 packages run the daemon as


def find_exim() -> Optional[str]:
    search_path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("exim4", path=search_path) or shutil.which("exim", path=search_path)


def _expansion_literal(text: str) -> str:
    # Exim string expansion treats $, \ and braces specially; a backslash makes each literal.
    return "".join("\\" + c if c in "\\${}" else c for c in text)


def _address_list(addresses: Iterable[str]) -> str:
    # Exim lists are colon-separated; a literal colon is written twice.
    return " : ".join(address.replace(":", "::") for address in addresses)


def _configuration(directory: Path, keypair: KeyPair, relay_port: int, user: str, password: str,
                   refuse: list[str], implicit_tls_port: Optional[int], chunking: bool,
                   recipients_max: Optional[int]) -> str:
    user_literal = _expansion_literal(user)
    password_literal = _expansion_literal(password)
    refusal_acl = ""
    if refuse:
        refusal_acl = (f"  deny    recipients = {_address_list(refuse)}\n"
                       f"          message = 5.1.1 recipient refused by test policy\n")
    return f"""\
# Generated for one test run; see tests/integration/exim_server.py.
keep_environment =
primary_hostname = localhost
spool_directory = {directory}/spool
log_file_path = {directory}/spool/%slog
# No abstract notifier socket: it is machine-wide and would clash with a system Exim.
notifier_socket =
local_interfaces = 127.0.0.1

tls_advertise_hosts = *
{f"tls_on_connect_ports = {implicit_tls_port}" if implicit_tls_port else "# STARTTLS only"}
# RFC 3030 CHUNKING (BDAT) for every client, whatever the build's default, or for none.
chunking_advertise_hosts = {"*" if chunking else ""}
{f"recipients_max = {recipients_max}" if recipients_max else ""}
tls_certificate = {keypair.cert}
tls_privatekey = {keypair.key}
# RFC 4954 §4: offer AUTH only inside TLS, like a submission server should.
auth_advertise_hosts = ${{if eq{{$tls_in_cipher}}{{}}{{}}{{*}}}}
acl_smtp_rcpt = check_recipient

begin acl

check_recipient:
{refusal_acl}  accept  authenticated = *
  deny    message = 5.7.1 relaying requires authentication

begin routers

to_recording_server:
  driver = manualroute
  transport = recording_server
  route_list = * 127.0.0.1
  # The next hop is this very host; relay to it anyway.
  self = send

begin transports

recording_server:
  driver = smtp
  port = {relay_port}
  allow_localhost
  hosts_avoid_tls = *

begin authenticators

plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${{if and {{{{eq{{$auth2}}{{{user_literal}}}}}{{eq{{$auth3}}{{{password_literal}}}}}}}}}
  server_set_id = $auth2

login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = ${{if and {{{{eq{{$auth1}}{{{user_literal}}}}}{{eq{{$auth2}}{{{password_literal}}}}}}}}}
  server_set_id = $auth1
"""


class EximServer:
    __test__ = False

    def __init__(self, workspace: Path, keypair: KeyPair, relay_port: int, *, user: str,
                 password: str, refuse: Iterable[str] = (), implicit_tls: bool = False,
                 chunking: bool = True, recipients_max: Optional[int] = None):
        # implicit_tls: TLS from the first byte (RFC 8314), as on port 465, instead of STARTTLS.
        # chunking: offer CHUNKING (BDAT); without it the client must use DATA.
        # A fresh directory inside `workspace` (see make_workspace) for this server alone.
        self.directory = Path(tempfile.mkdtemp(prefix="exim-", dir=workspace))
        os.chmod(self.directory, 0o711)
        self._keypair = keypair
        self._relay_port = relay_port
        self._user = user
        self._password = password
        self._refuse = list(refuse)
        self._implicit_tls = implicit_tls
        self._chunking = chunking
        self._recipients_max = recipients_max  # Exim answers 452 past it (RFC 5321 §4.5.3.1.10)
        self._process: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None

    def _prepare_directory(self, port: int) -> tuple[Path, KeyPair]:
        spool = self.directory / "spool"
        spool.mkdir(parents=True, exist_ok=True)
        # Exim reads the key and writes its spool and logs as its own user once it has started.
        keypair = KeyPair(cert=spool / "server.pem", key=spool / "server.key")
        shutil.copyfile(self._keypair.cert, keypair.cert)
        shutil.copyfile(self._keypair.key, keypair.key)
        os.chmod(keypair.key, 0o600)
        if os.geteuid() == 0:
            account = pwd.getpwnam(EXIM_USER)
            for path in (spool, keypair.cert, keypair.key):
                os.chown(path, account.pw_uid, account.pw_gid)
        config = self.directory / "exim.conf"
        config.write_text(_configuration(self.directory, keypair, self._relay_port, self._user,
                                         self._password, self._refuse,
                                         port if self._implicit_tls else None,
                                         self._chunking, self._recipients_max),
                          encoding="utf-8")
        return config, keypair

    def start(self, exim: str) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            self.port = listener.getsockname()[1]
            config, _ = self._prepare_directory(self.port)
            output = open(self.directory / "exim-output.log", "wb")
            # -bw: inetd wait mode, the listening socket is stdin. -odi: deliver (relay) at once
            # in the receiving process, so the message needs no queue runner.
            self._process = subprocess.Popen([exim, "-C", str(config), "-bw", "-odi"],
                                             stdin=listener, stdout=output, stderr=output)
            output.close()
        finally:
            listener.close()  # Exim holds its own copy
        return self.port

    def logs(self) -> str:
        parts = []
        for name in ("spool/mainlog", "spool/paniclog", "spool/rejectlog", "exim-output.log"):
            path = self.directory / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')}")
        return "\n".join(parts) or "(Exim wrote no logs)"

    def stop(self) -> None:
        if self._process is None:
            return
        stop_process(self._process)
        self._process = None



def make_workspace() -> Path:
    """A directory for Exim servers, outside pytest's tmp_path.

    pytest's temporary tree is private to its user (0700), and Exim, once started, works as its
    own user and must reach its spool. Remove the workspace only when the session ends: a
    connection's Exim process may still append a log line after its daemon was stopped.
    """
    workspace = Path(tempfile.mkdtemp(prefix="smtpsend-exim-"))
    os.chmod(workspace, 0o711)
    return workspace
