#pragma once
// A throwaway certificate authority, server and client certificates, made with GnuTLS's X.509 API
// at test time (no subprocess, no files checked in that could expire), plus a temporary directory
// for the PEM files a TlsOptions::trust_file or cert_file needs.

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>

#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/gnutls_handles.hpp"

namespace smtpsend::net::testing {

inline void check_gnutls(int rc, const char* what) {
  if (rc < 0) {
    throw std::runtime_error(std::string(what) + ": " + gnutls_strerror(rc));
  }
}

// A directory under $TMPDIR (or /tmp) removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "smtpsend-net-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::string write(const std::string& name, const std::string& contents) const {
    std::filesystem::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << contents;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// Lowercase hex, written here rather than with the code under test's formatter.
inline std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < size; ++i) {
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 0x0f];
  }
  return text;
}

struct KeyAndCertificate {
  UniqueGnutlsPrivateKey key;
  UniqueGnutlsCertificate certificate;

  std::string certificate_pem() const {
    gnutls_datum_t pem{};
    check_gnutls(gnutls_x509_crt_export2(certificate.get(), GNUTLS_X509_FMT_PEM, &pem),
                 "export certificate");
    return take_datum(pem);
  }

  std::string key_pem() const {
    gnutls_datum_t pem{};
    check_gnutls(gnutls_x509_privkey_export2(key.get(), GNUTLS_X509_FMT_PEM, &pem), "export key");
    return take_datum(pem);
  }

  // The certificate's SHA-256 fingerprint and its key's, as "sha256:" + lowercase hex, computed
  // with other GnuTLS calls than the code under test uses (a fingerprint of the DER, and the
  // SHA-256 key ID, which GnuTLS computes over the SubjectPublicKeyInfo).
  std::string certificate_pin() const {
    std::array<unsigned char, 32> digest{};
    std::size_t size = digest.size();
    check_gnutls(
        gnutls_x509_crt_get_fingerprint(certificate.get(), GNUTLS_DIG_SHA256, digest.data(), &size),
        "fingerprint");
    return "sha256:" + hex(digest.data(), size);
  }
  // msmtp's older form: the certificate's SHA-1 fingerprint as uppercase bytes separated by
  // colons, hashed here from the DER (the code under test asks GnuTLS for the fingerprint).
  std::string certificate_sha1_pin() const {
    gnutls_datum_t der{};
    check_gnutls(gnutls_x509_crt_export2(certificate.get(), GNUTLS_X509_FMT_DER, &der), "export");
    const std::string bytes = take_datum(der);
    std::array<unsigned char, 20> digest{};
    check_gnutls(gnutls_hash_fast(GNUTLS_DIG_SHA1, bytes.data(), bytes.size(), digest.data()),
                 "sha1");
    std::string text;
    for (unsigned char byte : digest) {
      static constexpr char digits[] = "0123456789ABCDEF";
      text += text.empty() ? "" : ":";
      text += digits[byte >> 4];
      text += digits[byte & 0x0f];
    }
    return text;
  }
  std::string public_key_pin() const {
    std::array<unsigned char, 32> digest{};
    std::size_t size = digest.size();
    check_gnutls(gnutls_x509_crt_get_key_id(certificate.get(), GNUTLS_KEYID_USE_SHA256,
                                            digest.data(), &size),
                 "key id");
    return "sha256:" + hex(digest.data(), size);
  }
};

struct CertificateSpec {
  std::string distinguished_name;         // "CN=localhost"
  std::vector<std::string> dns_names;     // subjectAltName dNSName entries
  std::vector<std::string> ip_addresses;  // subjectAltName iPAddress entries, as text
  std::time_t not_before = std::time(nullptr) - 3600;
  std::time_t not_after = std::time(nullptr) + 86400;
};

namespace detail {

inline UniqueGnutlsPrivateKey generate_key() {
  gnutls_x509_privkey_t raw = nullptr;
  check_gnutls(gnutls_x509_privkey_init(&raw), "privkey init");
  UniqueGnutlsPrivateKey key(raw);
  // P-256 keys are generated in microseconds, unlike RSA; tests stay fast.
  check_gnutls(gnutls_x509_privkey_generate(key.get(), GNUTLS_PK_ECDSA,
                                            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
               "privkey generate");
  return key;
}

inline UniqueGnutlsCertificate new_certificate(const CertificateSpec& spec,
                                               gnutls_x509_privkey_t key, unsigned serial) {
  gnutls_x509_crt_t raw = nullptr;
  check_gnutls(gnutls_x509_crt_init(&raw), "crt init");
  UniqueGnutlsCertificate certificate(raw);
  gnutls_x509_crt_t crt = certificate.get();
  check_gnutls(gnutls_x509_crt_set_version(crt, 3), "set version");
  std::array<unsigned char, 4> serial_bytes = {0x01, static_cast<unsigned char>(serial >> 16),
                                               static_cast<unsigned char>(serial >> 8),
                                               static_cast<unsigned char>(serial)};
  check_gnutls(gnutls_x509_crt_set_serial(crt, serial_bytes.data(), serial_bytes.size()),
               "set serial");
  check_gnutls(gnutls_x509_crt_set_activation_time(crt, spec.not_before), "set activation");
  check_gnutls(gnutls_x509_crt_set_expiration_time(crt, spec.not_after), "set expiration");
  check_gnutls(gnutls_x509_crt_set_dn(crt, spec.distinguished_name.c_str(), nullptr), "set dn");
  check_gnutls(gnutls_x509_crt_set_key(crt, key), "set key");
  std::array<unsigned char, 64> key_id{};
  std::size_t key_id_size = key_id.size();
  check_gnutls(gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, key_id.data(), &key_id_size),
               "get key id");
  check_gnutls(gnutls_x509_crt_set_subject_key_id(crt, key_id.data(), key_id_size),
               "set subject key id");
  for (const std::string& name : spec.dns_names) {
    check_gnutls(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name.data(),
                                                      static_cast<unsigned>(name.size()),
                                                      GNUTLS_FSAN_APPEND),
                 "set dns name");
  }
  for (const std::string& text : spec.ip_addresses) {
    std::array<unsigned char, 16> bytes{};
    unsigned size = 16;
    if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) {
      size = 4;
      if (::inet_pton(AF_INET, text.c_str(), bytes.data()) != 1) {
        throw std::runtime_error("bad IP address in a test certificate: " + text);
      }
    }
    check_gnutls(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, bytes.data(), size,
                                                      GNUTLS_FSAN_APPEND),
                 "set ip address");
  }
  return certificate;
}

}  // namespace detail

