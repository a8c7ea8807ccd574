#pragma once
// What a TLS handshake established, as a value: the version, cipher and group agreed, the
// server's certificates, how they were trusted, the channel-binding data SASL's -PLUS mechanisms
// need, and the warnings the caller should show. The session fills it once, after the handshake;
// the trace prints it with tls_facts_lines(), and the application shows its warnings.

#include <gnutls/gnutls.h>

#include <chrono>
#include <string>
#include <vector>

#include "net/tls_peer_certificate.hpp"
#include "net/tls_pinning.hpp"

namespace smtpsend::net {

// How the server's certificate came to be trusted.
enum class TrustBasis {
  ca,            // it chains to a trusted CA, and names the server (RFC 6125)
  pin,           // it matches --tls-fingerprint: the pin alone decides (no CA, name or dates)
  not_verified,  // --tls-insecure without a pin: nothing was checked
};

struct TlsVerification {
  TrustBasis basis = TrustBasis::ca;
  bool insecure = false;          // --tls-insecure (with a pin it changes nothing)
  std::string name;               // the name checked: an A-label or an address
  std::string trust_source;       // "the system trust store" or "the trust file '...'"
  PinMatch pin = PinMatch::none;  // what matched --tls-fingerprint, when pins were given
  // What a CA verification found (gnutls_certificate_status_t bits, 0 = trusted). Without
  // --tls-insecure it is 0: the handshake fails otherwise. With it, it is what verification would
  // have found, so a trace can tell the user what the real problem is.
  unsigned status = 0;
  // GnuTLS's words for `status`, or why verification could not run (then `checked` is false).
  std::string status_text;
  bool checked = true;
};

// The client certificate, as the server asked for it and we answered.
struct TlsClientCertificate {
  bool requested = false;  // the server sent a CertificateRequest
  bool sent = false;       // ours went out
  std::string subject;     // ours, loaded from --tls-cert; "" when none was given
};

// Channel-binding data (RFC 5056) for SCRAM-PLUS and the like: secret-adjacent, never traced.
struct ChannelBindings {
  // RFC 9266 "tls-exporter": 32 octets; TLS 1.3, or TLS 1.2 with the extended master secret.
  std::vector<unsigned char> tls_exporter;
  // RFC 5929 "tls-unique": the first Finished message; TLS 1.2 and older only.
  std::vector<unsigned char> tls_unique;
};

// RFC 9266 §2: the exporter's output is 32 octets long.
inline constexpr std::size_t tls_exporter_size = 32;

struct TlsFacts {
  std::string protocol;     // "TLS1.3"
  std::string cipher;       // "AES-256-GCM"
  std::string mac;          // "SHA256" for a CBC suite; "" for an AEAD cipher, which has none
  std::string group;        // the key-exchange group, "X25519"; "" when there was none
  std::string description;  // GnuTLS's one-line summary, "(TLS1.3)-(ECDHE-X25519)-(...)"
  // The certificates the server sent, leaf first; only the leaf has fingerprints.
  std::vector<PeerCertificate> chain;
  TlsVerification verification;
  TlsClientCertificate client_certificate;
  bool resumed = false;
  std::chrono::microseconds handshake_duration{0};
  ChannelBindings channel_bindings;
  // For the user (stderr), not only the trace: e.g. that --tls-insecure leaves the connection
  // open to interception.
  std::vector<std::string> warnings;
};

// Reads what `session` agreed on (after a successful handshake): version, cipher, MAC, group,
// the certificate chain, resumption and the channel bindings GnuTLS gives for this version. The
// caller fills in verification, client_certificate, handshake_duration and warnings.
TlsFacts read_tls_facts(gnutls_session_t session);

// The trace lines for `facts`, in order; never the channel-binding bytes (only which kinds are
// available) nor the warnings (the session traces those when it makes them).
std::vector<std::string> tls_facts_lines(const TlsFacts& facts);

}  // namespace smtpsend::net
