"""Test certificates made at test time with GnuTLS's certtool.

Nothing here is checked in: every run gets fresh keys, so no certificate in the repository can
expire and no private key is ever published. The layout is:

  ca.pem / ca.key                  the private CA the client is told to trust (--tls-trust-file)
  server.pem / server.key          "localhost", SANs DNS:localhost and IP:127.0.0.1, signed by ca
  wrong-name.pem / wrong-name.key  SAN DNS:mail.wrong-name.test only, signed by the same trusted ca
  other-ca.pem / other-ca.key      a second CA that the client is never told to trust
  other-server.pem / .key          "localhost" (same SANs as server.pem) signed by other-ca

Standalone use (scripts/demo): `/usr/bin/python3 certs.py DIR` writes the files into DIR.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

CERTTOOL_TIMEOUT_SECONDS = 60
# Short-lived on purpose: the files live only as long as one test run.
VALIDITY_DAYS = 2
# RSA rather than ECDSA: OpenSMTPD 6.8 (Debian 12) signs through its privilege-separated key
# process, which fails for ECDSA keys under OpenSSL 3 ("EVP lib" at the handshake). 2048 bits is
# the smallest size every TLS stack here accepts and generates in well under a second.
KEY_ARGS = ("--key-type=rsa", "--bits=2048")

WRONG_HOST_NAME = "mail.wrong-name.test"


@dataclasses.dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


@dataclasses.dataclass(frozen=True)
class Pki:
    directory: Path
    ca: KeyPair
    server: KeyPair
    wrong_name_server: KeyPair
    other_ca: KeyPair
    other_ca_server: KeyPair


class CerttoolMissing(RuntimeError):
    pass


def _certtool() -> str:
    path = shutil.which("certtool")
    if path is None:
        raise CerttoolMissing(
            "certtool not found: install Debian's gnutls-bin (apt-get install -y gnutls-bin)")
    return path


def _run_certtool(args: list[str]) -> None:
    completed = subprocess.run([_certtool(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=CERTTOOL_TIMEOUT_SECONDS, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"certtool {' '.join(args)} failed ({completed.returncode}):\n"
                           f"{completed.stderr.decode(errors='replace')}")


def _write_template(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def _private_key(path: Path) -> Path:
    _run_certtool(["--generate-privkey", *KEY_ARGS, "--outfile", str(path)])
    # OpenSMTPD refuses a key file that others can read; 0600 suits every server we start.
    os.chmod(path, 0o600)
    return path


def _make_ca(directory: Path, name: str, common_name: str) -> KeyPair:
    key = _private_key(directory / f"{name}.key")
    template = _write_template(directory / f"{name}.tmpl", [
        f'cn = "{common_name}"',
        'organization = "smtpsend tests"',
        "ca",
        "cert_signing_key",
        "crl_signing_key",
        f"expiration_days = {VALIDITY_DAYS}",
    ])
    cert = directory / f"{name}.pem"
    _run_certtool(["--generate-self-signed", "--load-privkey", str(key), "--template",
                   str(template), "--outfile", str(cert)])
    return KeyPair(cert=cert, key=key)


def _make_server(directory: Path, name: str, issuer: KeyPair, common_name: str,
                 dns_names: list[str], ip_addresses: list[str]) -> KeyPair:
    key = _private_key(directory / f"{name}.key")
    template = _write_template(directory / f"{name}.tmpl", [
        f'cn = "{common_name}"',
        'organization = "smtpsend tests"',
        *(f'dns_name = "{dns}"' for dns in dns_names),
        *(f'ip_address = "{ip}"' for ip in ip_addresses),
        "tls_www_server",
        "signing_key",
        "encryption_key",
        f"expiration_days = {VALIDITY_DAYS}",
    ])
    cert = directory / f"{name}.pem"
    _run_certtool(["--generate-certificate", "--load-privkey", str(key), "--load-ca-certificate",
                   str(issuer.cert), "--load-ca-privkey", str(issuer.key), "--template",
                   str(template), "--outfile", str(cert)])
    return KeyPair(cert=cert, key=key)


def make_pki(directory: Path) -> Pki:
    """Writes a fresh set of CAs and server certificates into `directory` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca = _make_ca(directory, "ca", "smtpsend test CA")
    other_ca = _make_ca(directory, "other-ca", "smtpsend untrusted test CA")
    return Pki(
        directory=directory,
        ca=ca,
        server=_make_server(directory, "server", ca, "localhost", ["localhost"], ["127.0.0.1"]),
        wrong_name_server=_make_server(directory, "wrong-name", ca, WRONG_HOST_NAME,
                                       [WRONG_HOST_NAME], []),
        other_ca=other_ca,
        other_ca_server=_make_server(directory, "other-server", other_ca, "localhost",
                                     ["localhost"], ["127.0.0.1"]),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Generate test CAs and server certificates.")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    pki = make_pki(args.directory)
    for field in dataclasses.fields(pki):
        value = getattr(pki, field.name)
        if isinstance(value, KeyPair):
            print(f"{field.name}: {value.cert} {value.key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
