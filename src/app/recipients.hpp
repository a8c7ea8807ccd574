#pragma once
// Recipient lists as users and sendmail callers write them, turned into mailboxes: local names
// such as "root" (cron's habit) are replaced through the aliases file first.

#include <string>
#include <string_view>
#include <vector>

#include "config/aliases.hpp"
#include "mime/address.hpp"

namespace smtpsend::app {

// Splits a comma-separated address list at its top-level commas (not inside quotes, comments or
// angle brackets) and replaces each element whose address has no '@' by the aliases' addresses
// for it. Other elements are kept as written.
std::string expand_local_names(std::string_view list, const config::Aliases& aliases);

// Parses every list (after expand_local_names), with IDNA domains as A-labels. Throws
// Failure(data) naming an invalid address.
std::vector<mime::Mailbox> parse_recipients(const std::vector<std::string>& lists,
                                            const config::Aliases& aliases);

}  // namespace smtpsend::app
