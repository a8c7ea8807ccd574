#pragma once
// The aliases file: local names such as "root" or "postmaster" mapped to mail addresses, so that
// mail a program sends to a local user reaches a real mailbox (msmtp's `aliases` setting).
//
// The file has the syntax of sendmail's /etc/aliases (aliases(5)):
//
//     # comment
//     root: admin@example.org
//     staff: ann@example.org, joe@example.org,
//            bob@example.org
//     default: catchall@example.org
//
// A line that starts with a space or tab continues the entry above it; a line whose first
// non-blank character is '#' is a comment; blank lines are ignored. Both kinds may stand between
// an entry and its continuation lines (as postalias(1) reads them).

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::config {

class Aliases {
 public:
  // Throws Failure(config) "path:line: ..." on a malformed line: no ':', no name, an entry
  // without addresses, a name defined twice, or a value that is not an address (a |command,
  // /file or :include: target: mail can only be sent, not piped or written). `path` is only used
  // in messages.
  static Aliases parse(std::string_view text, const std::string& path);

  // Reads and parses the file at `path`. Throws Failure(config) naming it when it is missing or
  // cannot be read.
  static Aliases load(const std::string& path);

  // The addresses `recipient` stands for. An address with '@' is returned unchanged. A local
  // name (no '@') is replaced by its alias's addresses, the name matched ignoring letter case;
  // an unknown local name by the addresses of the `default` alias when there is one, and is
  // otherwise returned unchanged. Local names among the addresses are expanded the same way
  // (postmaster: root, root: admin@example.org), except that the default alias's own addresses
  // do not fall back to it again, and a name in its own entry (root: root, ...) stays as it is.
  // Throws Failure(config) naming the chain when a name leads back to itself
  // (a -> b -> a), leads more than 10 names deep, or expands to more than 1000 names and
  // addresses in all.
  std::vector<std::string> expand(std::string_view recipient) const;

  bool empty() const { return addresses_by_name_.empty(); }

 private:
  class Expansion;
  const std::vector<std::string>* entry(const std::string& key) const;

  std::string path_;                                                   // for messages
  std::map<std::string, std::vector<std::string>> addresses_by_name_;  // names in lower case
};

}  // namespace smtpsend::config
