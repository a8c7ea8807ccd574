"""SCRAM (RFC 5802, RFC 7677) on the server side of the recording server, with channel binding.

An implementation independent of GNU SASL, so that the client's GNU SASL SCRAM and the bindings it
takes from GnuTLS are checked against something else: Python's hashlib/hmac for the arithmetic and
Python's ssl (OpenSSL) for the binding. It serves SCRAM-SHA-1, SCRAM-SHA-256 and their -PLUS
variants as aiosmtpd AUTH mechanisms: the recording server's handler inherits `ScramMechanisms`,
and aiosmtpd offers every `auth_*` method of its handler, except those the server excludes
(`scram_mechanisms_not_offered`).

Channel binding, from the server's own TLS session:
- `tls-unique` (RFC 5929, TLS 1.2 and earlier) from `SSLObject.get_channel_binding`;
- `tls-exporter` (RFC 9266, TLS 1.3): Python 3.11's ssl has no keying-material exporter, so it is
  asked of OpenSSL itself, through ctypes, on the `SSL *` behind the SSLObject (`_openssl_ssl`:
  read from CPython's object layout, and checked against what Python's ssl reports before use).

What each exchange did is kept in the `ScramPolicy` the test hands in (`ScramExchange`): the
mechanism, the GS2 channel-binding flag, the user, the outcome and why, and, so that a test can
look for them where they must not appear (a trace), the client's responses as base64 lines and
the server's own channel-binding data. The password is never recorded.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import dataclasses
import functools
import hashlib
import hmac
import secrets
import stringprep
import threading
import unicodedata
from typing import Optional

SCRAM_HASHES = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}
PLUS = "-PLUS"
ALL_SCRAM_MECHANISMS = tuple(name + suffix for name in SCRAM_HASHES for suffix in ("", PLUS))
# RFC 9266 §2: the exporter's label and length, with no context.
TLS_EXPORTER_LABEL = b"EXPORTER-Channel-Binding"
TLS_EXPORTER_OCTETS = 32
# RFC 7677 §4 asks for at least 4096 iterations; more only slows the tests.
ITERATIONS = 4096
SERVER_NONCE_BYTES = 18

# What the server does after it verified the client's proof (`ScramPolicy.final`).
FINAL_SIGNATURE = "signature"              # 334 v=<ServerSignature>, then 235 after the empty answer
FINAL_WRONG_SIGNATURE = "wrong-signature"  # 334 v=<a signature off by one bit>: a fake server
FINAL_NO_SIGNATURE = "no-signature"        # 235 at once: the server never proves it knows the key
FINALS = (FINAL_SIGNATURE, FINAL_WRONG_SIGNATURE, FINAL_NO_SIGNATURE)

REFUSED_REPLY = "535 5.7.8 Authentication credentials invalid"
MALFORMED_REPLY = "501 5.5.2 Malformed SCRAM message"


@dataclasses.dataclass(frozen=True)
class ScramExchange:
    """One SCRAM exchange as the server saw it. Never holds the password."""
    connection: int
    mechanism: str
    cbind_flag: str         # "n", "y" or "p=<binding type>" (RFC 5802 §7 gs2-cbind-flag)
    user: str
    in_tls: bool
    success: bool
    reason: str             # "" on success; otherwise what the server found wrong
    answer_to_final: str    # the client's answer to the 334 v=...: "empty", "abort" (* or not
    #                         base64), "non-empty", "" when there was no such 334
    client_responses: tuple[str, ...] = ()  # the client's SASL responses, base64 as on the wire
    binding: bytes = b""    # the server's own channel-binding data, when the client asked for it


class ScramPolicy:
    """Which SCRAM mechanisms the server offers, how it ends an exchange, and what it saw."""

    def __init__(self, mechanisms=ALL_SCRAM_MECHANISMS, *, final: str = FINAL_SIGNATURE):
        unknown = set(mechanisms) - set(ALL_SCRAM_MECHANISMS)
        if unknown:
            raise ValueError(f"unknown SCRAM mechanisms {sorted(unknown)}")
        if final not in FINALS:
            raise ValueError(f"unknown final {final!r}; expected one of {', '.join(FINALS)}")
        self.mechanisms = tuple(mechanisms)
        self.final = final
        self._changed = threading.Condition()
        self._exchanges: list[ScramExchange] = []

    @property
    def exchanges(self) -> list[ScramExchange]:
        with self._changed:
            return list(self._exchanges)

    def record(self, exchange: ScramExchange) -> None:
        with self._changed:
            self._exchanges.append(exchange)
            self._changed.notify_all()

    def wait_for_exchanges(self, count: int, timeout: float) -> list[ScramExchange]:
        """Blocks until `count` exchanges ended (a condition, not a poll); raises on timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._exchanges) >= count, timeout=timeout):
                raise TimeoutError(f"expected {count} SCRAM exchange(s) within {timeout} s, got "
                                   f"{self._exchanges}")
            return list(self._exchanges)


