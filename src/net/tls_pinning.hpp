#pragma once
// Certificate and public-key pinning: the user names the server's certificate by its SHA-256
// fingerprint (of the certificate's DER, or of its SubjectPublicKeyInfo as in RFC 7469 §2.4), and
// a certificate that matches is trusted on the pin alone: no CA, host name or validity dates are
// checked (what msmtprc's tls_fingerprint means, and what lets a self-signed certificate be used).
// The SHA-1 fingerprint of the certificate (msmtp's older form) is accepted too, with a warning.
// This file parses the pins the user gives, computes a certificate's fingerprints, and matches
// them.

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
// FIPS 180-4: SHA-1 digests are 160 bits.
inline constexpr std::size_t sha1_size = 20;
using Sha1Digest = std::array<unsigned char, sha1_size>;

// The prefix that names the hash in a pin: "sha256:0123...".
inline constexpr std::string_view pin_prefix = "sha256:";

struct CertificateFingerprints {
  Sha256Digest certificate{};     // SHA-256 of the certificate's DER encoding
  Sha256Digest public_key{};      // SHA-256 of its DER SubjectPublicKeyInfo
  Sha1Digest certificate_sha1{};  // SHA-1 of the certificate's DER encoding (msmtp's older form)
};

enum class PinMatch {
  none,
  certificate,       // a pin equals the certificate's fingerprint
  public_key,        // a pin equals the public key's fingerprint (survives certificate renewal)
  certificate_sha1,  // a SHA-1 pin equals the certificate's SHA-1 fingerprint
};

struct Pins {
  std::vector<Sha256Digest> sha256;  // of the certificate or of its public key
  std::vector<Sha1Digest> sha1;      // of the certificate; accepted with a warning
  bool empty() const { return sha256.empty() && sha1.empty(); }
};

// Parses a comma-separated pin list. Each pin is "sha256:" and 64 hex digits (any case, colons
// anywhere between them), or msmtp's form: 32 colon-separated hex bytes with no prefix; or, in
// msmtp's older form, 20 colon-separated hex bytes: a SHA-1 fingerprint. Throws
// smtpsend::Failure(usage) naming the bad pin: bad hex digits, a wrong length, or an MD5
// fingerprint (refused, asking for SHA-256). An empty list gives no pins.
Pins parse_pins(std::string_view list);

// The warning for a SHA-1 pin that matched: SHA-1 no longer identifies a certificate safely
// (collisions are practical), so the user is asked to pin `sha256` (format_pin) instead.
std::string sha1_pin_warning(const Sha256Digest& sha256);

// "sha256:" and 64 lowercase hex digits: the form parse_pins() reads back.
std::string format_pin(const Sha256Digest& digest);

// The fingerprints of `certificate`. Throws smtpsend::Failure(internal) if GnuTLS cannot export
// or hash it.
CertificateFingerprints fingerprints_of(gnutls_x509_crt_t certificate);

// Which fingerprint some pin equals; the certificate's SHA-256 is checked first.
PinMatch match_pins(const Pins& pins, const CertificateFingerprints& fingerprints);

// "certificate", "public key" or "certificate's SHA-1 fingerprint", for trace lines.
std::string_view describe(PinMatch match);

// The message for a certificate that matches no pin: the host, both of the certificate's
// fingerprints in the pin format (so the user can compare them with what they expect), and what
// to do.
std::string pin_mismatch_message(std::string_view expected_host,
                                 const CertificateFingerprints& fingerprints);

}  // namespace smtpsend::net
