#pragma once
// Mailboxes as people write them (RFC 5322 §3.4, with RFC 6532's UTF-8) and as headers carry
// them.
//
//   parse_address_list("Ann <ann@example.com>, \"Lee, Bo\" <bo@example.com>, team: c@d;")
//     -> {"Ann", "ann@example.com"}, {"Lee, Bo", "bo@example.com"}, {"", "c@d"}
//
// Accepted beyond the plain grammar: comments anywhere (nested too; dropped), folded whitespace,
// groups (their members are returned in place of the group; empty groups add nothing), and the
// obsolete forms of §4.4: empty list elements, whitespace and comments around the dots of local
// parts and domains, dots in display names, and source routes in angle brackets (dropped).
// RFC 2047 encoded words in display names are kept as written, not decoded.

#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::mime {

struct Mailbox {
  std::string display_name;  // without quotes and escapes; "" when there is none
  std::string address;       // the addr-spec, local@domain: what SMTP's MAIL and RCPT carry

  friend bool operator==(const Mailbox&, const Mailbox&) = default;
};

// Parses a comma-separated address list. The local part is returned in its simplest form: bare
// when it is a dot-atom (also when it was written quoted), else quoted with only '"' and '\'
// escaped; a domain literal keeps its brackets, without whitespace. Empty or blank input gives
// an empty list. Throws Failure(data, "invalid address '<the offending element>': <why>").
// With LocalNames::accepted, an address without '@' that is a valid local part ("root",
// "<www-data>") is a mailbox too, its address being the local part alone: what sendmail callers
// write for a user of the local system.
enum class LocalNames { refused, accepted };
std::vector<Mailbox> parse_address_list(std::string_view text,
                                        LocalNames local_names = LocalNames::refused);

// Whether `address` (a Mailbox's) is a local part alone, without "@domain".
bool is_local_only(std::string_view address);

// The mailbox for a header: "address" alone, or "name <address>" with the name as atoms when
// it is only atoms and spaces, quoted when it has specials, and as RFC 2047 encoded words when
// it is not ASCII (or could be mistaken for encoded words).
std::string format_mailbox(const Mailbox& mailbox);

// The mailboxes joined by ", ", ready for format_header().
std::string format_mailbox_list(const std::vector<Mailbox>& mailboxes);

// True when the address itself is not ASCII, so that sending it needs SMTPUTF8 (RFC 6531).
bool needs_smtputf8(const Mailbox& mailbox);

}  // namespace smtpsend::mime
