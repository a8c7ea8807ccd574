#pragma once
// Command lines and environments for account-resolution tests: settings as the parser would
// hand them over ({key, value, flag}), and an environment of exactly the variables given.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "config/account.hpp"
#include "config/settings.hpp"

namespace smtpsend::config::testing {

inline Environment environment_of(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    if (auto found = variables.find(name); found != variables.end()) {
      return found->second;
    }
    return std::nullopt;
  };
}

// {{"host", "x", "--server"}, ...}
inline CommandLine flags(std::vector<Override> overrides) {
  CommandLine command_line;
  command_line.overrides = std::move(overrides);
  return command_line;
}

// The first problem of an account, or a failure thrown while resolving it: what a send reports.
inline Error failure_of(const CommandLine& command_line, const Environment& environment,
                        const ConfigFile* file = nullptr) {
  try {
    require_usable(resolve_account(command_line, environment, file));
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no failure";
  return {};
}

}  // namespace smtpsend::config::testing
