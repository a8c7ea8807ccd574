#include "net/tls_failure.hpp"

#include <fmt/format.h>

#include "common/deadline.hpp"
#include "net/tls_peer_certificate.hpp"
#include "net/tls_priorities.hpp"
#include "net/tls_verification.hpp"
#include "net/tls_version_refusal.hpp"

namespace smtpsend::net {
namespace {

bool is_record_layer_garbage(int code) {
  // What GnuTLS reports when the bytes it read were not TLS records at all, typically because the
  // server sent a plain SMTP greeting.
  return code == GNUTLS_E_UNEXPECTED_PACKET_LENGTH || code == GNUTLS_E_UNSUPPORTED_VERSION_PACKET ||
         code == GNUTLS_E_UNEXPECTED_PACKET || code == GNUTLS_E_RECORD_OVERFLOW;
}

bool is_hang_up(int code) {
  return code == GNUTLS_E_PREMATURE_TERMINATION || code == GNUTLS_E_PULL_ERROR ||
         code == GNUTLS_E_PUSH_ERROR;
}

// The alerts a server sends when it refuses the client certificate we sent (RFC 8446 §6.2,
// RFC 5246 §7.2.2): one of the certificate alerts, or a general refusal.
bool is_client_certificate_alert(gnutls_alert_description_t alert) {
  switch (alert) {
    case GNUTLS_A_HANDSHAKE_FAILURE:
    case GNUTLS_A_BAD_CERTIFICATE:
    case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
    case GNUTLS_A_CERTIFICATE_REVOKED:
    case GNUTLS_A_CERTIFICATE_EXPIRED:
    case GNUTLS_A_CERTIFICATE_UNKNOWN:
    case GNUTLS_A_UNKNOWN_CA:
    case GNUTLS_A_ACCESS_DENIED:
    case GNUTLS_A_DECRYPT_ERROR:
      return true;
    default:
      return false;
  }
}

std::string certificate_failure_message(const FailureContext& context) {
  if (!context.pinned) {
    unsigned status = gnutls_session_get_verify_cert_status(context.session);
    return verification_failure_message(
        status, context.requested_name, read_peer_certificate(context.session),
        context.credentials->trust_source(), context.credentials->trust_store_empty());
  }
  const PinCheck& pin_check = *context.pin_check;
  if (pin_check.fingerprints) {
    return pin_mismatch_message(context.verify_name, *pin_check.fingerprints);
  }
  return fmt::format(
      "the TLS certificate of '{}' could not be read to compare it with "
      "--tls-fingerprint",
      context.verify_name);
}

// The message when the handshake failed for want of a TLS version both sides speak.
std::optional<std::string> version_refusal(int code, const FailureContext& context) {
  VersionRefusal refusal;
  refusal.host = context.shown_name;
  refusal.user_priorities = context.user_priorities;
  refusal.offered = enabled_versions(context.priorities);
  refusal.chosen = deprecated_server_hello_version(context.first_bytes);
  refusal.protocol_version_alert = code == GNUTLS_E_FATAL_ALERT_RECEIVED &&
                                   gnutls_alert_get(context.session) == GNUTLS_A_PROTOCOL_VERSION;
  return version_refusal_message(refusal);
}

// A message when `alert` reads as the server refusing our client certificate (or its absence)
// after asking for one; nothing otherwise.
std::optional<std::string> client_certificate_refusal(gnutls_alert_description_t alert,
                                                      const FailureContext& context) {
  if (gnutls_certificate_client_get_request_status(context.session) == 0) {
    return std::nullopt;
  }
  const TlsCredentials& credentials = *context.credentials;
  bool sent = gnutls_certificate_get_ours(context.session) != nullptr;
  // Asked for a certificate and given none, servers abort with whatever alert their library
  // picks (GnuTLS's is decode_error in TLS 1.2); given one, they name a certificate problem.
  if (sent && !is_client_certificate_alert(alert)) {
    return std::nullopt;
  }
  if (!sent && credentials.has_client_certificate()) {
    // RFC 8446 §4.3.2 and RFC 5246 §7.4.4: the request names the CAs the server accepts, and
    // GnuTLS sends nothing rather than a certificate from another one.
    return fmt::format(
        "{} asked for a TLS client certificate and ended the connection ({}); "
        "ours, '{}', was not sent because it is not from a CA the server named; "
        "use a certificate the server's administrator issued",
        context.shown_name, gnutls_alert_get_name(alert), credentials.client_certificate_subject());
  }
  if (!sent) {
    return fmt::format(
        "{} asked for a TLS client certificate and ended the connection ({}) "
        "when none was sent; give one with --tls-cert FILE (and --tls-key FILE)",
        context.shown_name, gnutls_alert_get_name(alert));
  }
  return fmt::format(
      "{} did not accept the TLS client certificate '{}' ({}); check that "
      "--tls-cert names a certificate the server trusts, and that it is still valid",
      context.shown_name, credentials.client_certificate_subject(), gnutls_alert_get_name(alert));
}

// What to say when the server hangs up `when` ("before its first reply") without an alert after
// asking for a client certificate: permission when none was sent, io when ours was sent (it may
// have been refused); nothing when it did not ask.
std::optional<Error> hang_up_after_certificate_request(std::string_view when,
                                                       const FailureContext& context) {
  // A server that hangs up without an alert gives no reason; after it asked for a client
  // certificate, that certificate is the likeliest one.
  if (gnutls_certificate_client_get_request_status(context.session) == 0) {
    return std::nullopt;
  }
  const TlsCredentials& credentials = *context.credentials;
  std::string closed = fmt::format("{} closed the TLS connection {}", context.shown_name, when);
  if (gnutls_certificate_get_ours(context.session) != nullptr) {
    // It may have hung up for another reason: not a trust failure we can be sure of.
    return Error{ErrorKind::io,
                 fmt::format("{}, after asking for a TLS client certificate; it may not have "
                             "accepted ours, '{}' (check --tls-cert)",
                             closed, credentials.client_certificate_subject()),
                 {}};
  }
  if (credentials.has_client_certificate()) {
    return Error{ErrorKind::permission,
                 fmt::format("{}; it had asked for a TLS client certificate, and ours, '{}', was "
                             "not sent because it is not from a CA the server named",
                             closed, credentials.client_certificate_subject()),
                 {}};
  }
  return Error{ErrorKind::permission,
               fmt::format("{}; it had asked for a TLS client certificate and none was sent (give "
                           "one with --tls-cert FILE)",
                           closed),
               {}};
}

}  // namespace

bool is_certificate_failure(int code) {
  return code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR || code == GNUTLS_E_CERTIFICATE_ERROR;
}

Error handshake_failure(int code, const FailureContext& context) {
  if (is_certificate_failure(code)) {
    return Error{ErrorKind::permission, certificate_failure_message(context), {}};
  }
  if (code == GNUTLS_E_TIMEDOUT) {
    return Error{ErrorKind::temporary,
                 fmt::format("the TLS handshake with {} did not finish within {}; try again "
                             "later",
                             context.shown_name, describe_duration(context.handshake_limit)),
                 {}};
  }
  // Kept a protocol error (76), as before: no certificate was judged, and no setting of ours is
  // wrong; the server's TLS is too old for the default, which only a person can decide to waive.
  if (auto refusal = version_refusal(code, context)) {
    return Error{ErrorKind::protocol, *refusal, {}};
  }
  if (code == GNUTLS_E_FATAL_ALERT_RECEIVED) {
    auto alert = gnutls_alert_get(context.session);
    if (auto refusal = client_certificate_refusal(alert, context)) {
      return Error{ErrorKind::permission, *refusal, {}};
    }
    // Alerts that often mean no cipher suite or group in common, which old servers cause too.
    bool about_versions =
        alert == GNUTLS_A_HANDSHAKE_FAILURE || alert == GNUTLS_A_INSUFFICIENT_SECURITY;
    return Error{ErrorKind::protocol,
                 fmt::format("{} aborted the TLS handshake: {}{}", context.shown_name,
                             gnutls_alert_get_name(alert),
                             about_versions ? "; the server may not support TLS 1.2 or later" : ""),
                 {}};
  }
  if (is_hang_up(code)) {
    if (auto refusal = hang_up_after_certificate_request("during the TLS handshake", context)) {
      return *refusal;
    }
    return Error{ErrorKind::io,
                 fmt::format("{} closed the connection during the TLS handshake ({})",
                             context.shown_name, gnutls_strerror(code)),
                 {}};
  }
  if (is_record_layer_garbage(code)) {
    return Error{ErrorKind::protocol,
                 fmt::format("{} did not answer with TLS ({}); does this port use STARTTLS "
                             "(usually 587 or 25) rather than TLS on connect (usually 465)?",
                             context.shown_name, gnutls_strerror(code)),
                 {}};
  }
  return Error{ErrorKind::protocol,
               fmt::format("the TLS handshake with {} failed: {}", context.shown_name,
                           gnutls_strerror(code)),
               {}};
}

std::optional<Error> early_read_failure(int code, const FailureContext& context) {
  // A server that asked for a client certificate, got none, and hangs up before its first byte
  // refused us; some TLS stacks do so without an alert (Python's asyncio among them).
  if (code != GNUTLS_E_PREMATURE_TERMINATION && code != GNUTLS_E_PULL_ERROR) {
    return std::nullopt;
  }
  return hang_up_after_certificate_request("before its first reply", context);
}

Error alert_while_reading(const FailureContext& context) {
  auto alert = gnutls_alert_get(context.session);
  if (auto refusal = client_certificate_refusal(alert, context)) {
    return Error{ErrorKind::permission, *refusal, {}};
  }
  return Error{ErrorKind::io,
               fmt::format("the server ended the TLS connection: {}", gnutls_alert_get_name(alert)),
               {}};
}

}  // namespace smtpsend::net
