#include "smtp/auth.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/auth_mechanisms.hpp"
#include "common/error.hpp"
#include "smtp/sasl.hpp"

namespace smtpsend::smtp {
namespace {

bool offers(const std::vector<std::string>& offered, std::string_view name) {
  return std::find(offered.begin(), offered.end(), name) != offered.end();
}

bool needs_channel_binding(std::string_view name) {
  constexpr std::string_view suffix = "-PLUS";
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

std::string offered_list(const std::vector<std::string>& offered) {
  return offered.empty() ? std::string("none") : fmt::format("{}", fmt::join(offered, ", "));
}

AuthChoice configured_choice(std::string_view configured, const std::vector<std::string>& offered,
                             const AuthSituation& situation) {
  // The configuration names mechanisms as IANA registers them (common/auth_mechanisms.hpp).
  const AuthMechanismInfo* known = find_auth_mechanism(configured);
  if (known == nullptr || !known->implemented || !sasl_mechanism_available(known->name)) {
    throw Failure(ErrorKind::config,
                  fmt::format("authentication mechanism '{}' is not supported; smtpsend "
                              "supports {} (the server offers: {})",
                              configured, implemented_auth_mechanisms(), offered_list(offered)));
  }
  const std::string wanted(known->name);
  if (!offers(offered, wanted)) {
    throw Failure(ErrorKind::config,
                  fmt::format("the server does not offer the configured authentication "
                              "mechanism {}; it offers: {}. Choose one of those, or leave the "
                              "mechanism unset (auth on) to pick the strongest",
                              wanted, offered_list(offered)));
  }
  if (needs_channel_binding(wanted) && !situation.channel_binding) {
    throw Failure(ErrorKind::config,
                  fmt::format("{} binds the authentication to the TLS connection, but {}; use "
                              "it with TLS, or choose {} without -PLUS",
                              wanted,
                              situation.tls ? "this TLS connection gave no channel binding"
                                            : "the connection is not encrypted",
                              wanted.substr(0, wanted.size() - 5)));
  }
  return {wanted, "configured"};
}

}  // namespace

const std::vector<std::string_view>& automatic_auth_order(bool tls) {
  static const std::vector<std::string_view> with_tls{
      "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN",
      "CRAM-MD5",           "DIGEST-MD5"};
  static const std::vector<std::string_view> without_tls{"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5",
                                                         "DIGEST-MD5",    "PLAIN",       "LOGIN"};
  return tls ? with_tls : without_tls;
}

AuthChoice choose_auth_mechanism(std::string_view configured,
                                 const std::vector<std::string>& offered,
                                 const AuthSituation& situation) {
  if (!configured.empty()) {
    return configured_choice(configured, offered, situation);
  }
  for (const std::string_view name : automatic_auth_order(situation.tls)) {
    if (needs_channel_binding(name) && !situation.channel_binding) {
      continue;
    }
    if (offers(offered, name) && sasl_mechanism_available(name)) {
      return {std::string(name),
              fmt::format("the strongest of those offered ({})", offered_list(offered))};
    }
  }
  if (offered.empty()) {
    throw Failure(ErrorKind::unavailable,
                  "the server does not offer authentication (no AUTH in its EHLO reply), but a "
                  "user name is configured; check the server and port, or remove the user name "
                  "to send without authenticating");
  }
  throw Failure(ErrorKind::unavailable,
                fmt::format("the server offers no authentication mechanism that smtpsend uses "
                            "with a password (it offers: {}); name one with --auth (auth in "
                            "the configuration file) if it takes other credentials",
                            offered_list(offered)));
}

}  // namespace smtpsend::smtp
