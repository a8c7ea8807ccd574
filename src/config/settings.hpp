#pragma once
// Every setting resolved in one way, whatever it is: the command line's value, else the
// environment's, else the configuration file's (the chosen account with its defaults), else the
// table's default. An account chosen explicitly (-A) beats the environment, which is ambient.
// Each value remembers where it came from, for --show-config and for messages that name it.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_file.hpp"

namespace smtpsend::config {

// A setting given on the command line: the table's key, the value as written, and how it was
// written ("--server", "-f"), which messages quote.
struct Override {
  std::string key;
  std::string value;
  std::string origin;
};

// What the command line tells config/: the settings it gives, and which file and account.
struct CommandLine {
  std::vector<Override> overrides;
  std::string config_file;     // -C/--config FILE; "" = the usual places
  std::string account;         // -A/--account NAME; "" = chosen by the sender, else "default"
  bool sendmail_mode = false;  // messages then name what sendmail mode can use
};

// Reads environment variables; injected so tests are exact.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();

enum class Layer { command_line, environment, file, fallback };

struct SettingValue {
  std::string text;  // checked and normalized by the table's check
  Layer layer = Layer::fallback;
  std::string origin;  // "--server", "env SMTPSEND_SERVER", "path:12", "default"
  int rank = 0;        // lower wins: where this layer stands for this run
};

class Settings {
 public:
  const SettingValue* find(std::string_view key) const;
  // The value's text, or "" when the setting has none.
  std::string text(std::string_view key) const;
  bool is_on(std::string_view key) const { return text(key) == "on"; }
  // Where the value came from, as messages quote it; "" when the setting has none.
  std::string origin(std::string_view key) const;
  // "tls off (path:3)", "--tls none": the setting as the user wrote it, for messages.
  std::string as_written(std::string_view key) const;
  // Whether the value was given for this run (a flag or a variable), not by a file or default.
  bool given_for_this_run(std::string_view key) const {
    const SettingValue* value = find(key);
    return value != nullptr &&
           (value->layer == Layer::command_line || value->layer == Layer::environment);
  }

  void set(std::string key, SettingValue value);
  const std::map<std::string, SettingValue, std::less<>>& all() const { return values_; }

 private:
  std::map<std::string, SettingValue, std::less<>> values_;
};

// Resolves every single-valued setting of the table. `file` is the chosen account (nullptr:
// none); `account_chosen` says it was named with -A. A value from the command line or the
// environment is checked as a file's would be: Failure(usage) naming the flag, or
// Failure(config) naming the variable.
Settings resolve_settings(const std::vector<Override>& overrides, const Environment& environment,
                          const AccountSettings* file, bool account_chosen,
                          const std::string& home);

}  // namespace smtpsend::config
