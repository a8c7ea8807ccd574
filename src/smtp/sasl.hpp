#pragma once
// A SASL client mechanism (RFC 4422) as SMTP AUTH (RFC 4954) drives it. The session has one loop
// for every mechanism: AUTH NAME [initial response], then each 334 challenge is handed to step()
// and its answer sent, until 235 (success) or a refusal. Mechanisms see raw octets; the session
// does the base64 of the wire. Nothing here does I/O, so each mechanism's dialog runs in the
// dialog tests fed whole and byte by byte.
//
// The mechanisms come from GNU SASL (smtp/sasl_gsasl.cpp) except XOAUTH2 and OAUTHBEARER, which
// GNU SASL lacks (smtp/sasl_oauth.cpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::smtp {

// Channel-binding data (RFC 5056) for the -PLUS mechanisms, from the TLS layer.
struct ChannelBinding {
  std::string type;  // "tls-exporter" (RFC 9266, TLS 1.3) or "tls-unique" (RFC 5929, TLS 1.2)
  std::string data;  // raw octets; secret-adjacent: never traced
};

// What a mechanism may need. Each takes only what it uses.
struct SaslContext {
  std::string user;         // authentication identity ("" for GSSAPI/EXTERNAL: the ticket or cert)
  std::string secret;       // the password, or the OAuth 2.0 bearer token for XOAUTH2/OAUTHBEARER
  std::string host;         // the server's name as the user gave it: GSSAPI's service principal
                            // (smtp/HOST), OAUTHBEARER's host=
  std::uint16_t port = 0;   // OAUTHBEARER's port=
  std::string ntlm_domain;  // NTLM's domain (msmtp's ntlmdomain); "" = none
  std::optional<ChannelBinding> channel_binding;  // set after TLS, when the TLS layer has one
};

// One mechanism's part of one authentication exchange. Errors are thrown as Failure
// (common/error.hpp): ErrorKind::permission when the server failed mutual authentication (a wrong
// SCRAM server signature), ErrorKind::protocol for a challenge that cannot be parsed,
// ErrorKind::config for a mechanism the credentials cannot drive.
class SaslMechanism {
 public:
  SaslMechanism() = default;
  virtual ~SaslMechanism() = default;
  SaslMechanism(const SaslMechanism&) = delete;
  SaslMechanism& operator=(const SaslMechanism&) = delete;
  SaslMechanism(SaslMechanism&&) = delete;
  SaslMechanism& operator=(SaslMechanism&&) = delete;

  // The IANA name, as sent after AUTH.
  virtual std::string_view name() const = 0;
  // The response sent on the AUTH line (RFC 4954 §4 saves a round trip), or nullopt when the
  // mechanism starts with the server's challenge. An empty string is sent as "=".
  virtual std::optional<std::string> initial_response() = 0;
  // The answer to a 334 challenge (decoded).
  virtual std::string step(std::string_view challenge) = 0;
  // Whether the mechanism has finished its side: a 235 before this is a server that skipped the
  // mutual authentication (SCRAM's server signature), which is refused.
  virtual bool complete() const = 0;
  // After the server refused: what it said about why, in the mechanism's own terms (RFC 7628
  // §3.2.2's JSON error: "status 401 (invalid_token), scope ...") for the error message; "" when
  // the mechanism has nothing to add.
  virtual std::string refusal_details() const { return {}; }
  // After the server refused: whether a fresh secret could succeed where this one failed (an
  // OAuth 2.0 token the server reported expired or invalid). The session then asks once for a
  // fresh one and authenticates again on the same connection.
  virtual bool fresh_secret_may_help() const { return false; }
};

// The mechanism `name` (IANA spelling), or nullptr when smtpsend cannot drive it here (GNU SASL
// built without it).
std::unique_ptr<SaslMechanism> make_sasl_mechanism(std::string_view name,
                                                   const SaslContext& context);

// Whether `name` is a -PLUS mechanism, which binds the exchange to the TLS channel (RFC 5056).
inline bool binds_to_channel(std::string_view name) {
  constexpr std::string_view suffix = "-PLUS";
  return name.size() > suffix.size() && name.ends_with(suffix);
}

// Whether make_sasl_mechanism() can make `name` here.
bool sasl_mechanism_available(std::string_view name);

}  // namespace smtpsend::smtp
