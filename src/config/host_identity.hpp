#pragma once
// Who and where this run is: the host's name for EHLO, the mail domain, the user's login and
// full name, and msmtp's placeholders built from them.

#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace smtpsend::config {

// RFC 5321 §4.1.1.1 asks EHLO for a fully qualified name: the host name if it is qualified,
// else its canonical name from the resolver, else "localhost".
std::string host_name();

// /etc/mailname, the domain this machine's mail comes from on Debian; else host_name().
std::string mail_name();

// The user's login: USER, else LOGNAME, else the password database's entry for the real user
// (systemd units and `env -i` set neither variable). "" when none is known.
std::string login_name(const Environment& environment);

// msmtp's placeholders in `from` and `domain`: %U login, %H host name, %C canonical host name,
// %M /etc/mailname, %F full name. Any other '%' is kept as written.
std::string expand_placeholders(std::string_view value, const Environment& environment);

// A domain (letters, digits, '-', '_', '.') or an address literal ("[192.0.2.1]",
// "[IPv6:2001:db8::1]"): nothing that could end the EHLO line or start another command.
bool is_valid_ehlo_name(std::string_view name);

}  // namespace smtpsend::config
