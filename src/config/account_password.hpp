#pragma once
// Which setting the password comes from (internal to config/: resolve_password() fetches it,
// --show-config names it).

#include "config/settings.hpp"

namespace smtpsend::config {

struct PasswordSource {
  enum class Kind { command, value, netrc_or_prompt } kind;
  const SettingValue* value;  // passwordeval's or password's; nullptr for netrc_or_prompt
};

PasswordSource password_source(const Settings& settings);

}  // namespace smtpsend::config
