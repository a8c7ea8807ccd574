#include "common/auth_mechanisms.hpp"

#include <algorithm>
#include <array>

#include "common/ascii.hpp"

namespace smtpsend {

namespace {

// PLAIN: RFC 4616. LOGIN: draft-murchison-sasl-login. The rest are known by name only.
constexpr std::array<AuthMechanismInfo, 13> mechanisms{{
    {"PLAIN", true},
    {"LOGIN", true},
    {"SCRAM-SHA-256-PLUS", false},
    {"SCRAM-SHA-256", false},
    {"SCRAM-SHA-1-PLUS", false},
    {"SCRAM-SHA-1", false},
    {"CRAM-MD5", false},
    {"DIGEST-MD5", false},
    {"GSSAPI", false},
    {"EXTERNAL", false},
    {"OAUTHBEARER", false},
    {"XOAUTH2", false},
    {"NTLM", false},
}};

}  // namespace

const AuthMechanismInfo* find_auth_mechanism(std::string_view name) {
  const auto* found = std::find_if(mechanisms.begin(), mechanisms.end(), [&](const auto& known) {
    return equals_ignoring_ascii_case(known.name, name);
  });
  return found == mechanisms.end() ? nullptr : found;
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
