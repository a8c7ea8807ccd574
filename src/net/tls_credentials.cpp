#include "net/tls_credentials.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace smtpsend::net {
namespace {

// A file the user named, for messages: what it is, the option that names it, what it must hold.
struct NamedFile {
  std::string_view role;    // "TLS trust file"
  std::string_view option;  // "--tls-trust-file"
  std::string_view wants;   // "one file of PEM CA certificates"
};

constexpr NamedFile trust_file_role{"TLS trust file", "--tls-trust-file",
                                    "one file of PEM CA certificates"};
constexpr NamedFile client_certificate_role{"TLS client certificate", "--tls-cert",
                                            "one PEM file with the certificate (and its chain)"};
constexpr NamedFile crl_file_role{"TLS CRL file", "tls_crl_file",
                                  "one file of PEM certificate revocation lists"};
constexpr NamedFile client_key_role{"TLS client key", "--tls-key",
                                    "one PEM file with the certificate's private key"};

// Fails with a message about the file itself before GnuTLS does: its "Error while reading file"
// does not say whether the file is missing, unreadable or a directory.
void check_readable(const std::string& path, const NamedFile& file) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    throw Failure(ErrorKind::no_input,
                  fmt::format("cannot read the {} '{}': {}; check {}", file.role, path,
                              std::strerror(errno), file.option));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0 && S_ISDIR(info.st_mode)) {
    throw Failure(ErrorKind::config, fmt::format("the {} '{}' is a directory; {} wants {}",
                                                 file.role, path, file.option, file.wants));
  }
}

std::string certificate_subject(const gnutls_datum_t& der) {
  gnutls_x509_crt_t raw = nullptr;
  if (gnutls_x509_crt_init(&raw) < 0) {
    return "(unreadable)";
  }
  UniqueGnutlsCertificate certificate(raw);
  gnutls_datum_t subject{};
  if (gnutls_x509_crt_import(certificate.get(), &der, GNUTLS_X509_FMT_DER) < 0 ||
      gnutls_x509_crt_get_dn3(certificate.get(), &subject, 0) < 0) {
    return "(unreadable)";
  }
  std::string text = take_datum(subject);
  return text.empty() ? "(empty subject)" : text;
}

// Loads the client certificate and key into `credentials`; returns the certificate's subject.
std::string load_client_certificate(gnutls_certificate_credentials_t credentials,
                                    const std::string& cert_file, const std::string& key_file) {
  check_readable(cert_file, client_certificate_role);
  if (key_file != cert_file) {
    check_readable(key_file, client_key_role);
  }
  int rc = gnutls_certificate_set_x509_key_file2(credentials, cert_file.c_str(), key_file.c_str(),
                                                 GNUTLS_X509_FMT_PEM, nullptr, 0);
  if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
    throw Failure(ErrorKind::config,
                  fmt::format("the TLS client key '{}' does not belong to the certificate '{}'; "
                              "check --tls-cert and --tls-key",
                              key_file, cert_file));
  }
  if (rc < 0) {
    throw Failure(ErrorKind::config,
                  fmt::format("cannot use the TLS client certificate '{}' with the key '{}': {}; "
                              "both must be PEM (\"-----BEGIN CERTIFICATE-----\", \"-----BEGIN "
                              "PRIVATE KEY-----\"), the key not encrypted; check --tls-cert and "
                              "--tls-key",
                              cert_file, key_file, gnutls_strerror(rc)));
  }
  // The datum points into the credentials; it is not ours to free.
  gnutls_datum_t der{};
  if (gnutls_certificate_get_crt_raw(credentials, 0, 0, &der) < 0) {
    return "(unreadable)";
  }
  return certificate_subject(der);
}

int load_trust_file(gnutls_certificate_credentials_t credentials, const std::string& path) {
  check_readable(path, trust_file_role);
  int count =
      gnutls_certificate_set_x509_trust_file(credentials, path.c_str(), GNUTLS_X509_FMT_PEM);
  if (count < 0) {
    throw Failure(ErrorKind::config,
                  fmt::format("cannot use the TLS trust file '{}': {}; it must hold PEM "
                              "certificates (\"-----BEGIN CERTIFICATE-----\")",
                              path, gnutls_strerror(count)));
  }
  if (count == 0) {
    throw Failure(ErrorKind::config,
                  fmt::format("the TLS trust file '{}' holds no PEM certificate (\"-----BEGIN "
                              "CERTIFICATE-----\"); check --tls-trust-file",
                              path));
  }
  return count;
}

