#pragma once
// Turning GnuTLS's certificate verification status into a message that says why the server's
// certificate was refused and what the user can do about it.

#include <gnutls/x509.h>

#include <optional>
#include <string>
#include <string_view>

#include "net/tls_peer_certificate.hpp"

namespace smtpsend::net {

// What the user can do when the certificate is not trusted; also what tests look for.
inline constexpr std::string_view trust_advice =
    "use --tls-trust-file FILE to trust a private CA, or --tls-insecure to skip verification "
    "(unsafe)";

// GnuTLS's own wording for a gnutls_certificate_status_t bit set ("The certificate is NOT
// trusted. The certificate issuer is unknown.").
std::string verification_status_text(unsigned status);

// The whole message for a failed verification: which host (an international name in both its
// forms), each reason in plain words (naming the issuer, the certificate's subject and names, or
// its dates), GnuTLS's own text, and advice.
// `trust_source` is "the system trust store" or "the trust file '...'";
// `trust_store_empty` adds why nothing could be trusted at all.
std::string verification_failure_message(unsigned status, std::string_view expected_host,
                                         const std::optional<PeerCertificate>& certificate,
                                         std::string_view trust_source, bool trust_store_empty);

}  // namespace smtpsend::net