def scram_mechanisms_not_offered(policy: Optional[ScramPolicy]) -> list[str]:
    """The names to pass to aiosmtpd's auth_exclude_mechanism."""
    offered = policy.mechanisms if policy is not None else ()
    return [name for name in ALL_SCRAM_MECHANISMS if name not in offered]


# -- RFC 4013 SASLprep (stringprep profile), RFC 5802 §5.1 names ---------------------------------

def saslprep(text: str) -> str:
    """RFC 4013 for stored strings: map, NFKC, refuse prohibited and badly mixed bidi text."""
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in text
                     if not stringprep.in_table_b1(c))
    normalized = unicodedata.normalize("NFKC", mapped)
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21, stringprep.in_table_c22,
                  stringprep.in_table_c3, stringprep.in_table_c4, stringprep.in_table_c5,
                  stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
                  stringprep.in_table_c9, stringprep.in_table_a1)
    for character in normalized:
        if any(test(character) for test in prohibited):
            raise ValueError(f"SASLprep: prohibited character U+{ord(character):04X}")
    if any(stringprep.in_table_d1(c) for c in normalized):
        if any(stringprep.in_table_d2(c) for c in normalized):
            raise ValueError("SASLprep: mixed right-to-left and left-to-right text")
        if not (stringprep.in_table_d1(normalized[0]) and stringprep.in_table_d1(normalized[-1])):
            raise ValueError("SASLprep: right-to-left text must start and end right-to-left")
    return normalized


def unescape_saslname(name: str) -> str:
    """RFC 5802 §5.1: "=2C" is ",", "=3D" is "=", any other "=" is an error."""
    out = []
    index = 0
    while index < len(name):
        if name[index] == "=":
            escape = name[index:index + 3]
            if escape not in ("=2C", "=3D"):
                raise ValueError(f"bad escape {escape!r} in the user name")
            out.append("," if escape == "=2C" else "=")
            index += 3
        else:
            out.append(name[index])
            index += 1
    return "".join(out)


# -- the arithmetic of RFC 5802 §3 ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ScramKeys:
    stored_key: bytes
    server_key: bytes


