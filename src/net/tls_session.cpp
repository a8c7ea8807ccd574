#include "net/tls_session.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <memory>

#include "common/error.hpp"
#include "common/idna.hpp"
#include "net/resolver.hpp"
#include "net/socket_io.hpp"
#include "net/tls_failure.hpp"
#include "net/tls_peer_certificate.hpp"
#include "net/tls_verification.hpp"
#include "net/tls_version_refusal.hpp"

namespace smtpsend::net {
namespace {

constexpr std::string_view insecure_warning =
    "TLS certificate verification is disabled (--tls-insecure): the connection can be intercepted";

int to_poll_timeout(unsigned int milliseconds) {
  if (milliseconds == GNUTLS_INDEFINITE_TIMEOUT) {
    return -1;
  }
  return milliseconds > INT_MAX ? INT_MAX : static_cast<int>(milliseconds);
}

// The A-label of the name to verify; a bad tls_host_override (TlsOptions::server_name) is not a
// bad --server, so the message says which setting to check.
std::string name_to_verify(const TlsOptions& options, const std::string& requested_name) {
  if (options.server_name.empty()) {
    return ascii_host_name(requested_name);
  }
  return domain_to_ascii(requested_name, ErrorKind::config,
                         "check tls_host_override in the configuration file");
}

}  // namespace

TlsSession::TlsSession(int fd, const TlsOptions& options, std::string_view host, trace::Sink& trace)
    : fd_(fd),
      insecure_(options.insecure),
      requested_name_(strip_brackets(options.server_name.empty() ? host : options.server_name)),
      verify_name_(name_to_verify(options, requested_name_)),
      shown_name_(describe_host(requested_name_)),
      user_priorities_(options.priorities),
      priorities_(load_priorities(options.priorities)),
      pins_(parse_pins(options.fingerprint)),
      trace_(trace),
      credentials_(TlsCredentials::load(options, trace)) {
  gnutls_session_t raw = nullptr;
  // GNUTLS_NO_SIGNAL as well, in case a GnuTLS path ever bypasses our push function.
  int rc = gnutls_init(&raw, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);
  if (rc < 0) {
    throw Failure(ErrorKind::os, fmt::format("cannot set up TLS: {}", gnutls_strerror(rc)));
  }
  session_.reset(raw);

  rc = gnutls_priority_set(session_.get(), priorities_.get());
  if (rc < 0) {
    throw Failure(ErrorKind::internal,
                  fmt::format("cannot set the TLS priorities: {}", gnutls_strerror(rc)));
  }
  if (!user_priorities_.empty() && trace_.enabled()) {
    std::string effective = effective_priorities(user_priorities_);
    trace_.info(effective == user_priorities_
                    ? fmt::format("TLS priorities: {}", effective)
                    : fmt::format("TLS priorities: {} (TLS 1.0, 1.1 and SSL 3.0 stay off unless "
                                  "named)",
                                  effective));
  }
  rc = gnutls_credentials_set(session_.get(), GNUTLS_CRD_CERTIFICATE, credentials_.get());
  if (rc < 0) {
    throw Failure(ErrorKind::internal,
                  fmt::format("cannot attach TLS credentials: {}", gnutls_strerror(rc)));
  }

  // RFC 6066 §3: SNI carries DNS names only, never address literals, and an international name
  // as its A-label. GnuTLS would convert a UTF-8 name itself; converting once ourselves makes the
  // name looked up, sent, checked and traced one and the same, and its failure ours to word.
  if (!is_ip_literal(verify_name_)) {
    gnutls_server_name_set(session_.get(), GNUTLS_NAME_DNS, verify_name_.data(),
                           verify_name_.size());
    if (trace_.enabled()) {
      trace_.info(fmt::format("TLS server name (SNI): {}", verify_name_));
    }
  }

  if (!pins_.empty()) {
    // The pin replaces GnuTLS's verification (which would refuse a certificate from an unknown
    // CA, for another name, or out of its dates); it still runs inside the handshake. With a pin,
    // --tls-insecure has nothing left to waive.
    gnutls_session_set_ptr(session_.get(), this);
    gnutls_session_set_verify_function(session_.get(), &TlsSession::verify_with_pins);
  } else if (insecure_) {
    warn(insecure_warning);
  } else {
    // Verification runs inside the handshake (RFC 6125 name matching, IP literals against the
    // certificate's IP address entries), so a bad certificate aborts it before we send anything.
    gnutls_session_set_verify_cert(session_.get(), verify_name_.c_str(), 0);
  }

  // Our own transport functions: MSG_NOSIGNAL keeps a server's hang-up from raising SIGPIPE, and
  // the socket stays non-blocking so every wait goes through a deadline.
  gnutls_transport_set_ptr(session_.get(), this);
  gnutls_transport_set_vec_push_function(session_.get(), &TlsSession::push);
  gnutls_transport_set_pull_function(session_.get(), &TlsSession::pull);
  gnutls_transport_set_pull_timeout_function(session_.get(), &TlsSession::pull_timeout);
}

int TlsSession::verify_with_pins(gnutls_session_t session) {
  auto* self = static_cast<TlsSession*>(gnutls_session_get_ptr(session));
  try {
    return self->check_pinned_certificate() ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
  } catch (...) {
    // Called from C: nothing may propagate. What was found so far is in pin_check_.
    return GNUTLS_E_CERTIFICATE_ERROR;
  }
}

bool TlsSession::check_pinned_certificate() {
  pin_check_ = PinCheck{};
  UniqueGnutlsCertificate leaf = peer_leaf_certificate(session_.get());
  if (!leaf) {
    return false;
  }
  pin_check_.fingerprints = fingerprints_of(leaf.get());
  pin_check_.match = match_pins(pins_, *pin_check_.fingerprints);
  // The pin is the trust, whatever the certificate's issuer, names or dates: the user vouched
  // for this very certificate (or key), which is also what makes a self-signed one usable.
  if (pin_check_.match == PinMatch::certificate_sha1) {
    warn(sha1_pin_warning(pin_check_.fingerprints->certificate));
  }
  return pin_check_.match != PinMatch::none;
}

ssize_t TlsSession::push(gnutls_transport_ptr_t self, const giovec_t* iov, int count) {
  auto* session = static_cast<TlsSession*>(self);
  msghdr message{};
  // giovec_t is struct iovec on POSIX systems; sendmsg does not modify the vector.
  message.msg_iov = const_cast<iovec*>(iov);
  message.msg_iovlen = static_cast<std::size_t>(count);
  ssize_t sent = ::sendmsg(session->fd_, &message, MSG_NOSIGNAL);
  if (sent < 0) {
    gnutls_transport_set_errno(session->session_.get(), errno);
  }
  return sent;
}

ssize_t TlsSession::pull(gnutls_transport_ptr_t self, void* buffer, std::size_t size) {
  auto* session = static_cast<TlsSession*>(self);
  ssize_t received = ::recv(session->fd_, buffer, size, 0);
  if (received < 0) {
    gnutls_transport_set_errno(session->session_.get(), errno);
  } else if (session->first_bytes_.size() < server_hello_version_end) {
    // Kept for version_refusal(): GnuTLS refuses a ServerHello of a version it does not offer
    // without telling which version it was.
    std::size_t keep = std::min(server_hello_version_end - session->first_bytes_.size(),
                                static_cast<std::size_t>(received));
    session->first_bytes_.append(static_cast<const char*>(buffer), keep);
  }
  return received;
}

int TlsSession::pull_timeout(gnutls_transport_ptr_t self, unsigned int milliseconds) {
  auto* session = static_cast<TlsSession*>(self);
  pollfd entry{};
  entry.fd = session->fd_;
  entry.events = POLLIN;
  int rc = ::poll(&entry, 1, to_poll_timeout(milliseconds));
  if (rc < 0) {
    gnutls_transport_set_errno(session->session_.get(), errno);
  }
  return rc;
}

bool TlsSession::wait_for_transport(const Deadline& deadline) const {
  // RFC 8446 and 5246 both let either side's record layer need to read while we want to write,
  // and vice versa; GnuTLS says which one blocked.
  short events = gnutls_record_get_direction(session_.get()) == 1 ? POLLOUT : POLLIN;
  return wait_until_ready(fd_, events, deadline);
}

void TlsSession::handshake(const Deadline& deadline) {
  auto started = Deadline::Clock::now();
  // GnuTLS's own handshake clock as a second guard; 0 would mean "its default", hence at least 1.
  auto left = std::max<std::chrono::milliseconds::rep>(deadline.remaining().count(), 1);
  gnutls_handshake_set_timeout(session_.get(), static_cast<unsigned int>(left));
  for (;;) {
    int rc = gnutls_handshake(session_.get());
    if (rc == GNUTLS_E_SUCCESS) {
      break;
    }
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
      if (!wait_for_transport(deadline)) {
        throw_handshake_failure(GNUTLS_E_TIMEDOUT, deadline);
      }
      continue;
    }
    // Warning alerts are not fatal; the handshake goes on, still bounded by the deadline.
    if (gnutls_error_is_fatal(rc) == 0 && !deadline.expired()) {
      continue;
    }
    throw_handshake_failure(rc, deadline);
  }
  gather_facts(
      std::chrono::duration_cast<std::chrono::microseconds>(Deadline::Clock::now() - started));
  if (trace_.enabled()) {
    for (const std::string& line : tls_facts_lines(facts_)) {
      trace_.info(line);
    }
  }
}

