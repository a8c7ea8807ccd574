#include "smtp/auth.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/ascii.hpp"
#include "common/auth_mechanisms.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/secret_wipe.hpp"

namespace smtpsend::smtp {
namespace {

bool offers(const std::vector<std::string>& offered, std::string_view name) {
  return std::find(offered.begin(), offered.end(), name) != offered.end();
}

std::string offered_list(const std::vector<std::string>& offered) {
  return offered.empty() ? std::string("none") : fmt::format("{}", fmt::join(offered, ", "));
}

}  // namespace

std::string_view mechanism_name(AuthMechanism mechanism) {
  switch (mechanism) {
    case AuthMechanism::plain:
      return "PLAIN";
    case AuthMechanism::login:
      return "LOGIN";
  }
  return "?";
}

AuthMechanism choose_auth_mechanism(std::string_view configured,
                                    const std::vector<std::string>& offered) {
  if (!configured.empty()) {
    // The configuration names mechanisms as IANA registers them (common/auth_mechanisms.hpp).
    const AuthMechanismInfo* known = find_auth_mechanism(configured);
    if (known == nullptr || !known->implemented) {
      throw Failure(ErrorKind::config,
                    fmt::format("authentication mechanism '{}' is not supported; smtpsend "
                                "supports {} (the server offers: {})",
                                configured, implemented_auth_mechanisms(), offered_list(offered)));
    }
    const std::string wanted(known->name);
    const AuthMechanism mechanism = wanted == "PLAIN" ? AuthMechanism::plain : AuthMechanism::login;
    if (!offers(offered, wanted)) {
      throw Failure(ErrorKind::config,
                    fmt::format("the server does not offer the configured authentication "
                                "mechanism {}; it offers: {}. Choose one of those, or leave the "
                                "mechanism unset to pick the best one",
                                wanted, offered_list(offered)));
    }
    return mechanism;
  }
  if (offers(offered, "PLAIN")) {
    return AuthMechanism::plain;
  }
  if (offers(offered, "LOGIN")) {
    return AuthMechanism::login;
  }
  if (offered.empty()) {
    throw Failure(ErrorKind::unavailable,
                  "the server does not offer authentication (no AUTH in its EHLO reply), but a "
                  "user name is configured; check the server and port, or remove the user name "
                  "to send without authenticating");
  }
  throw Failure(ErrorKind::unavailable,
                fmt::format("the server offers no authentication mechanism that smtpsend "
                            "supports (it offers: {}; smtpsend supports {})",
                            offered_list(offered), implemented_auth_mechanisms()));
}

std::string plain_initial_response(const Credentials& credentials) {
  std::string message;
  message.reserve(credentials.user.size() + credentials.password.size() + 2);
  message += '\0';
  message += credentials.user;
  message += '\0';
  message += credentials.password;
  std::string encoded = encode_base64(message);
  wipe(message);
  return encoded;
}

LoginPrompt classify_login_challenge(std::string_view challenge_base64) {
  const auto decoded = decode_base64(challenge_base64);
  if (!decoded) {
    return LoginPrompt::unknown;
  }
  const std::string prompt = ascii_upper(*decoded);
  if (prompt.find("PASS") != std::string::npos) {
    return LoginPrompt::password;
  }
  if (prompt.find("USER") != std::string::npos) {
    return LoginPrompt::user;
  }
  return LoginPrompt::unknown;
}

}  // namespace smtpsend::smtp
