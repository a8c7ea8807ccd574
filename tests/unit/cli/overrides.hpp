#pragma once
// Helpers for the command-line tests: what a parsed command line gives as settings is a list of
// overrides {key, value, flag}; these find one by key, and resolve them as config/ does, so that
// a test can pin what the user sees when a value is refused.

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "config/settings.hpp"

namespace smtpsend::config {

// For EXPECT_EQ and its failure messages.
inline bool operator==(const Override& a, const Override& b) {
  return a.key == b.key && a.value == b.value && a.origin == b.origin;
}
inline void PrintTo(const Override& given, std::ostream* out) {
  *out << "{" << given.key << ", '" << given.value << "', " << given.origin << "}";
}

}  // namespace smtpsend::config

namespace smtpsend::cli::testing {

// The override of `key` that takes effect (the last one given), or nullopt when none.
inline std::optional<config::Override> find_override(const std::vector<config::Override>& given,
                                                     std::string_view key) {
  std::optional<config::Override> found;
  for (const auto& override_value : given) {
    if (override_value.key == key) {
      found = override_value;
    }
  }
  return found;
}

// The settings as config/ resolves them from these overrides alone: no environment, no file.
inline config::Settings resolve_overrides(const std::vector<config::Override>& given) {
  const config::Environment no_environment = [](const std::string&) {
    return std::optional<std::string>();
  };
  return config::resolve_settings(given, no_environment, nullptr, false, "/home/user");
}

// The usage error that resolving these overrides gives, or a test failure when they resolve.
inline std::string resolution_refusal(const std::vector<config::Override>& given) {
  try {
    resolve_overrides(given);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::usage) << failure.what();
    return failure.what();
  }
  ADD_FAILURE() << "the values were accepted";
  return {};
}

}  // namespace smtpsend::cli::testing
