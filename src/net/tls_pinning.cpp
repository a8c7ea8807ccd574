#include "net/tls_pinning.hpp"

#include <fmt/format.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "net/gnutls_handles.hpp"

namespace smtpsend::net {
namespace {

constexpr std::size_t sha256_hex_digits = 2 * sha256_size;
// The lengths of the fingerprints older tools print: SHA-1 (FIPS 180-4, 160 bits), which older
// msmtprc files hold and which is accepted with a warning, and MD5 (RFC 1321, 128 bits), refused:
// collisions are practical for both, and an MD5 pin gives no protection worth having.
constexpr std::size_t sha1_hex_digits = 40;
constexpr std::size_t md5_hex_digits = 32;

// What every usage message ends with: where a user finds the right value.
constexpr std::string_view pin_advice =
    "give \"sha256:\" and the 64 hex digits of the SHA-256 fingerprint of the server's "
    "certificate or of its public key (smtpsend --trace prints both)";

struct PublicKeyDeleter {
  void operator()(gnutls_pubkey_t key) const { gnutls_pubkey_deinit(key); }
};
using UniquePublicKey = std::unique_ptr<gnutls_pubkey_st, PublicKeyDeleter>;

std::optional<unsigned char> hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return static_cast<unsigned char>(c - '0');
  }
  char lower = ascii_lower(c);
  if (lower >= 'a' && lower <= 'f') {
    return static_cast<unsigned char>(lower - 'a' + 10);
  }
  return std::nullopt;
}

[[noreturn]] void refuse_pin(std::string_view pin, std::string_view why) {
  throw Failure(ErrorKind::usage,
                fmt::format("invalid TLS fingerprint pin '{}' (--tls-fingerprint): {}; {}", pin,
                            why, pin_advice));
}

// Names of other hashes a user may have copied from another tool's output.
void refuse_other_hash_prefix(std::string_view pin) {
  constexpr std::string_view weak_prefixes[] = {"sha1:", "sha-1:", "md5:"};
  for (std::string_view prefix : weak_prefixes) {
    if (starts_with_ignoring_ascii_case(pin, prefix)) {
      refuse_pin(pin,
                 "a prefix other than \"sha256:\" is not accepted (a SHA-1 fingerprint is "
                 "written as 20 hex bytes separated by colons, without a prefix)");
    }
  }
  if (starts_with_ignoring_ascii_case(pin, "pin-sha256:")) {
    refuse_pin(pin, "base64 pins (\"pin-sha256:\") are not accepted, only hex");
  }
  constexpr std::string_view other_prefixes[] = {"sha224:", "sha384:", "sha512:"};
  for (std::string_view prefix : other_prefixes) {
    if (starts_with_ignoring_ascii_case(pin, prefix)) {
      refuse_pin(pin, "only SHA-256 fingerprints are accepted");
    }
  }
}

// msmtp's form, "AB:CD:...": without our prefix, only whole bytes separated by colons are taken,
// so that a bare string of digits is not silently read as some hash.
void check_colon_separated_bytes(std::string_view pin) {
  std::size_t group_length = 0;
  for (char c : pin) {
    if (c == ':') {
      if (group_length != 2) {
        refuse_pin(pin,
                   "without the \"sha256:\" prefix a pin must be hex bytes separated by "
                   "colons (AB:CD:...)");
      }
      group_length = 0;
    } else {
      ++group_length;
    }
  }
  if (group_length != 2) {
    refuse_pin(pin,
               "without the \"sha256:\" prefix a pin must be hex bytes separated by colons "
               "(AB:CD:...)");
  }
}

template <std::size_t size>
std::array<unsigned char, size> digest_from(const std::vector<unsigned char>& nibbles) {
  std::array<unsigned char, size> digest{};
  for (std::size_t i = 0; i < size; ++i) {
    digest[i] = static_cast<unsigned char>((nibbles[2 * i] << 4) | nibbles[2 * i + 1]);
  }
  return digest;
}

void parse_pin(std::string_view pin, Pins& pins) {
  refuse_other_hash_prefix(pin);
  std::string_view digits = pin;
  const bool prefixed = starts_with_ignoring_ascii_case(pin, pin_prefix);
  if (prefixed) {
    digits.remove_prefix(pin_prefix.size());
  } else {
    check_colon_separated_bytes(pin);
  }

  std::vector<unsigned char> nibbles;
  nibbles.reserve(sha256_hex_digits);
  for (char c : digits) {
    if (c == ':') {
      continue;
    }
    std::optional<unsigned char> value = hex_value(c);
    if (!value) {
      refuse_pin(pin, fmt::format("'{}' is not a hex digit", c));
    }
    nibbles.push_back(*value);
  }
  // msmtp's older form: the certificate's SHA-1 fingerprint as colon-separated bytes. Still
  // taken, so that existing configuration files keep working; the handshake warns.
  if (!prefixed && nibbles.size() == sha1_hex_digits) {
    pins.sha1.push_back(digest_from<sha1_size>(nibbles));
    return;
  }
  if (nibbles.size() == sha1_hex_digits || nibbles.size() == md5_hex_digits) {
    refuse_pin(pin, fmt::format("it has {} hex digits, the length of a {} fingerprint; {}",
                                nibbles.size(), nibbles.size() == sha1_hex_digits ? "SHA-1" : "MD5",
                                nibbles.size() == sha1_hex_digits
                                    ? "a SHA-1 pin is written as 20 hex bytes separated by colons"
                                    : "MD5 is not accepted, only SHA-256 (or SHA-1)"));
  }
  if (nibbles.size() != sha256_hex_digits) {
    refuse_pin(pin, fmt::format("it has {} hex digits; a SHA-256 fingerprint has {}",
                                nibbles.size(), sha256_hex_digits));
  }
  pins.sha256.push_back(digest_from<sha256_size>(nibbles));
}

