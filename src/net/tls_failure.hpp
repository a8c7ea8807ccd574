#pragma once
// Why a TLS handshake or a read inside TLS failed, in words a user can act on: a certificate that
// is not trusted (or matches no pin), no TLS version in common, a server refusing our client
// certificate (or its absence), a hang-up after a certificate request, a timeout, a server that
// does not speak TLS at all. These functions only read the session's state; the session throws.

#include <gnutls/gnutls.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "net/tls_credentials.hpp"
#include "net/tls_pinning.hpp"

namespace smtpsend::net {

// What the pin check found during the handshake, for the error message and the facts.
struct PinCheck {
  PinMatch match = PinMatch::none;
  std::optional<CertificateFingerprints> fingerprints;
};

// What a diagnosis needs beyond GnuTLS's own state; every member refers to the session's own
// data, so a context lives no longer than the statement that makes it.
struct FailureContext {
  gnutls_session_t session = nullptr;
  std::string_view shown_name;      // quoted, with its A-label if it differs
  std::string_view requested_name;  // as given, maybe UTF-8
  std::string_view verify_name;     // the A-label or address that was checked
  const TlsCredentials* credentials = nullptr;
  bool pinned = false;  // --tls-fingerprint was given
  const PinCheck* pin_check = nullptr;
  std::string_view user_priorities;              // --tls-priorities as given, "" for the default
  gnutls_priority_t priorities = nullptr;        // what the session offered
  std::string_view first_bytes;                  // the start of what the server sent
  std::chrono::milliseconds handshake_limit{0};  // for the timeout message
};

// True for the GnuTLS codes of a certificate refused during the handshake; the session then
// sends an alert before it throws.
bool is_certificate_failure(int code);

// The error for a handshake that failed with GnuTLS's `code`: permission for a certificate
// refusal or a refused client certificate, temporary for a timeout, io for a lost connection,
// protocol for anything else (a server with no TLS version in common among them, see
// version_refusal_message).
Error handshake_failure(int code, const FailureContext& context);

// The error for a read that failed with GnuTLS's `code` before the server sent any application
// data, when it reads as a refusal of our client certificate; nothing otherwise.
std::optional<Error> early_read_failure(int code, const FailureContext& context);

// The error for a fatal alert received while reading after the handshake: TLS 1.3 servers judge
// the client certificate after our side of the handshake is done (RFC 8446 §4.4.2.4), so their
// refusal arrives as the first record we read.
Error alert_while_reading(const FailureContext& context);

}  // namespace smtpsend::net
