"""A private MIT Kerberos realm on loopback: a KDC (Debian's krb5-kdc), a service keytab and a
user's credential cache, for the GSSAPI tests.

Everything lives in one temporary directory: the realm's configuration (krb5.conf for the
clients, kdc.conf for the KDC, named by KRB5_CONFIG and KRB5_KDC_PROFILE), its database, the
keytab of the service principal smtp/localhost and the credential caches. The KDC is the test's
own process (`krb5kdc -n`, no fork) on 127.0.0.1, stopped by its PID; the machine's
/etc/krb5.conf and any system KDC are never used.

krb5kdc cannot be handed a listening socket or told to take port 0, so the realm picks a free
port and, should another process take it before the KDC binds, tries another (a bounded number of
times).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Optional

from server_threads import stop_process

KDC_PACKAGES = {
    "krb5kdc": "krb5-kdc",
    "kdb5_util": "krb5-kdc",
    "kadmin.local": "krb5-admin-server",
    "kinit": "krb5-user",
    "kdestroy": "krb5-user",
}
REALM = "SMTPSEND.TEST"
SERVICE_HOST = "localhost"  # the client names the server so; its principal is smtp/localhost
SERVICE_PRINCIPAL = f"smtp/{SERVICE_HOST}@{REALM}"
COMMAND_TIMEOUT_SECONDS = 20
START_TIMEOUT_SECONDS = 10
PORT_ATTEMPTS = 5
# The database's master password; nothing but kdb5_util ever asks for it (the stash file answers).
_MASTER_PASSWORD = "master-of-a-throwaway-realm"


def find_tool(name: str) -> Optional[str]:
    search_path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])
    return shutil.which(name, path=search_path)


def missing_packages() -> list[str]:
    """The Debian packages whose programs the realm needs and cannot find."""
    return sorted({package for tool, package in KDC_PACKAGES.items() if not find_tool(tool)})


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class KerberosRealm:
    """The realm REALM in `directory`: call start(), then add_user()/kinit(); stop() at the end."""

    __test__ = False

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.realm = REALM
        self.krb5_conf = self.directory / "krb5.conf"
        self.kdc_conf = self.directory / "kdc.conf"
        self.keytab = self.directory / "smtp.keytab"
        self.kdc_log = self.directory / "kdc.log"
        self.port: Optional[int] = None
        self.setup_seconds: Optional[float] = None  # database, principals, keytab and KDC start
        self._process: Optional[subprocess.Popen] = None

    # --- configuration

    def environment(self, ccache: Optional[Path] = None) -> dict[str, str]:
        """The variables that point a Kerberos client (and the KDC tools) at this realm only."""
        env = {"KRB5_CONFIG": str(self.krb5_conf), "KRB5_KDC_PROFILE": str(self.kdc_conf)}
        if ccache is not None:
            env["KRB5CCNAME"] = f"FILE:{ccache}"
        return env

    def _write_configuration(self, port: int) -> None:
        # No DNS anywhere: "localhost" stays "localhost" (no canonicalisation, no reverse lookup),
        # so the client asks for smtp/localhost, which is what the keytab holds. TCP only
        # (udp_preference_limit = 1): one listener to find free, no UDP retransmission waits.
        self.krb5_conf.write_text(f"""\
# Generated for one test run; see tests/integration/kerberos.py.
[libdefaults]
    default_realm = {REALM}
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1

[realms]
    {REALM} = {{
        kdc = 127.0.0.1:{port}
    }}

[domain_realm]
    {SERVICE_HOST} = {REALM}

[logging]
    default = FILE:{self.directory}/krb5lib.log
""", encoding="utf-8")
        self.kdc_conf.write_text(f"""\
# Generated for one test run; see tests/integration/kerberos.py.
[kdcdefaults]
    kdc_listen = 127.0.0.1:{port}
    kdc_tcp_listen = 127.0.0.1:{port}

