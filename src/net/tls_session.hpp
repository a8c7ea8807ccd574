#pragma once
// A GnuTLS client session over an already connected, non-blocking TCP socket: the handshake with
// certificate and host-name verification (against CAs, or against pinned fingerprints), the
// client certificate when the server asks for one, then record reads and writes under deadlines.
// What the handshake established is a value, facts() (tls_facts.hpp); why it failed is worded by
// tls_failure.hpp.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/deadline.hpp"
#include "common/error.hpp"
#include "net/gnutls_handles.hpp"
#include "net/tls_credentials.hpp"
#include "net/tls_facts.hpp"
#include "net/tls_failure.hpp"
#include "net/tls_pinning.hpp"
#include "net/tls_priorities.hpp"
#include "net/transport.hpp"
#include "trace/trace.hpp"

namespace smtpsend::net {

class TlsSession {
 public:
  // Prepares a client session on `fd` (still owned by the caller, who must keep it open for the
  // session's life). `host` is what was connected to; options.server_name overrides it for SNI
  // and verification, which both use the name's A-label (ascii_host_name). The versions are
  // effective_priorities(options.priorities). Throws smtpsend::Failure: usage for a bad pin list
  // (see parse_pins), config for a bad priority string or an invalid international name, and what
  // TlsCredentials::load throws for the files it reads.
  TlsSession(int fd, const TlsOptions& options, std::string_view host, trace::Sink& trace);
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Runs the handshake; the certificate is verified inside it, so a bad certificate (or one
  // that matches no pin) fails here (permission) before any byte of ours travels. Timeouts are
  // temporary, a lost connection io, a server refusing our client certificate permission,
  // anything else protocol, a server with no TLS version in common among them (the message says
  // which versions, see version_refusal_message).
  void handshake(const Deadline& deadline);

  // Sends all of `bytes` as few full-size records as their length allows.
  void send_all(std::string_view bytes, const Deadline& deadline);

  // Returns decrypted bytes, at most `size` (> 0); 0 when the server closed the connection.
  std::size_t receive_some(char* buffer, std::size_t size, const Deadline& deadline);

  // What the handshake established (tls_facts.hpp); complete once handshake() returned. Before
  // that, only the warnings the settings call for.
  const TlsFacts& facts() const { return facts_; }

  // Sends close_notify (RFC 8446 §6.1) without waiting for the server's; best effort, never
  // throws.
  void bye(const Deadline& deadline) noexcept;

 private:
  static ssize_t push(gnutls_transport_ptr_t self, const giovec_t* iov, int count);
  static ssize_t pull(gnutls_transport_ptr_t self, void* buffer, std::size_t size);
  static int pull_timeout(gnutls_transport_ptr_t self, unsigned int milliseconds);

  // GnuTLS's verification callback when pins are set (gnutls_session_set_verify_function):
  // runs inside the handshake, after the server's Certificate message.
  static int verify_with_pins(gnutls_session_t session);
  // Fills pin_check_; true when the certificate matches a pin, which alone decides.
  bool check_pinned_certificate();

  // Waits for the socket in the direction GnuTLS last needed; false on timeout.
  bool wait_for_transport(const Deadline& deadline) const;
  [[noreturn]] void throw_handshake_failure(int code, const Deadline& deadline);
  // What the diagnosis of a failure reads (tls_failure.hpp).
  FailureContext failure_context(const Deadline& deadline) const;
  // Records a warning for the user in facts_, and traces it.
  void warn(std::string_view warning);
  // Fills facts_ once the handshake succeeded; `took` is how long it took.
  void gather_facts(std::chrono::microseconds took);
  TlsVerification verification_facts() const;

  int fd_;
  bool insecure_;
  std::string requested_name_;   // the server's name as given (brackets removed), maybe UTF-8
  std::string verify_name_;      // what SNI and the certificate carry: an A-label or an address
  std::string shown_name_;       // the name for messages, quoted, with its A-label if it differs
  std::string user_priorities_;  // --tls-priorities as given, "" for the default
  UniquePriority priorities_;    // what the session negotiates with; must outlive session_
  std::string first_bytes_;      // the start of what the server sent in the handshake
  Pins pins_;                    // empty: the certificate must chain to a trusted CA
  PinCheck pin_check_;
  TlsFacts facts_;
  bool received_application_data_ = false;  // any byte after the handshake
  trace::Sink& trace_;
  TlsCredentials credentials_;  // must outlive session_, which points at it
  UniqueGnutlsSession session_;
};

}  // namespace smtpsend::net
