#pragma once
// The facts about the server's certificate that traces and error messages show a user.

#include <gnutls/gnutls.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "net/gnutls_handles.hpp"
#include "net/tls_pinning.hpp"

namespace smtpsend::net {

struct PeerCertificate {
  std::string subject;                 // RFC 4514 distinguished name, "CN=mail.example.com,O=..."
  std::string issuer;                  // the same for the CA that signed it
  std::vector<std::string> alt_names;  // subjectAltName DNS names and IP addresses
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  // Its SHA-256 fingerprints, shown in traces and pin errors; empty if GnuTLS failed to export
  // the certificate, and for the certificates above the leaf in read_peer_chain().
  std::optional<CertificateFingerprints> fingerprints;
};

// The server's leaf certificate, parsed; null if it sent no X.509 certificate (yet). Usable inside
// a verification callback, during the handshake.
UniqueGnutlsCertificate peer_leaf_certificate(gnutls_session_t session);

// The first (leaf) certificate the server sent in this session, if it sent an X.509 one. Works
// after a failed handshake too, as long as the server's Certificate message was received.
std::optional<PeerCertificate> read_peer_certificate(gnutls_session_t session);

// Every certificate the server sent, leaf first, read as read_peer_certificate() reads the leaf;
// only the leaf's fingerprints are computed. Empty when it sent no X.509 certificate.
std::vector<PeerCertificate> read_peer_chain(gnutls_session_t session);

// "2031-01-02 03:04:05 UTC".
std::string format_utc(std::time_t when);

}  // namespace smtpsend::net
