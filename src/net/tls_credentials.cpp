#include "net/tls_credentials.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.hpp"
#include "net/unique_fd.hpp"

namespace smtpsend::net {
namespace {

// Fails with a message about the file itself before GnuTLS does: its "Error while reading file"
// does not say whether the file is missing, unreadable or a directory.
void check_trust_file_readable(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    throw Failure(ErrorKind::no_input,
                  fmt::format("cannot read the TLS trust file '{}': {}; check --tls-trust-file",
                              path, std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0 && S_ISDIR(info.st_mode)) {
    throw Failure(ErrorKind::config,
                  fmt::format("the TLS trust file '{}' is a directory; --tls-trust-file wants one "
                              "file of PEM CA certificates",
                              path));
  }
}

int load_trust_file(gnutls_certificate_credentials_t credentials, const std::string& path) {
  check_trust_file_readable(path);
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

}  // namespace

TlsCredentials::TlsCredentials(UniqueGnutlsCredentials credentials, std::string trust_source,
                               int trusted_count)
    : credentials_(std::move(credentials)),
      trust_source_(std::move(trust_source)),
      trusted_count_(trusted_count) {}

TlsCredentials TlsCredentials::load(const TlsOptions& options, trace::Sink& trace) {
  gnutls_certificate_credentials_t raw = nullptr;
  int rc = gnutls_certificate_allocate_credentials(&raw);
  if (rc < 0) {
    throw Failure(ErrorKind::os, fmt::format("cannot set up TLS: {}", gnutls_strerror(rc)));
  }
  UniqueGnutlsCredentials credentials(raw);

  if (!options.trust_file.empty()) {
    int count = load_trust_file(credentials.get(), options.trust_file);
    if (trace.enabled()) {
      trace.info(fmt::format("TLS trust: {} certificate(s) from '{}'", count, options.trust_file));
    }
    return TlsCredentials(std::move(credentials),
                          fmt::format("the trust file '{}'", options.trust_file), count);
  }

  int count = gnutls_certificate_set_x509_system_trust(credentials.get());
  if (count < 0) {
    // Not fatal here: verification will fail with a message that points at --tls-trust-file.
    if (trace.enabled()) {
      trace.info(
          fmt::format("TLS trust: cannot load the system trust store: {}", gnutls_strerror(count)));
    }
    count = 0;
  } else if (trace.enabled()) {
    trace.info(fmt::format("TLS trust: {} certificate(s) from the system trust store", count));
  }
  return TlsCredentials(std::move(credentials), "the system trust store", count);
}

}  // namespace smtpsend::net