Sha256Digest sha256_of(const gnutls_datum_t& data, const char* what) {
  Sha256Digest digest{};
  int rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data, data.size, digest.data());
  if (rc < 0) {
    throw Failure(ErrorKind::internal,
                  fmt::format("cannot hash the server's {}: {}", what, gnutls_strerror(rc)));
  }
  return digest;
}

void check(int rc, const char* what) {
  if (rc < 0) {
    throw Failure(ErrorKind::internal, fmt::format("cannot read the server's certificate ({}): {}",
                                                   what, gnutls_strerror(rc)));
  }
}

}  // namespace

Pins parse_pins(std::string_view list) {
  Pins pins;
  if (trim_blanks(list).empty()) {
    return pins;
  }
  for (;;) {
    std::size_t comma = list.find(',');
    std::string_view pin = trim_blanks(list.substr(0, comma));
    if (pin.empty()) {
      throw Failure(ErrorKind::usage,
                    fmt::format("empty TLS fingerprint pin in '{}' (--tls-fingerprint): separate "
                                "pins with single commas; {}",
                                list, pin_advice));
    }
    parse_pin(pin, pins);
    if (comma == std::string_view::npos) {
      return pins;
    }
    list.remove_prefix(comma + 1);
  }
}

std::string format_pin(const Sha256Digest& digest) {
  std::string text(pin_prefix);
  for (unsigned char byte : digest) {
    text += fmt::format("{:02x}", byte);
  }
  return text;
}

CertificateFingerprints fingerprints_of(gnutls_x509_crt_t certificate) {
  CertificateFingerprints fingerprints;

  gnutls_datum_t der{};
  check(gnutls_x509_crt_export2(certificate, GNUTLS_X509_FMT_DER, &der), "export");
  std::string certificate_der = take_datum(der);
  gnutls_datum_t certificate_data{reinterpret_cast<unsigned char*>(certificate_der.data()),
                                  static_cast<unsigned>(certificate_der.size())};
  fingerprints.certificate = sha256_of(certificate_data, "certificate");

  gnutls_pubkey_t raw = nullptr;
  check(gnutls_pubkey_init(&raw), "public key");
  UniquePublicKey key(raw);
  check(gnutls_pubkey_import_x509(key.get(), certificate, 0), "public key");
  // gnutls_pubkey_export2 in DER writes the SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), what
  // RFC 7469 §2.4 hashes for a public-key pin.
  gnutls_datum_t spki{};
  check(gnutls_pubkey_export2(key.get(), GNUTLS_X509_FMT_DER, &spki), "public key");
  std::string spki_der = take_datum(spki);
  gnutls_datum_t spki_data{reinterpret_cast<unsigned char*>(spki_der.data()),
                           static_cast<unsigned>(spki_der.size())};
  fingerprints.public_key = sha256_of(spki_data, "public key");

  std::size_t sha1_length = fingerprints.certificate_sha1.size();
  check(gnutls_x509_crt_get_fingerprint(certificate, GNUTLS_DIG_SHA1,
                                        fingerprints.certificate_sha1.data(), &sha1_length),
        "SHA-1 fingerprint");
  return fingerprints;
}

PinMatch match_pins(const Pins& pins, const CertificateFingerprints& fingerprints) {
  const auto holds = [](const auto& list, const auto& digest) {
    return std::find(list.begin(), list.end(), digest) != list.end();
  };
  if (holds(pins.sha256, fingerprints.certificate)) {
    return PinMatch::certificate;
  }
  if (holds(pins.sha256, fingerprints.public_key)) {
    return PinMatch::public_key;
  }
  if (holds(pins.sha1, fingerprints.certificate_sha1)) {
    return PinMatch::certificate_sha1;
  }
  return PinMatch::none;
}

std::string sha1_pin_warning(const Sha256Digest& sha256) {
  return fmt::format(
      "the server's certificate was trusted by its SHA-1 fingerprint (tls_fingerprint), which no "
      "longer identifies a certificate safely; pin its SHA-256 fingerprint instead: "
      "tls_fingerprint {}",
      format_pin(sha256));
}

std::string_view describe(PinMatch match) {
  switch (match) {
    case PinMatch::certificate:
      return "certificate";
    case PinMatch::public_key:
      return "public key";
    case PinMatch::certificate_sha1:
      return "certificate's SHA-1 fingerprint";
    case PinMatch::none:
      break;
  }
  return "nothing";
}

std::string pin_mismatch_message(std::string_view expected_host,
                                 const CertificateFingerprints& fingerprints) {
  return fmt::format(
      "the TLS certificate of '{}' matches no pin given with --tls-fingerprint: the "
      "certificate's fingerprint is {} and its public key's is {}; if the server's certificate "
      "was replaced, confirm one of these with its administrator before pinning it",
      expected_host, format_pin(fingerprints.certificate), format_pin(fingerprints.public_key));
}

}  // namespace smtpsend::net
