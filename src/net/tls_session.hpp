#pragma once
// A GnuTLS client session over an already connected, non-blocking TCP socket: the handshake with
// certificate and host-name verification, then record reads and writes under deadlines.

#include <cstddef>
#include <string>
#include <string_view>

#include "net/deadline.hpp"
#include "net/gnutls_handles.hpp"
#include "net/tls_credentials.hpp"
#include "net/transport.hpp"
#include "trace/trace.hpp"

namespace smtpsend::net {

// GnuTLS's defaults minus everything older than TLS 1.2: RFC 8996 deprecates TLS 1.0 and 1.1, and
// RFC 8314 §4.1 asks mail clients for TLS 1.2 or later. SSL 3.0 is listed for older GnuTLS
// builds that still know it.
inline constexpr const char* tls_priority = "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1";

class TlsSession {
 public:
  // Prepares a client session on `fd` (still owned by the caller, who must keep it open for the
  // session's life). `host` is what was connected to; options.server_name overrides it for SNI
  // and verification. Throws smtpsend::Failure for unusable trust files (see TlsCredentials).
  TlsSession(int fd, const TlsOptions& options, std::string_view host, trace::Sink& trace);
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Runs the handshake; the certificate is verified inside it, so a bad certificate fails here
  // (permission) before any byte of ours travels. Timeouts are temporary, a lost connection io,
  // anything else the server did wrong protocol.
  void handshake(const Deadline& deadline);

  // Sends all of `bytes` as few full-size records as their length allows.
  void send_all(std::string_view bytes, const Deadline& deadline);

  // Returns decrypted bytes, at most `size` (> 0); 0 when the server closed the connection.
  std::size_t receive_some(char* buffer, std::size_t size, const Deadline& deadline);

  // Sends close_notify (RFC 8446 §6.1) without waiting for the server's; best effort, never
  // throws.
  void bye(const Deadline& deadline) noexcept;

 private:
  static ssize_t push(gnutls_transport_ptr_t self, const giovec_t* iov, int count);
  static ssize_t pull(gnutls_transport_ptr_t self, void* buffer, std::size_t size);
  static int pull_timeout(gnutls_transport_ptr_t self, unsigned int milliseconds);

  // Waits for the socket in the direction GnuTLS last needed; false on timeout.
  bool wait_for_transport(const Deadline& deadline) const;
  [[noreturn]] void throw_handshake_failure(int code, const Deadline& deadline);
  void trace_session_facts(std::chrono::milliseconds took);

  int fd_;
  bool insecure_;
  std::string verify_name_;  // the name the certificate must carry (DNS name or IP address)
  trace::Sink& trace_;
  TlsCredentials credentials_;  // must outlive session_, which points at it
  UniqueGnutlsSession session_;
};

}  // namespace smtpsend::net