[realms]
    {REALM} = {{
        database_name = {self.directory}/principal
        key_stash_file = {self.directory}/stash
        acl_file = {self.directory}/kadm5.acl
        kdc_listen = 127.0.0.1:{port}
        kdc_tcp_listen = 127.0.0.1:{port}
    }}

[logging]
    kdc = FILE:{self.kdc_log}
    admin_server = FILE:{self.directory}/kadmin.log
""", encoding="utf-8")

    def _run(self, *args: str, stdin: str = "", env: Optional[dict[str, str]] = None) -> str:
        tool = find_tool(args[0])
        if tool is None:
            raise RuntimeError(f"{args[0]} is not installed: apt-get install -y "
                               f"{KDC_PACKAGES.get(args[0], args[0])}")
        completed = subprocess.run([tool, *args[1:]], input=stdin.encode(),
                                   capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS,
                                   env={**os.environ, **self.environment(), **(env or {})},
                                   check=False)
        output = (completed.stdout + completed.stderr).decode(errors="replace")
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited with {completed.returncode}:\n{output}")
        return output

    def _kadmin(self, query: str) -> str:
        return self._run("kadmin.local", "-r", REALM, "-q", query)

    # --- life cycle

    def start(self) -> None:
        started = time.monotonic()
        self._write_configuration(0)  # kdb5_util reads the realm's files; the port comes later
        self._run("kdb5_util", "create", "-s", "-r", REALM, "-P", _MASTER_PASSWORD)
        self._kadmin(f"addprinc -randkey {SERVICE_PRINCIPAL}")
        self._kadmin(f"ktadd -k {self.keytab} {SERVICE_PRINCIPAL}")
        failures = []
        for _ in range(PORT_ATTEMPTS):
            port = _free_port()
            self._write_configuration(port)
            error = self._start_kdc(port)
            if error is None:
                self.port = port
                self.setup_seconds = time.monotonic() - started
                return
            failures.append(f"port {port}: {error}")
        raise RuntimeError("krb5kdc did not start:\n" + "\n".join(failures))

    def _start_kdc(self, port: int) -> Optional[str]:
        """Starts krb5kdc on `port`; None once it accepts connections, else why it did not."""
        kdc = find_tool("krb5kdc")
        if kdc is None:
            raise RuntimeError("krb5kdc is not installed: apt-get install -y krb5-kdc")
        output = open(self.directory / "krb5kdc-output.log", "wb")
        # -n: stay in the foreground, so the PID we hold is the KDC's.
        self._process = subprocess.Popen([kdc, "-n", "-r", REALM], stdin=subprocess.DEVNULL,
                                         stdout=output, stderr=output,
                                         env={**os.environ, **self.environment()})
        output.close()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return f"krb5kdc exited at start:\n{self.logs()}"
            if _accepts_connections(port):
                return None
            time.sleep(0.02)
        self.stop()
        return f"krb5kdc did not accept connections within {START_TIMEOUT_SECONDS} s"

    def stop(self) -> None:
        if self._process is None:
            return
        stop_process(self._process)
        self._process = None

    # --- principals and tickets

    def add_user(self, name: str, password: str) -> str:
        """Creates the principal name@REALM with `password`; returns the principal."""
        self._kadmin(f"addprinc -pw {password} {name}")
        return f"{name}@{REALM}"

    def kinit(self, name: str, password: str, ccache: Path) -> None:
        """Fills the credential cache `ccache` with name's ticket-granting ticket. The password
        goes on kinit's standard input, never in its argv."""
        self._run("kinit", f"{name}@{REALM}", stdin=password + "\n",
                  env=self.environment(ccache))

    def logs(self) -> str:
        parts = []
        for name in ("kdc.log", "krb5kdc-output.log", "krb5lib.log"):
            path = self.directory / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')}")
        return "\n".join(parts) or "(the KDC wrote no logs)"
