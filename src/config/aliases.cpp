#include "config/aliases.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/regular_file.hpp"
#include "common/text.hpp"

namespace smtpsend::config {

namespace {

// msmtp's name for the alias that catches every local name without one of its own.
constexpr std::string_view default_alias_name = "default";

constexpr bool is_white_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

bool is_blank_or_comment(std::string_view line) {
  const auto content = trim_blanks(line, " \t\r");
  return content.empty() || content.front() == '#';
}

// Splits a value at the commas that separate addresses; a comma inside a quoted local part
// ("doe, john"@example.org) separates nothing. nullopt when a quote is left open.
std::optional<std::vector<std::string_view>> split_at_commas(std::string_view value) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted && c == '\\') {
      ++i;  // RFC 5322 §3.2.4 quoted-pair: the next character is literal
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      items.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quoted) {
    return std::nullopt;
  }
  items.push_back(value.substr(start));
  return items;
}

bool has_unquoted_white_space(std::string_view item) {
  bool quoted = false;
  for (std::size_t i = 0; i < item.size(); ++i) {
    if (quoted && item[i] == '\\') {
      ++i;
    } else if (item[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && is_white_space(item[i])) {
      return true;
    }
  }
  return false;
}

class AliasesParser {
 public:
  explicit AliasesParser(const std::string& path) : path_(path) {}

  void read_line(std::string_view line) {
    ++line_number_;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (is_blank_or_comment(line)) {
      return;
    }
    if (is_white_space(line.front())) {
      continue_entry(line);
    } else {
      start_entry(line);
    }
  }

  std::map<std::string, std::vector<std::string>> finish() {
    finish_entry();
    return std::move(addresses_by_name_);
  }

 private:
  struct OpenEntry {
    std::string name;  // as written, for messages
    std::string key;   // lower case
    int line = 0;
    std::vector<std::string> addresses;
  };

  [[noreturn]] void fail_at(int line, const std::string& what) const {
    throw Failure(ErrorKind::config, path_ + ":" + std::to_string(line) + ": " + what);
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(line_number_, what); }

  void start_entry(std::string_view line) {
    finish_entry();
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      fail("'" + std::string(trim_blanks(line, " \t\r")) +
           "' has no ':'; write an alias as name: address, address, ...");
    }
    const auto name = trim_blanks(line.substr(0, colon), " \t\r");
    check_name(name);
    auto key = ascii_lower(name);
    if (auto earlier = first_lines_.find(key); earlier != first_lines_.end()) {
      // sendmail's newaliases keeps the later entry, Postfix's postalias the earlier, and both
      // warn; msmtp refuses. Refusing is the one choice that cannot send mail somewhere the
      // author of the file did not expect.
      fail("the alias '" + std::string(name) + "' is already defined on line " +
           std::to_string(earlier->second) + "; keep one of the two entries");
    }
    first_lines_.emplace(key, line_number_);
    entry_ = OpenEntry{std::string(name), std::move(key), line_number_, {}};
    add_addresses(line.substr(colon + 1));
  }

  void continue_entry(std::string_view line) {
    if (!entry_) {
      fail(
          "this line starts with white space, which continues the entry above it, but there is "
          "none; remove the leading white space");
    }
    add_addresses(line);
  }

  void finish_entry() {
    if (!entry_) {
      return;
    }
    if (entry_->addresses.empty()) {
      fail_at(entry_->line,
              "the alias '" + entry_->name + "' has no address; add one after the ':'");
    }
    addresses_by_name_.emplace(std::move(entry_->key), std::move(entry_->addresses));
    entry_.reset();
  }

  void check_name(std::string_view name) const {
    if (name.empty()) {
      fail("there is no alias name before the ':'; write name: address, ...");
    }
    if (name.find_first_of(" \t\"") != std::string_view::npos) {
      fail("the alias name '" + std::string(name) +
           "' contains white space or a quote; use a plain local name such as root");
    }
    if (name.find('@') != std::string_view::npos) {
      fail("the alias name '" + std::string(name) +
           "' contains '@'; only local names (without a domain) are aliases");
    }
  }

  void add_addresses(std::string_view value) {
    const auto items = split_at_commas(value);
    if (!items) {
      fail("a '\"' is not closed; close the quoted part of the address");
    }
    for (const auto item : *items) {
      if (auto address = checked_address(trim_blanks(item, " \t\r"))) {
        entry_->addresses.push_back(std::move(*address));
      }
    }
  }

  // The address an item of a value names, or nullopt for an empty item (as after a trailing
  // comma). aliases(5) also allows targets that deliver locally; they are refused here because
  // this program can only hand mail to a server.
  std::optional<std::string> checked_address(std::string_view item) const {
    if (item.empty()) {
      return std::nullopt;
    }
    const std::string shown(item);
    const auto unquoted = item.front() == '"' ? item.substr(1) : item;
    if (!unquoted.empty() && unquoted.front() == '|') {
      fail("'" + shown +
           "' pipes mail into a program, which smtpsend cannot do; give an address instead");
    }
    if (!unquoted.empty() && unquoted.front() == '/') {
      fail("'" + shown +
           "' appends mail to a file, which smtpsend cannot do; give an address instead");
    }
    if (starts_with_ignoring_ascii_case(item, ":include:")) {
      fail("'" + shown +
           "' includes a list of addresses from a file, which smtpsend does not read; list the "
           "addresses here instead");
    }
    if (item.size() >= 2 && item.front() == '<' && item.back() == '>') {
      item = trim_blanks(item.substr(1, item.size() - 2), " \t\r");
    }
    if (item.empty() || has_unquoted_white_space(item) ||
        item.find_first_of("<>") != std::string_view::npos) {
      fail("'" + shown + "' is not an address; separate addresses with commas");
    }
    return std::string(item);
  }

  const std::string& path_;
  int line_number_ = 0;
  std::optional<OpenEntry> entry_;
  std::map<std::string, int> first_lines_;
  std::map<std::string, std::vector<std::string>> addresses_by_name_;
};