// RFC 5280 §5: revoked certificates, checked with the chain; a certificate it lists makes the
// verification fail with GNUTLS_CERT_REVOKED ("it has been revoked").
int load_crl_file(gnutls_certificate_credentials_t credentials, const std::string& path) {
  check_readable(path, crl_file_role);
  int count = gnutls_certificate_set_x509_crl_file(credentials, path.c_str(), GNUTLS_X509_FMT_PEM);
  if (count < 0) {
    throw Failure(ErrorKind::config,
                  fmt::format("cannot use the TLS CRL file '{}': {}; it must hold PEM certificate "
                              "revocation lists (\"-----BEGIN X509 CRL-----\"); check tls_crl_file",
                              path, gnutls_strerror(count)));
  }
  if (count == 0) {
    throw Failure(ErrorKind::config,
                  fmt::format("the TLS CRL file '{}' holds no PEM certificate revocation list "
                              "(\"-----BEGIN X509 CRL-----\"); check tls_crl_file",
                              path));
  }
  return count;
}

}  // namespace

TlsCredentials::TlsCredentials(UniqueGnutlsCredentials credentials, std::string trust_source,
                               int trusted_count)
    : credentials_(std::move(credentials)),
      trust_source_(std::move(trust_source)),
      trusted_count_(trusted_count) {}

TlsCredentials TlsCredentials::load(const TlsOptions& options, trace::Sink& trace) {
  if (options.cert_file.empty() && !options.key_file.empty()) {
    throw Failure(ErrorKind::config,
                  fmt::format("a TLS client key '{}' (--tls-key) was given without its "
                              "certificate; add --tls-cert FILE",
                              options.key_file));
  }
  gnutls_certificate_credentials_t raw = nullptr;
  int rc = gnutls_certificate_allocate_credentials(&raw);
  if (rc < 0) {
    throw Failure(ErrorKind::os, fmt::format("cannot set up TLS: {}", gnutls_strerror(rc)));
  }
  UniqueGnutlsCredentials credentials(raw);

  std::string client_subject;
  if (!options.cert_file.empty()) {
    const std::string& key_file = options.key_file.empty() ? options.cert_file : options.key_file;
    client_subject = load_client_certificate(credentials.get(), options.cert_file, key_file);
    if (trace.enabled()) {
      trace.info(fmt::format("TLS client certificate '{}' from '{}', for when the server asks",
                             client_subject, options.cert_file));
    }
  }

  std::string trust_source = "the system trust store";
  int count = 0;
  if (!options.trust_file.empty()) {
    count = load_trust_file(credentials.get(), options.trust_file);
    if (trace.enabled()) {
      trace.info(fmt::format("TLS trust: {} certificate(s) from '{}'", count, options.trust_file));
    }
    trust_source = fmt::format("the trust file '{}'", options.trust_file);
  } else {
    count = gnutls_certificate_set_x509_system_trust(credentials.get());
    if (count < 0) {
      // Not fatal here: verification will fail with a message that points at --tls-trust-file.
      if (trace.enabled()) {
        trace.info(fmt::format("TLS trust: cannot load the system trust store: {}",
                               gnutls_strerror(count)));
      }
      count = 0;
    } else if (trace.enabled()) {
      trace.info(fmt::format("TLS trust: {} certificate(s) from the system trust store", count));
    }
  }
  if (!options.crl_file.empty()) {
    const int crls = load_crl_file(credentials.get(), options.crl_file);
    if (trace.enabled()) {
      trace.info(fmt::format("TLS revocation: {} CRL(s) from '{}'", crls, options.crl_file));
    }
  }
  TlsCredentials loaded(std::move(credentials), std::move(trust_source), count);
  loaded.client_certificate_subject_ = std::move(client_subject);
  return loaded;
}

}  // namespace smtpsend::net