def derive_keys(hash_name: str, password: str, salt: bytes, iterations: int) -> ScramKeys:
    salted = hashlib.pbkdf2_hmac(hash_name, saslprep(password).encode("utf-8"), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", hash_name)
    return ScramKeys(stored_key=hashlib.new(hash_name, client_key).digest(),
                     server_key=hmac.digest(salted, b"Server Key", hash_name))


def _attributes(message: str) -> list[tuple[str, str]]:
    pairs = []
    for field in message.split(","):
        if len(field) < 2 or field[1] != "=":
            raise ValueError(f"attribute {field[:2]!r}... is not a=value")
        pairs.append((field[0], field[2:]))
    return pairs


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ValueError(f"{what} is not base64") from error


class ScramRefusal(Exception):
    """The exchange failed; the message says why (recorded, and shown in the 535)."""


@dataclasses.dataclass
class ClientFirst:
    gs2_header: str   # up to and including the second comma
    cbind_flag: str
    user: str
    client_nonce: str
    bare: str         # client-first-message-bare


def parse_client_first(message: str) -> ClientFirst:
    # gs2-header = gs2-cbind-flag "," [ authzid ] "," ; then the bare message.
    parts = message.split(",", 2)
    if len(parts) != 3:
        raise ValueError("no GS2 header")
    cbind_flag, authzid, bare = parts
    if not (cbind_flag in ("n", "y") or cbind_flag.startswith("p=")):
        raise ValueError(f"bad gs2-cbind-flag {cbind_flag!r}")
    if authzid and not authzid.startswith("a="):
        raise ValueError("bad authzid")
    attributes = _attributes(bare)
    if attributes and attributes[0][0] == "m":
        raise ValueError("mandatory extension m= is not supported")
    if len(attributes) < 2 or attributes[0][0] != "n" or attributes[1][0] != "r":
        raise ValueError("client-first-message-bare must start n=...,r=...")
    return ClientFirst(gs2_header=f"{cbind_flag},{authzid},", cbind_flag=cbind_flag,
                       user=unescape_saslname(attributes[0][1]), client_nonce=attributes[1][1],
                       bare=bare)


@dataclasses.dataclass
class ClientFinal:
    channel_binding: str  # the c= value, base64
    nonce: str
    proof: bytes
    without_proof: str    # client-final-message-without-proof


def parse_client_final(message: str) -> ClientFinal:
    head, separator, proof = message.rpartition(",p=")
    if not separator:
        raise ValueError("no proof p=")
    attributes = _attributes(head)
    if len(attributes) < 2 or attributes[0][0] != "c" or attributes[1][0] != "r":
        raise ValueError("client-final-message must start c=...,r=...")
    return ClientFinal(channel_binding=attributes[0][1], nonce=attributes[1][1],
                       proof=_b64decode(proof, "the proof"), without_proof=head)


# -- the aiosmtpd side --------------------------------------------------------------------------

def _ssl_object(server):
    transport = server.transport
    return transport.get_extra_info("ssl_object") if transport is not None else None


@functools.lru_cache(maxsize=1)
def _libssl() -> ctypes.CDLL:
    # The libssl Python's _ssl module is linked with (Debian 12: OpenSSL 3); dlopen returns the
    # copy already loaded.
    library = ctypes.CDLL("libssl.so.3")
    library.SSL_export_keying_material.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    library.SSL_export_keying_material.restype = ctypes.c_int
    for name in ("SSL_get_finished", "SSL_get_peer_finished"):
        getattr(library, name).argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        getattr(library, name).restype = ctypes.c_size_t
    return library


def _openssl_ssl(ssl_object) -> int:
    """The `SSL *` behind an ssl.SSLObject. CPython 3.11's _ssl._SSLSocket starts with
    PyObject_HEAD, then `PyObject *Socket`, then `SSL *ssl`. The guess is checked: the Finished
    message read through it must be the tls-unique that Python's ssl reports for the same session
    (a server's tls-unique is the client's Finished when the session is not resumed)."""
    inner = ssl_object._sslobj
    pointer = ctypes.c_void_p.from_address(id(inner) + 2 * ctypes.sizeof(ctypes.c_void_p)
                                           + ctypes.sizeof(ctypes.c_ssize_t)).value
    buffer = ctypes.create_string_buffer(64)
    read = _libssl().SSL_get_peer_finished if ssl_object.server_side else _libssl().SSL_get_finished
    size = read(pointer, buffer, len(buffer))
    expected = ssl_object.get_channel_binding("tls-unique")
    if not pointer or not expected or buffer.raw[:size] != expected:
        raise ScramRefusal("cannot reach OpenSSL's SSL object from this Python for tls-exporter")
    return pointer


def _tls_exporter(ssl_object) -> bytes:
    out = ctypes.create_string_buffer(TLS_EXPORTER_OCTETS)
    if _libssl().SSL_export_keying_material(_openssl_ssl(ssl_object), out, TLS_EXPORTER_OCTETS,
                                            TLS_EXPORTER_LABEL, len(TLS_EXPORTER_LABEL),
                                            None, 0, 0) != 1:
        raise ScramRefusal("OpenSSL could not export keying material")
    return out.raw


def _binding_data(server, binding_type: str) -> bytes:
    """This connection's channel binding of `binding_type`, as the server's TLS stack sees it."""
    ssl_object = _ssl_object(server)
    if ssl_object is None:
        raise ScramRefusal("channel binding requested outside TLS")
    tls13 = ssl_object.version() == "TLSv1.3"
    if binding_type == "tls-unique":
        if tls13:
            raise ScramRefusal("tls-unique is undefined for TLS 1.3 (RFC 9266 §3)")
        return ssl_object.get_channel_binding("tls-unique")
    if binding_type == "tls-exporter":
        if not tls13:
            # RFC 9266 §4.2: only with the extended master secret before TLS 1.3; we keep it
            # to TLS 1.3, where the client must use it.
            raise ScramRefusal("tls-exporter offered on TLS 1.2; this server takes tls-unique")
        return _tls_exporter(ssl_object)
    raise ScramRefusal(f"unsupported channel binding type {binding_type!r}")


class ScramMechanisms:
    """Mixin for the recording server's handler: `users` (name -> password) and `scram` (a
    ScramPolicy or None) are the handler's. aiosmtpd names a mechanism after the method, "__"
    standing for "-"."""

    users: dict[str, str]
    scram: Optional[ScramPolicy] = None

    async def auth_SCRAM__SHA__1(self, server, args):
        return await self._scram_exchange(server, args, "SCRAM-SHA-1")

    async def auth_SCRAM__SHA__1__PLUS(self, server, args):
        return await self._scram_exchange(server, args, "SCRAM-SHA-1-PLUS")

    async def auth_SCRAM__SHA__256(self, server, args):
        return await self._scram_exchange(server, args, "SCRAM-SHA-256")

    async def auth_SCRAM__SHA__256__PLUS(self, server, args):
        return await self._scram_exchange(server, args, "SCRAM-SHA-256-PLUS")

    async def _scram_exchange(self, server, args: list[str], mechanism: str):
        # Imported here: aiosmtpd is only needed once a server runs.
        from aiosmtpd.smtp import MISSING, AuthResult

        policy = self.scram
        assert policy is not None, "SCRAM offered without a ScramPolicy"
        facts = {"connection": getattr(server, "connection_number", 0), "mechanism": mechanism,
                 "cbind_flag": "", "user": "", "in_tls": _ssl_object(server) is not None,
                 "answer_to_final": "", "binding": b""}
        responses: list[str] = []

        def refuse(reason: str, reply: str = REFUSED_REPLY) -> AuthResult:
            policy.record(ScramExchange(**facts, success=False, reason=reason,
                                        client_responses=tuple(responses)))
            return AuthResult(success=False, handled=False, message=reply)

        def aborted(step: str) -> AuthResult:
            # challenge_auth already answered 501 for "*" or a line that is not base64.
            policy.record(ScramExchange(**facts, success=False, reason=f"client aborted {step}",
                                        client_responses=tuple(responses)))
            return AuthResult(success=False, handled=True)

        async def challenge(text: str):
            answer = await server.challenge_auth(text)
            if answer is not MISSING:
                responses.append(base64.b64encode(answer).decode("ascii"))
            return answer

        # RFC 4954 §4: the initial response on the AUTH line, "=" for an empty one.
        if len(args) > 1:
            initial = "" if args[1] == "=" else args[1]
            responses.append(initial)
            try:
                first_bytes = base64.b64decode(initial, validate=True)
            except binascii.Error:
                return refuse("initial response is not base64", MALFORMED_REPLY)
        else:
            first_bytes = await challenge("")
            if first_bytes is MISSING:
                return aborted("before client-first")
        try:
            first = parse_client_first(first_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            return refuse(f"client-first: {error}", MALFORMED_REPLY)
        facts.update(cbind_flag=first.cbind_flag, user=first.user)

        plus = mechanism.endswith(PLUS)
        hash_name = SCRAM_HASHES[mechanism.removesuffix(PLUS)]
        binding = b""
        if plus:
            if not first.cbind_flag.startswith("p="):
                return refuse(f"{mechanism} without channel binding ({first.cbind_flag!r})")
            try:
                binding = _binding_data(server, first.cbind_flag[2:])
            except ScramRefusal as refusal:
                return refuse(str(refusal))
            facts["binding"] = binding
        elif first.cbind_flag.startswith("p="):
            return refuse(f"{mechanism} with channel binding {first.cbind_flag!r}")
        elif first.cbind_flag == "y" and mechanism + PLUS in policy.mechanisms:
            # RFC 5802 §6: the client supports binding but thinks we do not, yet we offered
            # -PLUS: someone removed it on the way (a downgrade).
            return refuse(f"'y' flag although {mechanism}{PLUS} was offered (downgrade)")

        password = self.users.get(first.user)
        salt = secrets.token_bytes(16)
        server_nonce = first.client_nonce + base64.b64encode(
            secrets.token_bytes(SERVER_NONCE_BYTES)).decode("ascii")
        server_first = (f"r={server_nonce},s={base64.b64encode(salt).decode('ascii')},"
                        f"i={ITERATIONS}")
        final_bytes = await challenge(server_first)
        if final_bytes is MISSING:
            return aborted("after server-first")
        try:
            final = parse_client_final(final_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            return refuse(f"client-final: {error}", MALFORMED_REPLY)

        expected_binding = first.gs2_header.encode("utf-8") + binding
        if _b64decode_or_none(final.channel_binding) != expected_binding:
            if plus:
                return refuse("channel binding mismatch: the client's TLS session is not ours")
            return refuse("c= does not repeat the GS2 header")
        if final.nonce != server_nonce:
            return refuse("nonce mismatch")
        if password is None:
            return refuse(f"unknown user {first.user!r}")
        keys = derive_keys(hash_name, password, salt, ITERATIONS)
        auth_message = f"{first.bare},{server_first},{final.without_proof}".encode("utf-8")
        client_signature = hmac.digest(keys.stored_key, auth_message, hash_name)
        if len(final.proof) != len(client_signature):
            return refuse("proof of the wrong length")
        client_key = bytes(a ^ b for a, b in zip(final.proof, client_signature))
        if not hmac.compare_digest(hashlib.new(hash_name, client_key).digest(), keys.stored_key):
            return refuse("wrong proof (password)")

        if policy.final != FINAL_NO_SIGNATURE:
            signature = hmac.digest(keys.server_key, auth_message, hash_name)
            if policy.final == FINAL_WRONG_SIGNATURE:
                signature = bytes([signature[0] ^ 0x01]) + signature[1:]
            answer = await challenge("v=" + base64.b64encode(signature).decode("ascii"))
            if answer is MISSING:
                facts["answer_to_final"] = "abort"
                return aborted("after the server signature")
            facts["answer_to_final"] = "empty" if answer == b"" else "non-empty"
            if answer != b"":
                return refuse("non-empty answer to the server signature", MALFORMED_REPLY)
        policy.record(ScramExchange(**facts, success=True, reason="",
                                    client_responses=tuple(responses)))
        return AuthResult(success=True, handled=False, auth_data=first.user)


def _b64decode_or_none(value: str) -> Optional[bytes]:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        return None
