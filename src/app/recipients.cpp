#include "app/recipients.hpp"

#include "common/text.hpp"
#include "config/account.hpp"
#include "mime/idna.hpp"

namespace smtpsend::app {

namespace {

// The elements of a list, split at commas outside "quoted strings", (comments) and <brackets>.
std::vector<std::string_view> top_level_elements(std::string_view list) {
  std::vector<std::string_view> elements;
  bool quoted = false;
  bool escaped = false;
  int comment_depth = 0;
  bool in_brackets = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (escaped) {
      escaped = false;
    } else if (c == '\\' && (quoted || comment_depth > 0)) {
      escaped = true;
    } else if (quoted) {
      quoted = c != '"';
    } else if (c == '"') {
      quoted = true;
    } else if (c == '(') {
      ++comment_depth;
    } else if (c == ')' && comment_depth > 0) {
      --comment_depth;
    } else if (comment_depth == 0 && c == '<') {
      in_brackets = true;
    } else if (comment_depth == 0 && c == '>') {
      in_brackets = false;
    } else if (comment_depth == 0 && !in_brackets && c == ',') {
      elements.push_back(list.substr(start, i - start));
      start = i + 1;
    }
  }
  elements.push_back(list.substr(start));
  return elements;
}

// A local name is one word: no '@', and nothing that makes it more than a name (a group's ':' or
// ';', quotes, comments); those are left to the address parser to judge.
bool is_local_name(std::string_view address) {
  return !address.empty() && address.find_first_of("@:;\"() \t") == std::string_view::npos;
}

}  // namespace

std::string expand_local_names(std::string_view list, const config::Aliases& aliases) {
  if (aliases.empty()) {
    return std::string(list);
  }
  std::string expanded;
  for (const std::string_view element : top_level_elements(list)) {
    std::string replacement(element);
    if (const std::string address = config::bare_address(element); is_local_name(address)) {
      replacement.clear();
      for (const std::string& target : aliases.expand(address)) {
        replacement += (replacement.empty() ? "" : ", ") + target;
      }
    }
    if (!trim_blanks(replacement).empty()) {
      expanded += (expanded.empty() ? "" : ", ") + replacement;
    }
  }
  return expanded;
}

std::vector<mime::Mailbox> parse_recipients(const std::vector<std::string>& lists,
                                            const config::Aliases& aliases,
                                            const LocalNameRule& local_names) {
  const auto accepted = local_names.sent_as_written || !local_names.mail_domain.empty()
                            ? mime::LocalNames::accepted
                            : mime::LocalNames::refused;
  std::vector<mime::Mailbox> mailboxes;
  for (const auto& list : lists) {
    for (auto mailbox : mime::parse_address_list(expand_local_names(list, aliases), accepted)) {
      if (!local_names.mail_domain.empty() && mime::is_local_only(mailbox.address)) {
        // Parsed again, so that a domain the address cannot carry is refused like any other.
        mailbox.address = mime::parse_address_list(mailbox.address + "@" + local_names.mail_domain)
                              .front()
                              .address;
      }
      mailboxes.push_back(mime::with_ascii_domain(mailbox));
    }
  }
  return mailboxes;
}

}  // namespace smtpsend::app
