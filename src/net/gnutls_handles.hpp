#pragma once
// Owning handles for the GnuTLS objects we create, so every path out of a function (including a
// thrown Failure) releases them.

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace smtpsend::net {

struct GnutlsSessionDeleter {
  void operator()(gnutls_session_t session) const { gnutls_deinit(session); }
};
using UniqueGnutlsSession = std::unique_ptr<gnutls_session_int, GnutlsSessionDeleter>;

struct GnutlsCredentialsDeleter {
  void operator()(gnutls_certificate_credentials_t credentials) const {
    gnutls_certificate_free_credentials(credentials);
  }
};
using UniqueGnutlsCredentials =
    std::unique_ptr<gnutls_certificate_credentials_st, GnutlsCredentialsDeleter>;

struct GnutlsCertificateDeleter {
  void operator()(gnutls_x509_crt_t certificate) const { gnutls_x509_crt_deinit(certificate); }
};
using UniqueGnutlsCertificate = std::unique_ptr<gnutls_x509_crt_int, GnutlsCertificateDeleter>;

struct GnutlsPrivateKeyDeleter {
  void operator()(gnutls_x509_privkey_t key) const { gnutls_x509_privkey_deinit(key); }
};
using UniqueGnutlsPrivateKey = std::unique_ptr<gnutls_x509_privkey_int, GnutlsPrivateKeyDeleter>;

// Takes a datum that GnuTLS allocated for us, frees it, and returns its bytes as a string.
inline std::string take_datum(gnutls_datum_t& datum) {
  std::string text(reinterpret_cast<const char*>(datum.data), datum.size);
  gnutls_free(datum.data);
  datum.data = nullptr;
  datum.size = 0;
  return text;
}

}  // namespace smtpsend::net
