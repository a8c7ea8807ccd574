#pragma once
// Lookups the configuration-file tests share.

#include <stdexcept>
#include <string>
#include <string_view>

#include "config/config_file.hpp"

namespace smtpsend::config::testing {

inline const AccountSettings& account_of(const ConfigFile& config, std::string_view name) {
  const auto* account = config.find(name);
  if (account == nullptr) {
    throw std::runtime_error("no account " + std::string(name));
  }
  return *account;
}

// A setting's value, or "<unset>".
inline std::string value_of(const AccountSettings& account, const std::string& key) {
  const auto found = account.settings.find(key);
  return found == account.settings.end() ? "<unset>" : found->second.value;
}

}  // namespace smtpsend::config::testing
