// libFuzzer target: config::parse_config on arbitrary bytes (msmtprc syntax).
//
// Checked: the parser either throws Failure of kind config, whose message starts with
// "fuzz.rc:LINE: " for a line of the input, or returns a configuration in which every account
// has a distinct non-empty name that find() returns, every origin names the file and a line of
// the input, every setting's key is a single-valued key of the table, and every warning starts
// with the file's name.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "config/config_file.hpp"
#include "config/config_file_keys.hpp"

namespace {

namespace config = smtpsend::config;
using smtpsend::Failure;

constexpr std::string_view fuzz_path = "fuzz.rc";

void check(bool condition, const char* what, std::string_view detail = {}) {
  if (!condition) {
    std::fprintf(stderr, "config_file_fuzz: invariant violated: %s\n  %.*s\n", what,
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

// Lines as the parser counts them: each '\n' ends one; bytes after the last '\n' are one more.
int line_count(std::string_view input) {
  int lines = 0;
  for (const char c : input) {
    lines += c == '\n' ? 1 : 0;
  }
  return lines + ((!input.empty() && input.back() != '\n') ? 1 : 0);
}

void check_origin(const config::Origin& origin, int lowest, int lines) {
  check(origin.file == fuzz_path, "an origin names the file parsed", origin.file);
  check(origin.line >= lowest && origin.line <= lines, "an origin's line is a line of the input",
        std::to_string(origin.line));
}

void check_settings(const config::AccountSettings& account, int lines) {
  for (const auto& [key, setting] : account.settings) {
    const auto* rule = config::keys::find_key_rule(key);
    check(rule != nullptr && rule->role == config::keys::KeyRole::single,
          "a stored setting has a single-valued key", key);
    check_origin(setting.origin, 1, lines);
  }
  for (const auto& header : account.headers) {
    check_origin(header.origin, 1, lines);
    check(header.value.find(':') != std::string::npos, "a header has a colon", header.value);
  }
}

// "fuzz.rc:LINE: ..." with LINE a line of the input.
void check_failure_message(const std::string& message, int lines) {
  const std::string prefix = std::string(fuzz_path) + ":";
  check(message.starts_with(prefix), "a failure names the file", message);
  std::size_t position = prefix.size();
  int line = 0;
  while (position < message.size() && message[position] >= '0' && message[position] <= '9' &&
         line <= lines) {
    line = line * 10 + (message[position] - '0');
    ++position;
  }
  check(line >= 1 && line <= lines, "a failure names a line of the input", message);
  check(message.compare(position, 2, ": ") == 0, "the line number is followed by ': '", message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const int lines = line_count(input);
  config::ConfigFile parsed;
  try {
    parsed = config::parse_config(input, std::string(fuzz_path), "/home/fuzz");
  } catch (const Failure& failure) {
    check(failure.error().kind == smtpsend::ErrorKind::config, "parse errors are config errors",
          failure.what());
    check_failure_message(failure.error().message, lines);
    return 0;
  }

  check(parsed.path == fuzz_path, "the result names the file parsed", parsed.path);
  check(parsed.defaults.name.empty(), "the defaults have no name", parsed.defaults.name);
  check_origin(parsed.defaults.origin, 0, lines);
  check_settings(parsed.defaults, lines);
  std::set<std::string> names;
  for (const auto& account : parsed.accounts) {
    check(!account.name.empty(), "an account has a name");
    check(names.insert(account.name).second, "account names are distinct", account.name);
    check(parsed.find(account.name) == &account, "find() returns the account", account.name);
    check_origin(account.origin, 1, lines);
    check_settings(account, lines);
  }
  for (const auto& warning : parsed.warnings) {
    check(warning.starts_with(std::string(fuzz_path) + ":"), "a warning names the file", warning);
  }
  return 0;
}
