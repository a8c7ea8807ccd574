#include "common/auth_mechanisms.hpp"

#include <algorithm>
#include <array>

#include "common/ascii.hpp"

namespace smtpsend {

namespace {

// GNU SASL drives all but XOAUTH2 and OAUTHBEARER (smtp/sasl_gsasl.cpp, smtp/sasl_oauth.cpp).
// PLAIN: RFC 4616. LOGIN: draft-murchison-sasl-login. SCRAM: RFC 5802, 7677. CRAM-MD5: RFC 2195.
// DIGEST-MD5: RFC 2831. GSSAPI: RFC 4752. GS2-KRB5: RFC 5801. EXTERNAL: RFC 4422 App. A.
// OAUTHBEARER: RFC 7628. XOAUTH2: Google's and Microsoft's documentation. NTLM: MS-NLMP.
constexpr std::array<AuthMechanismInfo, 14> mechanisms{{
    {"PLAIN", true},
    {"LOGIN", true},
    {"SCRAM-SHA-256-PLUS", true},
    {"SCRAM-SHA-256", true},
    {"SCRAM-SHA-1-PLUS", true},
    {"SCRAM-SHA-1", true},
    {"CRAM-MD5", true},
    {"DIGEST-MD5", true},
    {"GSSAPI", true, AuthCredential::kerberos_ticket},
    {"GS2-KRB5", true, AuthCredential::kerberos_ticket},
    {"EXTERNAL", true, AuthCredential::client_certificate},
    {"NTLM", true},
    {"OAUTHBEARER", true, AuthCredential::oauth_token},
    {"XOAUTH2", true, AuthCredential::oauth_token},
}};

}  // namespace

const AuthMechanismInfo* find_auth_mechanism(std::string_view name) {
  const auto* found = std::find_if(mechanisms.begin(), mechanisms.end(), [&](const auto& known) {
    return equals_ignoring_ascii_case(known.name, name);
  });
  return found == mechanisms.end() ? nullptr : found;
}

AuthCredential auth_credential(std::string_view name) {
  const AuthMechanismInfo* known = find_auth_mechanism(name);
  return known == nullptr ? AuthCredential::password : known->credential;
}

std::string implemented_auth_mechanisms() {
  std::string names;
  for (const auto& mechanism : mechanisms) {
    if (mechanism.implemented) {
      names += (names.empty() ? "" : ", ") + std::string(mechanism.name);
    }
  }
  return names;
}

}  // namespace smtpsend
