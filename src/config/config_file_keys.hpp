#pragma once
// The table of configuration-file keys: the msmtp keys smtpsend honours, those it accepts and
// ignores, those it refuses, our own, and how each value is checked. Used by config_file.cpp;
// the rest of the program reads settings through config_file.hpp.

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
  ValueCheck check;       // nullptr for refused keys
  std::string_view note;  // ignored: why it is ignored; refused: why, and what to write instead
};

std::span<const KeyRule> key_rules();

const KeyRule* find_key_rule(std::string_view name);  // nullptr for an unknown key

// The known key nearest to a misspelt one, or "" when none is within two edits.
std::string_view closest_key_name(std::string_view unknown);

}  // namespace smtpsend::config::keys
