"""Test certificates made at test time with GnuTLS's certtool.

Nothing here is checked in: every run gets fresh keys, so no certificate in the repository can
expire and no private key is ever published. The layout is:

  ca.pem / ca.key                  the private CA the client is told to trust (--tls-trust-file)
  server.pem / server.key          "localhost", SANs DNS:localhost and IP:127.0.0.1, signed by ca
  wrong-name.pem / wrong-name.key  SAN DNS:mail.wrong-name.test only, signed by the same trusted ca
  other-ca.pem / other-ca.key      a second CA that the client is never told to trust
  other-server.pem / .key          "localhost" (same SANs as server.pem) signed by other-ca
  expired.pem / expired.key        "localhost" signed by the trusted ca, valid only in January 2020
  self-signed.pem / .key           "localhost" (same SANs as server.pem), its own issuer

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
from typing import Optional

CERTTOOL_TIMEOUT_SECONDS = 60
# Short-lived on purpose: the files live only as long as one test run.
VALIDITY_DAYS = 2
# RSA rather than ECDSA: OpenSMTPD 6.8 (Debian 12) signs through its privilege-separated key
# process, which fails for ECDSA keys under OpenSSL 3 ("EVP lib" at the handshake). 2048 bits is
# the smallest size every TLS stack here accepts and generates in well under a second.
KEY_ARGS = ("--key-type=rsa", "--bits=2048")

WRONG_HOST_NAME = "mail.wrong-name.test"
# A validity period long past (certtool template keys), for a certificate that has expired.
EXPIRED_VALIDITY = ['activation_date = "2020-01-01 00:00:00"',
                    'expiration_date = "2020-01-31 00:00:00"']


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
    expired_server: KeyPair
    self_signed_server: KeyPair


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


def _make_server(directory: Path, name: str, issuer: Optional[KeyPair], common_name: str,
                 dns_names: list[str], ip_addresses: list[str],
                 validity: Optional[list[str]] = None) -> KeyPair:
    """A server certificate signed by `issuer`, or by its own key when `issuer` is None."""
    key = _private_key(directory / f"{name}.key")
    template = _write_template(directory / f"{name}.tmpl", [
        f'cn = "{common_name}"',
        'organization = "smtpsend tests"',
        *(f'dns_name = "{dns}"' for dns in dns_names),
        *(f'ip_address = "{ip}"' for ip in ip_addresses),
        "tls_www_server",
        "signing_key",
        "encryption_key",
        *(validity or [f"expiration_days = {VALIDITY_DAYS}"]),
    ])
    cert = directory / f"{name}.pem"
    if issuer is None:
        signing = ["--generate-self-signed"]
    else:
        signing = ["--generate-certificate", "--load-ca-certificate", str(issuer.cert),
                   "--load-ca-privkey", str(issuer.key)]
    _run_certtool([*signing, "--load-privkey", str(key), "--template", str(template),
                   "--outfile", str(cert)])
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
        expired_server=_make_server(directory, "expired", ca, "localhost", ["localhost"],
                                    ["127.0.0.1"], validity=EXPIRED_VALIDITY),
        self_signed_server=_make_server(directory, "self-signed", None, "localhost",
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


# -- Pinning and client certificates (test_tls_pinning.py) ---------------------------------------
# Kept apart from make_pki(): only the pinning tests pay for these keys.

@dataclasses.dataclass(frozen=True)
class PinningPki:
    self_signed: KeyPair  # "localhost", SANs DNS:localhost and IP:127.0.0.1, its own issuer
    client_ca: KeyPair    # the CA a server that requires client certificates trusts
    client: KeyPair       # "smtpsend test client", signed by client_ca, for TLS clients


def make_pinning_pki(directory: Path) -> PinningPki:
    """Writes a self-signed server certificate and a client CA and certificate into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    self_signed_key = _private_key(directory / "pinned-self-signed.key")
    self_signed_template = _write_template(directory / "pinned-self-signed.tmpl", [
        'cn = "localhost"',
        'organization = "smtpsend tests"',
        'dns_name = "localhost"',
        'ip_address = "127.0.0.1"',
        "tls_www_server",
        "signing_key",
        "encryption_key",
        f"expiration_days = {VALIDITY_DAYS}",
    ])
    self_signed_cert = directory / "pinned-self-signed.pem"
    _run_certtool(["--generate-self-signed", "--load-privkey", str(self_signed_key), "--template",
                   str(self_signed_template), "--outfile", str(self_signed_cert)])

    client_ca = _make_ca(directory, "client-ca", "smtpsend client CA")
    client_key = _private_key(directory / "client.key")
    client_template = _write_template(directory / "client.tmpl", [
        'cn = "smtpsend test client"',
        'organization = "smtpsend tests"',
        "tls_www_client",
        "signing_key",
        f"expiration_days = {VALIDITY_DAYS}",
    ])
    client_cert = directory / "client.pem"
    _run_certtool(["--generate-certificate", "--load-privkey", str(client_key),
                   "--load-ca-certificate", str(client_ca.cert), "--load-ca-privkey",
                   str(client_ca.key), "--template", str(client_template), "--outfile",
                   str(client_cert)])
    return PinningPki(self_signed=KeyPair(cert=self_signed_cert, key=self_signed_key),
                      client_ca=client_ca, client=KeyPair(cert=client_cert, key=client_key))


