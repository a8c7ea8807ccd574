#pragma once
// Recipient lists as users and sendmail callers write them, turned into mailboxes: local names
// such as "root" (cron's habit) are replaced through the aliases file first, then qualified with
// the maildomain setting or, in sendmail mode, sent as written.

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

// What becomes of a local name (an address without '@', such as cron's "root") that no alias
// replaced.
struct LocalNameRule {
  // The maildomain setting: root -> root@mail_domain. "" = none.
  std::string mail_domain;
  // Sent as written (RCPT TO:<root>) when there is no mail_domain, as every MTA's sendmail
  // does: sendmail mode. Otherwise it is an invalid address.
  bool sent_as_written = false;
};

// Parses every list (after expand_local_names), with IDNA domains as A-labels, local names as
// `local_names` says. Throws Failure(data) naming an invalid address.
std::vector<mime::Mailbox> parse_recipients(const std::vector<std::string>& lists,
                                            const config::Aliases& aliases,
                                            const LocalNameRule& local_names = {});

}  // namespace smtpsend::app