FailureContext TlsSession::failure_context(const Deadline& deadline) const {
  FailureContext context;
  context.session = session_.get();
  context.shown_name = shown_name_;
  context.requested_name = requested_name_;
  context.verify_name = verify_name_;
  context.credentials = &credentials_;
  context.pinned = !pins_.empty();
  context.pin_check = &pin_check_;
  context.user_priorities = user_priorities_;
  context.priorities = priorities_.get();
  context.first_bytes = first_bytes_;
  context.handshake_limit = deadline.limit();
  return context;
}

void TlsSession::throw_handshake_failure(int code, const Deadline& deadline) {
  Error error = handshake_failure(code, failure_context(deadline));
  if (is_certificate_failure(code)) {
    // Tell the server why we hang up (RFC 8446 §6.2); best effort on a non-blocking socket.
    gnutls_alert_send_appropriate(session_.get(), code);
  }
  throw Failure(std::move(error));
}

void TlsSession::warn(std::string_view warning) {
  // The application shows facts_.warnings to the user once the handshake is done; the trace has
  // it at once, where it happened.
  facts_.warnings.emplace_back(warning);
  trace_.info(warning);
}

void TlsSession::gather_facts(std::chrono::microseconds took) {
  std::vector<std::string> warnings = std::move(facts_.warnings);
  facts_ = read_tls_facts(session_.get());
  facts_.warnings = std::move(warnings);
  facts_.handshake_duration = took;
  facts_.verification = verification_facts();
  facts_.client_certificate.requested =
      gnutls_certificate_client_get_request_status(session_.get()) != 0;
  facts_.client_certificate.sent = gnutls_certificate_get_ours(session_.get()) != nullptr;
  facts_.client_certificate.subject = credentials_.client_certificate_subject();
}

