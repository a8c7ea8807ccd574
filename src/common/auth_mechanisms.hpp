#pragma once
// The SASL mechanisms smtpsend knows, by their names in IANA's "SASL Mechanisms" registry (the
// words servers list after AUTH, RFC 4954 §3). Every layer names a mechanism by this string: the
// command line, the configuration file, --show-config, the session and the trace.

#include <string>
#include <string_view>

namespace smtpsend {

// What a mechanism proves who we are with.
enum class AuthCredential {
  password,            // PLAIN, LOGIN, SCRAM, CRAM-MD5, DIGEST-MD5, NTLM
  oauth_token,         // XOAUTH2, OAUTHBEARER: an OAuth 2.0 access token in the password's place
  kerberos_ticket,     // GSSAPI, GS2-KRB5: the ticket kinit got; the user name is optional
  client_certificate,  // EXTERNAL: the TLS client certificate; the user name is optional
};

struct AuthMechanismInfo {
  std::string_view name;  // IANA's spelling: "PLAIN", "SCRAM-SHA-256-PLUS"
  bool implemented;       // false: known, so that a configuration naming it gets a clear refusal
  AuthCredential credential = AuthCredential::password;
};

// nullptr when `name` (ASCII case ignored) is no mechanism smtpsend knows.
const AuthMechanismInfo* find_auth_mechanism(std::string_view name);

// What `name` authenticates with; a password for "" (the automatic choice, which takes only
// mechanisms driven by a password) and for a name smtpsend does not know.
AuthCredential auth_credential(std::string_view name);

// Whether `name` needs a secret from the user (a password or a token): false for a Kerberos
// ticket or a client certificate, where no password is fetched and no user name is required.
inline bool auth_needs_secret(std::string_view name) {
  const AuthCredential credential = auth_credential(name);
  return credential == AuthCredential::password || credential == AuthCredential::oauth_token;
}

// "PLAIN, LOGIN": the implemented ones, for messages.
std::string implemented_auth_mechanisms();

}  // namespace smtpsend