// A self-signed CA certificate "CN=smtpsend test CA".
inline KeyAndCertificate make_test_ca(const std::string& name = "CN=smtpsend test CA") {
  KeyAndCertificate ca{detail::generate_key(), nullptr};
  CertificateSpec spec;
  spec.distinguished_name = name;
  spec.not_after = std::time(nullptr) + 7 * 86400;
  ca.certificate = detail::new_certificate(spec, ca.key.get(), 1);
  gnutls_x509_crt_t crt = ca.certificate.get();
  check_gnutls(gnutls_x509_crt_set_basic_constraints(crt, 1, -1), "set CA constraints");
  check_gnutls(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN),
               "set CA key usage");
  check_gnutls(gnutls_x509_crt_sign2(crt, crt, ca.key.get(), GNUTLS_DIG_SHA256, 0), "self-sign");
  return ca;
}

namespace detail {

// An end-entity certificate for `purpose` (a TLS server or client), signed by `issuer`, or by its
// own key when `issuer` is null.
inline KeyAndCertificate make_leaf_certificate(const CertificateSpec& spec, unsigned serial,
                                               const char* purpose,
                                               const KeyAndCertificate* issuer) {
  KeyAndCertificate leaf{generate_key(), nullptr};
  leaf.certificate = new_certificate(spec, leaf.key.get(), serial);
  gnutls_x509_crt_t crt = leaf.certificate.get();
  check_gnutls(gnutls_x509_crt_set_basic_constraints(crt, 0, -1), "set constraints");
  check_gnutls(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "set key usage");
  check_gnutls(gnutls_x509_crt_set_key_purpose_oid(crt, purpose, 0), "set key purpose");
  if (issuer == nullptr) {
    check_gnutls(gnutls_x509_crt_sign2(crt, crt, leaf.key.get(), GNUTLS_DIG_SHA256, 0),
                 "self-sign");
    return leaf;
  }
  std::array<unsigned char, 64> ca_key_id{};
  std::size_t ca_key_id_size = ca_key_id.size();
  check_gnutls(gnutls_x509_crt_get_subject_key_id(issuer->certificate.get(), ca_key_id.data(),
                                                  &ca_key_id_size, nullptr),
               "get CA key id");
  check_gnutls(gnutls_x509_crt_set_authority_key_id(crt, ca_key_id.data(), ca_key_id_size),
               "set authority key id");
  check_gnutls(gnutls_x509_crt_sign2(crt, issuer->certificate.get(), issuer->key.get(),
                                     GNUTLS_DIG_SHA256, 0),
               "sign");
  return leaf;
}

}  // namespace detail

// A TLS server certificate issued by `ca` for what `spec` names.
inline KeyAndCertificate make_server_certificate(const KeyAndCertificate& ca,
                                                 const CertificateSpec& spec) {
  static unsigned next_serial = 100;
  return detail::make_leaf_certificate(spec, next_serial++, GNUTLS_KP_TLS_WWW_SERVER, &ca);
}

// A self-signed TLS server certificate (its own issuer, not a CA): what a small server often has,
// and what pinning is for.
inline KeyAndCertificate make_self_signed_server_certificate(const CertificateSpec& spec) {
  return detail::make_leaf_certificate(spec, 2, GNUTLS_KP_TLS_WWW_SERVER, nullptr);
}

// A TLS client certificate issued by `ca` for `distinguished_name`.
inline KeyAndCertificate make_client_certificate(const KeyAndCertificate& ca,
                                                 const std::string& distinguished_name) {
  static unsigned next_serial = 500;
  CertificateSpec spec;
  spec.distinguished_name = distinguished_name;
  return detail::make_leaf_certificate(spec, next_serial++, GNUTLS_KP_TLS_WWW_CLIENT, &ca);
}

// The usual test server: "CN=localhost" for localhost, 127.0.0.1 and ::1.
inline CertificateSpec localhost_spec() {
  CertificateSpec spec;
  spec.distinguished_name = "CN=localhost";
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  return spec;
}

}  // namespace smtpsend::net::testing