def certificate_fingerprint(cert: Path) -> str:
    """"sha256:" and the hex SHA-256 of the certificate's DER, as --tls-fingerprint takes it."""
    import hashlib
    import ssl

    der = ssl.PEM_cert_to_DER_cert(Path(cert).read_text(encoding="ascii"))
    return "sha256:" + hashlib.sha256(der).hexdigest()


def public_key_fingerprint(cert: Path) -> str:
    """The same for the certificate's SubjectPublicKeyInfo, from certtool's RFC 7469 pin."""
    import base64

    completed = subprocess.run([_certtool(), "--certificate-info", "--infile", str(cert)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=CERTTOOL_TIMEOUT_SECONDS, check=True)
    for line in completed.stdout.decode("ascii", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("pin-sha256:"):
            return "sha256:" + base64.b64decode(line[len("pin-sha256:"):]).hex()
    raise RuntimeError(f"certtool printed no pin-sha256 line for {cert}")


# -- Revocation lists and SHA-1 fingerprints (test_msmtp_compatibility.py) -----------------------

def make_crl(directory: Path, name: str, issuer: KeyPair, revoked: list[KeyPair]) -> Path:
    """A PEM CRL signed by `issuer` (a CA made with crl_signing_key) listing `revoked`."""
    directory = Path(directory)
    template = _write_template(directory / f"{name}.tmpl", [
        f"crl_next_update = {VALIDITY_DAYS}",
        "crl_number = 1",
    ])
    crl = directory / f"{name}.pem"
    loaded: list[str] = []
    if revoked:
        # certtool reads every certificate of the one file it is given.
        bundle = directory / f"{name}-revoked.pem"
        bundle.write_text("".join(pair.cert.read_text(encoding="ascii") for pair in revoked),
                          encoding="ascii")
        loaded = ["--load-certificate", str(bundle)]
    _run_certtool(["--generate-crl", "--load-ca-privkey", str(issuer.key),
                   "--load-ca-certificate", str(issuer.cert), *loaded, "--template",
                   str(template), "--outfile", str(crl)])
    return crl


def certificate_sha1_fingerprint(cert: Path) -> str:
    """msmtp's older tls_fingerprint form: the SHA-1 of the certificate's DER as upper-case hex
    bytes separated by colons."""
    import hashlib
    import ssl

    der = ssl.PEM_cert_to_DER_cert(Path(cert).read_text(encoding="ascii"))
    digits = hashlib.sha1(der).hexdigest().upper()
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))


# -- Client certificates for SASL EXTERNAL (test_sasl_dovecot.py) --------------------------------

def make_client_certificate(directory: Path, name: str, issuer: KeyPair,
                            common_name: str) -> KeyPair:
    """A TLS client certificate whose common name is `common_name`, signed by `issuer`.

    Servers that take the SASL EXTERNAL identity from the certificate (Dovecot's
    auth_ssl_username_from_cert) read it from the common name, so make it a plain user name.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = _private_key(directory / f"{name}.key")
    template = _write_template(directory / f"{name}.tmpl", [
        f'cn = "{common_name}"',
        'organization = "smtpsend tests"',
        "tls_www_client",
        "signing_key",
        f"expiration_days = {VALIDITY_DAYS}",
    ])
    cert = directory / f"{name}.pem"
    _run_certtool(["--generate-certificate", "--load-privkey", str(key),
                   "--load-ca-certificate", str(issuer.cert), "--load-ca-privkey", str(issuer.key),
                   "--template", str(template), "--outfile", str(cert)])
    return KeyPair(cert=cert, key=key)
