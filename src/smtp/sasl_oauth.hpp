#pragma once
// The two SASL mechanisms that carry an OAuth 2.0 bearer token (RFC 6750), which GNU SASL lacks:
//
// - XOAUTH2, Google's and Microsoft's: "user=" USER ^A "auth=Bearer " TOKEN ^A ^A. A refused token
//   earns a 334 whose text is base64 JSON ({"status":"401","schemes":"bearer","scope":...}); the
//   client answers it with an empty response, and the server then sends its 535.
// - OAUTHBEARER, RFC 7628: the GS2 header "n,a=USER," then ^A "host=" HOST ^A "port=" PORT ^A
//   "auth=Bearer " TOKEN ^A ^A. A refused token earns a 334 with the JSON error of §3.2.2
//   ({"status":"invalid_token","scope":...}); the client answers ^A (§3.2.3), then the 535.
//
// ^A is the octet 0x01, which separates the fields: a user name or token holding one (or any
// other control character, a line break above all) is a configuration error, thrown before
// anything is sent. The token appears only in initial_response()'s result, never in a message.

#include <memory>
#include <string_view>

#include "smtp/sasl.hpp"

namespace smtpsend::smtp {

// Whether `name` (ASCII case ignored) is XOAUTH2 or OAUTHBEARER.
bool is_oauth_mechanism(std::string_view name);

// XOAUTH2 or OAUTHBEARER (ASCII case ignored) with context.user and the token in
// context.secret (OAUTHBEARER also sends context.host and context.port); nullptr for any other
// name. Throws Failure(config) when the credentials cannot be sent by the mechanism (empty token,
// a control character in the token or user name, no user name for XOAUTH2).
std::unique_ptr<SaslMechanism> make_oauth_mechanism(std::string_view name,
                                                    const SaslContext& context);

}  // namespace smtpsend::smtp
