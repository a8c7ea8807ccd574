// --show-config: every setting in the settings table's order, with where its value came from,
// then what keeps the account from being used.

#include <fmt/format.h>

#include "config/account.hpp"
#include "config/account_password.hpp"
#include "config/config_file_keys.hpp"

namespace smtpsend::config {

namespace {

// The password line: never the value, and the command not run; only where it would come from.
std::string password_line(const Account& account) {
  const PasswordSource source = password_source(account.settings);
  switch (source.kind) {
    case PasswordSource::Kind::command:
      return fmt::format("password = <redacted> [{}]\n",
                         source.value->layer == Layer::command_line
                             ? source.value->origin
                             : source.value->origin + " passwordeval, not run");
    case PasswordSource::Kind::value:
      return fmt::format("password = <redacted> [{}]\n", source.value->layer == Layer::file
                                                             ? source.value->origin + " password"
                                                             : source.value->origin);
    case PasswordSource::Kind::netrc_or_prompt:
      break;
  }
  return "password = <redacted> [~/.netrc, else a prompt on the terminal]\n";
}

std::string seconds_shown(const std::optional<std::chrono::milliseconds>& limit,
                          std::string_view when_off) {
  constexpr double milliseconds_per_second = 1000;
  return limit ? fmt::format("{} s", static_cast<double>(limit->count()) / milliseconds_per_second)
               : std::string(when_off);
}

// The value shown for `key`: the account's typed value where resolution derives or normalizes
// it, else the setting's text; nullopt to leave the line out.
std::optional<std::string> shown_value(const Account& account, std::string_view key) {
  if (key == "host") {
    return account.host.empty() ? "(none)" : account.host;
  }
  if (key == "port") {
    return std::to_string(account.port);
  }
  if (key == "tls") {
    return std::string(tls_mode_name(account.tls));
  }
  if (key == "tls_trust_file") {
    return account.tls_trust_file.empty() ? "system" : account.tls_trust_file;
  }
  if (key == "tls_certcheck" && !account.tls_fingerprint.empty()) {
    return "replaced by tls_fingerprint (the pin alone decides: no CA, host name or date check)";
  }
  if (key == "domain") {
    return account.ehlo_domain;
  }
  if (key == "from") {
    return account.from.empty() ? "(each message's From)" : account.from;
  }
  if (key == "user") {
    return account.user.empty() ? "(none: no authentication)" : account.user;
  }
  if (key == "auth" || key == "allow_plaintext_auth") {
    if (account.user.empty()) {
      return std::nullopt;  // nothing to authenticate
    }
  }
  if (key == "timeout") {
    return seconds_shown(account.timeout, "off (RFC 5321 limits)");
  }
  if (key == "max_time") {
    return seconds_shown(account.max_time, "off");
  }
  const SettingValue* value = account.settings.find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  return value->text;
}

}  // namespace

std::string describe_settings(const Account& account) {
  std::string text =
      fmt::format("config = {}\n", account.config_path.empty() ? "(none)" : account.config_path);
  if (!account.config_path.empty()) {
    text += fmt::format("account = {} [{}]\n",
                        account.account_name.empty() ? "(none)" : account.account_name,
                        account.account_choice);
  }
  for (const keys::KeyRule& rule : keys::key_rules()) {
    if (rule.role == keys::KeyRole::repeatable) {
      for (const auto& [name, value] : account.headers) {
        text += fmt::format("header = {}: {}\n", name, value);
      }
      continue;
    }
    if (rule.role != keys::KeyRole::single) {
      continue;
    }
    if (rule.secret) {
      if (rule.name == "password" && !account.user.empty()) {
        text += password_line(account);
      }
      continue;
    }
    const auto value = shown_value(account, rule.name);
    if (!value) {
      continue;
    }
    const std::string origin = account.settings.origin(rule.name);
    text += fmt::format("{} = {} [{}]\n", rule.name, *value, origin.empty() ? "default" : origin);
  }
  if (account.missing_server) {
    text += fmt::format("problem: {}\n", account.missing_server->message);
  }
  for (const Error& problem : account.problems) {
    text += fmt::format("problem: {}\n", problem.message);
  }
  return text;
}

}  // namespace smtpsend::config
