#pragma once
// The settings table: one entry per configuration-file key (the msmtp keys smtpsend honours,
// those it accepts and ignores, those it refuses, our own), how each value is checked, and the
// same setting's other spellings: its flag in native mode (cli/parse.cpp makes the option from
// the entry) and in sendmail mode, its environment variable, its default and a line of help.
// config/settings.cpp resolves every setting from these layers in one way; --show-config lists
// them in this order; tests hold --help and the man pages to the table.

#include <span>
#include <string>
#include <string_view>

namespace smtpsend::config::keys {

enum class KeyRole {
  single,            // one effective value; a later line replaces an earlier one
  repeatable,        // every line adds a value (our `header`)
  ignored,           // the value is checked, then dropped with a warning
  refused,           // known to msmtp, not implemented here: an error
  refused_when_set,  // likewise, but an empty value, which msmtp reads as "not used", is accepted
};

// The outcome of checking one value: errors as values, turned into Failure by the parser, which
// knows the file and line.
struct CheckedValue {
  std::string value;    // what to store: ~ expanded, normalized where config_file.hpp says so
  std::string problem;  // "" when valid; else what is allowed, completing
                        // "invalid value 'X' for KEY: <problem>"
};

using ValueCheck = CheckedValue (*)(std::string_view value, const std::string& home);

struct KeyRule {
  std::string_view name;
  KeyRole role;
  ValueCheck check = nullptr;  // nullptr for refused keys
  std::string_view note{};  // ignored: why it is ignored; refused: why, and what to write instead

  // The same setting outside the file; "" where there is none.
  std::string_view flag{};            // native mode, as CLI11 names it: "--server", "-f,--from"
  std::string_view flag_value{};      // a flag that takes no argument sets this value ("off")
  std::string_view value_name{};      // what --help calls the flag's argument: "HOST"
  std::string_view group{};           // --help's heading for the flag
  std::string_view sendmail_flags{};  // sendmail mode, space-separated: "-f -r"
  std::string_view variable{};        // environment variable: "SMTPSEND_SERVER"
  std::string_view fallback{};        // the default, written as in the file; "" = none or computed
  std::string_view doc{};  // the flag's --help line; for a key without flag, what it does
  bool secret = false;     // never shown, whatever its source
};

std::span<const KeyRule> key_rules();

const KeyRule* find_key_rule(std::string_view name);  // nullptr for an unknown key

// The known key nearest to a misspelt one, or "" when none is within two edits.
std::string_view closest_key_name(std::string_view unknown);

}  // namespace smtpsend::config::keys