Failure unreadable(const std::string& path, int error_number) {
  return Failure(ErrorKind::config, "cannot read the aliases file '" + path +
                                        "': " + std::strerror(error_number) +
                                        "; fix the aliases setting or the file");
}

}  // namespace

Aliases Aliases::parse(std::string_view text, const std::string& path) {
  AliasesParser parser(path);
  while (!text.empty()) {
    const auto end = text.find('\n');
    parser.read_line(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  Aliases aliases;
  aliases.path_ = path;
  aliases.addresses_by_name_ = parser.finish();
  return aliases;
}

Aliases Aliases::load(const std::string& path) {
  const RegularFile file(path);
  if (file.not_regular()) {
    throw Failure(ErrorKind::config, "cannot read the aliases file '" + path + "': it is " +
                                         file.kind() +
                                         ", not a regular file; fix the aliases setting");
  }
  if (!file.ok()) {
    throw unreadable(path, file.error());
  }
  std::string text;
  char buffer[8192];
  while (true) {
    const ::ssize_t got = ::read(file.fd(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      throw unreadable(path, errno);
    }
    if (got == 0) {
      break;
    }
    text.append(buffer, static_cast<std::size_t>(got));
  }
  return parse(text, path);
}

namespace {

// How deep one name may lead through other names: sendmail's MaxAliasRecursion default. Real
// files go two or three levels (postmaster: root, root: admin@...).
constexpr std::size_t max_alias_depth = 10;
// How many names and addresses one recipient may expand to, counting every step: without a
// limit, a few entries that each name the next one several times grow exponentially.
constexpr std::size_t max_alias_steps = 1000;

std::string chain_text(const std::vector<std::string>& chain, std::string_view last) {
  std::string text;
  for (const auto& name : chain) {
    text += name + " -> ";
  }
  return text + std::string(last);
}

}  // namespace

// One expansion, following names through their entries. `chain` holds the names being expanded
// (as written), outermost first.
class Aliases::Expansion {
 public:
  explicit Expansion(const Aliases& aliases) : aliases_(aliases) {}

  std::vector<std::string> run(std::string_view recipient) {
    add(recipient, /*default_allowed=*/true);
    return std::move(addresses_);
  }

 private:
  void add(std::string_view name, bool default_allowed) {
    if (++steps_ > max_alias_steps) {
      fail("expands to more than " + std::to_string(max_alias_steps) +
           " names and addresses, starting from " + chain_text(chain_, name) +
           "; shorten the entries");
    }
    if (name.empty() || name.find('@') != std::string_view::npos) {
      addresses_.emplace_back(name);
      return;
    }
    const std::string key = ascii_lower(name);
    const std::vector<std::string>* targets = aliases_.entry(key);
    const bool by_default = targets == nullptr && default_allowed;
    if (by_default) {
      targets = aliases_.entry(std::string(default_alias_name));
    }
    if (targets == nullptr) {
      addresses_.emplace_back(name);  // no entry: a local name, sent as written
      return;
    }
    for (const auto& earlier : chain_) {
      if (ascii_lower(earlier) == key) {
        fail("has a loop: " + chain_text(chain_, name) +
             "; end it with an address that has a domain");
      }
    }
    if (chain_.size() >= max_alias_depth) {
      fail("leads deeper than " + std::to_string(max_alias_depth) +
           " names: " + chain_text(chain_, name) + "; point the first entries at addresses");
    }
    chain_.emplace_back(name);
    for (const auto& target : *targets) {
      if (equals_ignoring_ascii_case(target, name)) {
        // aliases(5) idiom "root: root, admin@...": the name itself is delivered as written.
        addresses_.push_back(target);
      } else {
        // The default entry's own addresses do not fall back to it again.
        add(target, default_allowed && !by_default);
      }
    }
    chain_.pop_back();
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Failure(ErrorKind::config, "the aliases file '" + aliases_.path_ + "' " + what);
  }

  const Aliases& aliases_;
  std::vector<std::string> chain_;
  std::vector<std::string> addresses_;
  std::size_t steps_ = 0;
};

const std::vector<std::string>* Aliases::entry(const std::string& key) const {
  const auto found = addresses_by_name_.find(key);
  return found == addresses_by_name_.end() ? nullptr : &found->second;
}

std::vector<std::string> Aliases::expand(std::string_view recipient) const {
  return Expansion(*this).run(recipient);
}

}  // namespace smtpsend::config
