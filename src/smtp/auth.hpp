#pragma once
// Which SASL mechanism AUTH (RFC 4954) uses: the one the user named, or the strongest the server
// offers that the credentials and the connection allow. The exchange itself is the session's one
// AUTH loop over smtp/sasl.hpp.

#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::smtp {

// What the choice depends on besides the server's list.
struct AuthSituation {
  bool tls = false;              // the connection is encrypted
  bool channel_binding = false;  // the TLS layer gave channel-binding data (for -PLUS)
};

struct AuthChoice {
  std::string mechanism;  // IANA name, as sent after AUTH
  std::string reason;     // for the trace: "configured", "strongest offered of ..."
};

// `configured` ("" = automatic) as the user wrote it; `offered` as the server listed them
// (upper-case). Automatic order: SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS (with channel binding),
// SCRAM-SHA-256, SCRAM-SHA-1, then over TLS PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, and without TLS
// CRAM-MD5, DIGEST-MD5, PLAIN, LOGIN: a mechanism that proves the password without sending it is
// worth more where nothing else protects it. GSSAPI, EXTERNAL, NTLM, XOAUTH2 and OAUTHBEARER
// take other credentials than a password, so they are used only when named. Throws a Failure
// naming what the server offers when nothing fits.
AuthChoice choose_auth_mechanism(std::string_view configured,
                                 const std::vector<std::string>& offered,
                                 const AuthSituation& situation);

// The automatic order above, for documentation and tests.
const std::vector<std::string_view>& automatic_auth_order(bool tls);

}  // namespace smtpsend::smtp
