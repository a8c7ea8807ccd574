#pragma once
// Certificate and public-key pinning: the user names the server's certificate by its SHA-256
// fingerprint (of the certificate's DER, or of its SubjectPublicKeyInfo as in RFC 7469 §2.4), and
// a certificate that matches is trusted without a CA. This file parses the pins the user gives,
// computes a certificate's two fingerprints, and matches them.

#include <gnutls/x509.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::net {

// FIPS 180-4: SHA-256 digests are 256 bits.
inline constexpr std::size_t sha256_size = 32;
using Sha256Digest = std::array<unsigned char, sha256_size>;

// The prefix that names the hash in a pin: "sha256:0123...".
inline constexpr std::string_view pin_prefix = "sha256:";

struct CertificateFingerprints {
  Sha256Digest certificate{};  // SHA-256 of the certificate's DER encoding
  Sha256Digest public_key{};   // SHA-256 of its DER SubjectPublicKeyInfo
};

enum class PinMatch {
  none,
  certificate,  // a pin equals the certificate's fingerprint
  public_key,   // a pin equals the public key's fingerprint (survives certificate renewal)
};

// Parses a comma-separated pin list. Each pin is "sha256:" and 64 hex digits (any case, colons
// anywhere between them), or msmtp's form: 32 colon-separated hex bytes with no prefix. Throws
// smtpsend::Failure(usage) naming the bad pin: bad hex digits, a wrong length, or a SHA-1 or MD5
// fingerprint (refused, asking for SHA-256). An empty list gives no pins.
std::vector<Sha256Digest> parse_pins(std::string_view list);

// "sha256:" and 64 lowercase hex digits: the form parse_pins() reads back.
std::string format_pin(const Sha256Digest& digest);

// Both fingerprints of `certificate`. Throws smtpsend::Failure(internal) if GnuTLS cannot export
// or hash it.
CertificateFingerprints fingerprints_of(gnutls_x509_crt_t certificate);

// Which of the two fingerprints some pin equals; the certificate's is checked first.
PinMatch match_pins(const std::vector<Sha256Digest>& pins,
                    const CertificateFingerprints& fingerprints);

// "certificate" or "public key", for trace lines.
std::string_view describe(PinMatch match);

// The message for a certificate that matches no pin: the host, both of the certificate's
// fingerprints in the pin format (so the user can compare them with what they expect), and what
// to do.
std::string pin_mismatch_message(std::string_view expected_host,
                                 const CertificateFingerprints& fingerprints);

}  // namespace smtpsend::net
