#pragma once
// Which of the configuration file's accounts a run uses (internal to config/).

#include <string>

#include "config/config_file.hpp"
#include "config/settings.hpp"

namespace smtpsend::config {

struct AccountChoice {
  const AccountSettings* settings;  // never null: the file's defaults when no account applies
  std::string how;                  // "--account", "its from matches a@b", "default", ...
  bool explicit_choice;             // named with -A: its values beat the environment's
};

// -A NAME (Failure(config) naming the accounts when there is none of that name), else the first
// account whose from matches the sender (-f, else SMTPSEND_FROM), else "default", else the
// defaults alone.
AccountChoice choose_account(const CommandLine& command_line, const Environment& environment,
                             const ConfigFile& file);

// The message for a file that has accounts but none was chosen and nothing gives a server.
std::string no_account_chosen(const ConfigFile& file);

}  // namespace smtpsend::config