TlsVerification TlsSession::verification_facts() const {
  TlsVerification verification;
  verification.insecure = insecure_;
  verification.name = verify_name_;
  verification.trust_source = credentials_.trust_source();
  verification.pin = pin_check_.match;
  if (!pins_.empty()) {
    verification.basis = TrustBasis::pin;
  } else if (insecure_) {
    verification.basis = TrustBasis::not_verified;
  }
  if (!insecure_ || !pins_.empty()) {
    return verification;  // the handshake verified it (or the pin did), or it would have failed
  }
  // What verification would have found, for a user who reached for --tls-insecure.
  unsigned status = 0;
  int rc = gnutls_certificate_verify_peers3(session_.get(), verify_name_.c_str(), &status);
  if (rc < 0) {
    verification.checked = false;
    verification.status_text = gnutls_strerror(rc);
  } else {
    verification.status = status;
    verification.status_text = verification_status_text(status);
  }
  return verification;
}

void TlsSession::send_all(std::string_view bytes, const Deadline& deadline) {
  // One contiguous buffer already goes out as full-size records (16 KiB, RFC 8446 §5.1), the
  // fewest its length allows; corking would only add a copy.
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = gnutls_record_send(session_.get(), bytes.data() + sent, bytes.size() - sent);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    // After AGAIN, GnuTLS wants the same call repeated; the record it already built is kept.
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
      if (!wait_for_transport(deadline)) {
        throw Failure(ErrorKind::temporary, write_timeout_message(deadline));
      }
      continue;
    }
    throw Failure(ErrorKind::io,
                  fmt::format("lost the TLS connection to the server while sending: {}",
                              gnutls_strerror(static_cast<int>(n))));
  }
}

