#pragma once
// The trust anchors a TLS client session checks the server's certificate against (the system
// trust store, or the CA bundle the user named with --tls-trust-file), and the client
// certificate it presents when the server asks for one (--tls-cert, --tls-key).

#include <string>

#include "net/gnutls_handles.hpp"
#include "net/transport.hpp"
#include "trace/trace.hpp"

namespace smtpsend::net {

class TlsCredentials {
 public:
  // Loads `options.trust_file` when set, else the system trust store, and the client certificate
  // `options.cert_file` with its key (`options.key_file`, else the same file) when set, and the
  // revocation lists of `options.crl_file` when set. Throws
  // smtpsend::Failure: no_input when a file cannot be read, config when it holds nothing usable
  // (or a key is given without its certificate).
  static TlsCredentials load(const TlsOptions& options, trace::Sink& trace);

  gnutls_certificate_credentials_t get() const { return credentials_.get(); }
  // "the system trust store" or "the trust file '/path'", for messages.
  const std::string& trust_source() const { return trust_source_; }
  // The system store held no certificate at all: every verification will fail, and a message
  // should say why (usually the ca-certificates package is missing).
  bool trust_store_empty() const { return trusted_count_ == 0; }
  // Whether a client certificate is loaded, and its subject for messages ("" when none).
  bool has_client_certificate() const { return !client_certificate_subject_.empty(); }
  const std::string& client_certificate_subject() const { return client_certificate_subject_; }

 private:
  TlsCredentials(UniqueGnutlsCredentials credentials, std::string trust_source, int trusted_count);

  UniqueGnutlsCredentials credentials_;
  std::string trust_source_;
  int trusted_count_ = 0;
  std::string client_certificate_subject_;
};

}  // namespace smtpsend::net
