#pragma once
// The SASL mechanisms smtpsend knows, by their names in IANA's "SASL Mechanisms" registry (the
// words servers list after AUTH, RFC 4954 §3). Every layer names a mechanism by this string: the
// command line, the configuration file, --show-config, the session and the trace.

#include <string>
#include <string_view>

namespace smtpsend {

struct AuthMechanismInfo {
  std::string_view name;  // IANA's spelling: "PLAIN", "SCRAM-SHA-256-PLUS"
  bool implemented;       // false: known, so that a configuration naming it gets a clear refusal
};

// nullptr when `name` (ASCII case ignored) is no mechanism smtpsend knows.
const AuthMechanismInfo* find_auth_mechanism(std::string_view name);

// "PLAIN, LOGIN": the implemented ones, for messages.
std::string implemented_auth_mechanisms();

}  // namespace smtpsend