std::size_t TlsSession::receive_some(char* buffer, std::size_t size, const Deadline& deadline) {
  if (size == 0) {
    throw Failure(ErrorKind::internal, "read() called with an empty buffer");
  }
  for (;;) {
    // Record data GnuTLS already decrypted is invisible to poll(), so try first and wait only
    // when it says the socket is empty.
    ssize_t n = gnutls_record_recv(session_.get(), buffer, size);
    if (n >= 0) {
      received_application_data_ = received_application_data_ || n > 0;
      return static_cast<std::size_t>(n);  // 0: the server sent close_notify
    }
    int code = static_cast<int>(n);
    if (code == GNUTLS_E_AGAIN || code == GNUTLS_E_INTERRUPTED) {
      if (!wait_for_transport(deadline)) {
        throw Failure(ErrorKind::temporary, read_timeout_message(deadline));
      }
      continue;
    }
    if (!received_application_data_) {
      if (auto refusal = early_read_failure(code, failure_context(deadline))) {
        throw Failure(*refusal);
      }
    }
    if (code == GNUTLS_E_PREMATURE_TERMINATION) {
      // Many SMTP servers close after QUIT without close_notify. SMTP's own framing (replies end
      // in CRLF, the message in CRLF.CRLF) shows truncation, so this reads as an ordinary EOF.
      if (trace_.enabled()) {
        trace_.info("the server closed the connection without a TLS close_notify");
      }
      return 0;
    }
    // Non-fatal: a warning alert, or a TLS 1.2 renegotiation request that RFC 5246 §7.4.1.1
    // lets a client ignore.
    if (gnutls_error_is_fatal(code) == 0 || code == GNUTLS_E_REHANDSHAKE) {
      if (deadline.expired()) {
        throw Failure(ErrorKind::temporary, read_timeout_message(deadline));
      }
      continue;
    }
    if (code == GNUTLS_E_FATAL_ALERT_RECEIVED) {
      throw Failure(alert_while_reading(failure_context(deadline)));
    }
    throw Failure(ErrorKind::io,
                  fmt::format("lost the TLS connection to the server: {}", gnutls_strerror(code)));
  }
}

void TlsSession::bye(const Deadline& deadline) noexcept {
  try {
    for (;;) {
      int rc = gnutls_bye(session_.get(), GNUTLS_SHUT_WR);
      if ((rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) || !wait_for_transport(deadline)) {
        return;
      }
    }
  } catch (...) {
    // Closing is best effort: the server has what it needed by now.
  }
}

}  // namespace smtpsend::net
