#include "config/config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/regular_file.hpp"
#include "common/text.hpp"
#include "config/config_file_keys.hpp"

namespace smtpsend::config {

namespace {

// msmtp reads lines of up to 500 bytes; longer lines here are generous, and the limit keeps a
// runaway file (or a binary one) from being taken apart as settings.
constexpr std::size_t longest_line = std::size_t{64} * 1024;
// A configuration file larger than this is not one.
constexpr std::size_t mebibyte = std::size_t{1024} * 1024;
constexpr std::size_t largest_file = mebibyte;
// Inheritance copies settings into every account that names a base; this bounds what a small
// file can expand to (a setting of 60 KiB in `defaults` and thousands of one-line accounts).
constexpr std::size_t largest_expansion = 32 * mebibyte;
// Per-setting bookkeeping counted against largest_expansion besides the value's bytes.
constexpr std::size_t setting_overhead = 64;
// An account with more extra header fields than this is a mistake, not a configuration.
constexpr std::size_t most_headers_per_account = 1000;

constexpr std::string_view blanks = " \t";
constexpr std::string_view utf8_byte_order_mark = "\xEF\xBB\xBF";

bool has_control_character(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7f;
  });
}

// password, passwordeval, and anything unknown that starts like them (ASCII case ignored).
bool holds_secret(std::string_view key) {
  constexpr std::string_view secret_prefix = "password";
  return key.size() >= secret_prefix.size() &&
         std::equal(secret_prefix.begin(), secret_prefix.end(), key.begin(),
                    [](char a, char b) { return a == ascii_lower(b); });
}

// An unknown key may be a secret written with the wrong separator ("password=secret",
// "password:secret", "password\tsecret" is fine): only what precedes '=' or ':' is quoted, and
// of a key that starts like a password key, only that start.
std::string unknown_key_message(std::string_view key) {
  const auto separator = key.find_first_of("=:");
  const std::string_view name = key.substr(0, separator);
  if (separator != key.npos) {
    std::string message = "unknown setting " + quoted_for_message(name) + " followed by '" +
                          key[separator] +
                          "' (the rest is not shown: it may be a secret); write the key, a space, "
                          "then the value";
    if (keys::find_key_rule(name) == nullptr && !holds_secret(name)) {
      if (const auto suggestion = keys::closest_key_name(name); !suggestion.empty()) {
        message += "; did you mean '" + std::string(suggestion) + "'?";
      }
    }
    return message;
  }
  if (holds_secret(key)) {
    return "unknown setting starting with '" + std::string(key.substr(0, 8)) +
           "' (the rest is not shown: it may be a secret); write password or passwordeval, a "
           "space, then the value";
  }
  std::string message = "unknown setting " + quoted_for_message(key);
  if (const auto suggestion = keys::closest_key_name(key); !suggestion.empty()) {
    message += "; did you mean '" + std::string(suggestion) + "'?";
  }
  return message;
}

// What one line says, split as msmtp splits it: the key is the first word, the value is the
// rest with blanks trimmed.
struct Line {
  std::string_view key;
  std::string_view raw_value;
};

// Settings that an account set itself, directly or through its bases: what a later account
// that names it as a base takes over (msmtp copies these, not the defaults the base received).
struct OwnSettings {
  std::map<std::string, Setting> settings;
  std::vector<Setting> headers;
};

class ConfigParser {
 public:
  ConfigParser(std::string path, std::string home) : home_(std::move(home)) {
    file_.path = std::move(path);
    file_.defaults.origin = Origin{file_.path, 0};
  }

  ConfigFile parse(std::string_view text) {
    int line_number = 0;
    std::size_t position = 0;
    while (position < text.size()) {
      ++line_number;
      const auto newline = text.find('\n', position);
      const auto end = newline == text.npos ? text.size() : newline;
      std::string_view line = text.substr(position, end - position);
      position = end + 1;
      if (line_number == 1 && line.starts_with(utf8_byte_order_mark)) {
        line.remove_prefix(utf8_byte_order_mark.size());
      }
      parse_line(line, line_number);
    }
    return std::move(file_);
  }

  // The first line with a `password` key, even one a later line replaced: the file holds it.
  std::optional<int> first_password_line() const { return first_password_line_; }

  struct SecretLine {
    int line = 0;
    std::string_view key;  // "password" or "passwordeval"
  };
  // The first line of either key, which make the file's owner and writers matter.
  std::optional<SecretLine> first_secret_line() const {
    if (first_password_line_ &&
        (!first_passwordeval_line_ || *first_password_line_ < *first_passwordeval_line_)) {
      return SecretLine{*first_password_line_, "password"};
    }
    if (first_passwordeval_line_) {
      return SecretLine{*first_passwordeval_line_, "passwordeval"};
    }
    return std::nullopt;
  }

 private:
  enum class Section { none, defaults, account };

  [[noreturn]] void fail(const std::string& message) const {
    throw Failure(ErrorKind::config, describe(Origin{file_.path, line_}) + ": " + message);
  }

  void parse_line(std::string_view line, int line_number) {
    line_ = line_number;
    if (line.size() > longest_line) {
      fail("the line is longer than " + std::to_string(longest_line) +
           " bytes; is this a configuration file?");
    }
    if (line.find('\0') != line.npos) {
      fail("the line holds a NUL byte; is this a configuration file?");
    }
    if (line.ends_with('\r')) {
      line.remove_suffix(1);  // CRLF line ends, as msmtp accepts them
    }
    line = trim_blanks(line);
    if (line.empty() || line.front() == '#') {
      return;
    }
    const auto key_end = line.find_first_of(blanks);
    const Line parsed{line.substr(0, key_end), key_end == line.npos
                                                   ? std::string_view{}
                                                   : trim_blanks(line.substr(key_end))};
    if (parsed.key == "defaults") {
      start_defaults(parsed);
    } else if (parsed.key == "account") {
      start_account(parsed);
    } else {
      apply_setting(parsed);
    }
  }

  // Double quotes around a value are removed; inside them \" and \\ are escapes. A value whose
  // quote closes before its end is kept as written, quotes included, as msmtp keeps it.
  std::string unquote(const Line& line) const {
    const std::string_view raw = line.raw_value;
    if (!raw.starts_with('"')) {
      return std::string(raw);
    }
    std::string value;
    for (std::size_t i = 1; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) {
        value += raw[++i];
      } else if (raw[i] == '"') {
        return i + 1 == raw.size() ? value : std::string(raw);
      } else {
        value += raw[i];
      }
    }
    fail("the value of " + std::string(line.key) +
         " opens a double quote but never closes it; add the closing \"");
  }

  void start_defaults(const Line& line) {
    if (!line.raw_value.empty()) {
      fail("defaults takes no value; put each default setting on its own line after it");
    }
    if (file_.defaults.origin.line == 0) {
      file_.defaults.origin.line = line_;
    }
    section_ = Section::defaults;
  }

  // "account NAME" or "account NAME : BASE[, BASE...]" (msmtp manual, "account").
  void start_account(const Line& line) {
    const std::string value = unquote(line);
    const std::string_view text = value;
    const auto colon = text.find(':');
    const std::string name(trim_blanks(text.substr(0, colon)));
    if (name.empty()) {
      fail("account needs a name: account NAME, or account NAME : BASE to inherit from BASE");
    }
    if (name.find(',') != name.npos) {
      fail("invalid account name " + quoted_for_message(name) +
           ": an account name cannot contain a comma or a colon");
    }
    if (has_control_character(name)) {
      fail("invalid account name " + quoted_for_message(name) +
           ": control characters are not allowed");
    }
    if (const auto* earlier = file_.find(name)) {
      fail("account " + quoted_for_message(name) + " is already defined at " +
           describe(earlier->origin) + "; give this one another name");
    }
    std::vector<std::size_t> bases;
    if (colon != text.npos) {
      bases = base_accounts(text.substr(colon + 1));
    }
    start_account_named(name);
    for (const auto base : bases) {
      inherit(base);
    }
  }

  std::vector<std::size_t> base_accounts(std::string_view list) const {
    std::vector<std::size_t> bases;
    while (true) {
      const auto comma = list.find(',');
      const std::string base(trim_blanks(list.substr(0, comma)));
      if (base.empty()) {
        fail("account: a name is missing in the list of accounts to inherit from after ':'");
      }
      const auto* found = file_.find(base);
      if (found == nullptr) {
        fail("account " + quoted_for_message(base) +
             " is not defined above this line; an account can inherit only from accounts "
             "defined before it");
      }
      bases.push_back(static_cast<std::size_t>(found - file_.accounts.data()));
      if (comma == list.npos) {
        return bases;
      }
      list.remove_prefix(comma + 1);
    }
  }

  // A new account starts from the defaults seen so far (msmtp manual, "defaults").
  void start_account_named(const std::string& name) {
    AccountSettings account;
    account.name = name;
    account.origin = Origin{file_.path, line_};
    account.settings = file_.defaults.settings;
    account.headers = file_.defaults.headers;
    for (const auto& [key, setting] : account.settings) {
      count_expansion(key, setting);
    }
    for (const auto& header : account.headers) {
      count_expansion("header", header);
    }
    file_.accounts.push_back(std::move(account));
    own_.emplace_back();
    section_ = Section::account;
  }

  // The base's own settings override the defaults and earlier bases; its headers are added.
  void inherit(std::size_t base) {
    const OwnSettings& inherited = own_[base];  // never own_.back(), which the stores change
    for (const auto& [key, setting] : inherited.settings) {
      store_single(key, setting);
    }
    for (const auto& header : inherited.headers) {
      store_header(header);
    }
  }

  void apply_setting(const Line& line) {
    const auto* rule = keys::find_key_rule(line.key);
    if (rule == nullptr) {
      fail(unknown_key_message(line.key));
    }
    const std::string key(rule->name);
    if (key == "password" && !first_password_line_) {
      first_password_line_ = line_;
    }
    if (key == "passwordeval" && !first_passwordeval_line_) {
      first_passwordeval_line_ = line_;
    }
    const std::string value = unquote(line);
    if (rule->role == keys::KeyRole::refused ||
        (rule->role == keys::KeyRole::refused_when_set && !value.empty())) {
      fail(key + " is not supported by smtpsend: " + std::string(rule->note));
    }
    if (rule->role == keys::KeyRole::refused_when_set) {
      return;  // empty: the feature is off, as it always is here
    }
    // Secrets never appear in messages, not even when they are malformed; a passwordeval
    // command may carry the password itself (echo SECRET).
    const bool secret = holds_secret(key);
    if (has_control_character(value)) {
      fail("invalid value " + (secret ? std::string{} : quoted_for_message(value) + " ") + "for " +
           key + ": control characters are not allowed");
    }
    const keys::CheckedValue checked = rule->check(value, home_);
    if (!checked.problem.empty()) {
      fail("invalid value " + (secret ? std::string{} : quoted_for_message(value) + " ") + "for " +
           key + ": " + checked.problem);
    }
    if (rule->role == keys::KeyRole::ignored) {
      file_.warnings.push_back(describe(Origin{file_.path, line_}) + ": " + key +
                               " is ignored: " + std::string(rule->note));
      return;
    }
    if (section_ == Section::none) {
      // msmtp (conf.c, for compatibility with its 1.2 series): settings before any `account`
      // or `defaults` line open an account named "default".
      start_account_named("default");
    }
    const Setting setting{checked.value, Origin{file_.path, line_}};
    if (rule->role == keys::KeyRole::repeatable) {
      store_header(setting);
    } else {
      store_single(key, setting);
    }
  }

  void store_single(const std::string& key, const Setting& setting) {
    count_expansion(key, setting);
    if (section_ == Section::defaults) {
      file_.defaults.settings.insert_or_assign(key, setting);
      return;
    }
    file_.accounts.back().settings.insert_or_assign(key, setting);
    own_.back().settings.insert_or_assign(key, setting);
  }

  void store_header(const Setting& header) {
    count_expansion("header", header);
    auto& target = section_ == Section::defaults ? file_.defaults : file_.accounts.back();
    if (target.headers.size() >= most_headers_per_account) {
      fail("more than " + std::to_string(most_headers_per_account) + " header settings apply to " +
           (target.name.empty() ? std::string("the defaults") : "account '" + target.name + "'") +
           " (inherited ones included); remove some");
    }
    target.headers.push_back(header);
    if (section_ == Section::account) {
      own_.back().headers.push_back(header);
    }
  }

  void count_expansion(std::string_view key, const Setting& setting) {
    expansion_ += key.size() + setting.value.size() + setting_overhead;
    if (expansion_ > largest_expansion) {
      fail("the accounts defined up to here expand to more than " +
           std::to_string(largest_expansion / mebibyte) +
           " MiB of settings through defaults and inheritance; simplify the file");
    }
  }

  std::string home_;
  ConfigFile file_;
  std::vector<OwnSettings> own_;  // parallel to file_.accounts
  Section section_ = Section::none;
  int line_ = 0;
  std::size_t expansion_ = 0;
  std::optional<int> first_password_line_;
  std::optional<int> first_passwordeval_line_;
};

// A file whose settings run a command (passwordeval) or hold a password is trusted only as
// OpenSSH trusts its configuration and msmtp its rc file: owned by the caller or by root, and
// writable by nobody else, for root too (root running a command from another user's file would
// be that user's way to root).
void check_trust(const std::string& path, const struct stat& status, const ConfigParser& parser,
                 uid_t caller) {
  const auto secret_line = parser.first_secret_line();
  if (!secret_line) {
    return;
  }
  const std::string where = describe(Origin{path, secret_line->line}) + ": the file holds " +
                            std::string(secret_line->key);
  if (status.st_uid != caller && status.st_uid != 0) {
    throw Failure(ErrorKind::config,
                  where + " but belongs to user " + std::to_string(status.st_uid) +
                      ", not to you (user " + std::to_string(caller) +
                      ") or root; use a file of your own, or run as root: chown " +
                      std::to_string(caller) + " " + path);
  }
  constexpr mode_t written_by_others = S_IWGRP | S_IWOTH;
  if ((status.st_mode & written_by_others) != 0) {
    throw Failure(ErrorKind::config,
                  where + " but others may write to it; run: chmod go-w " + path);
  }
  // msmtp refuses a file with secrets unless only its owner can read it; so do we, for root too.
  constexpr mode_t group_and_other_bits = 077;
  if ((status.st_mode & group_and_other_bits) != 0) {
    if (const auto line = parser.first_password_line()) {
      throw Failure(ErrorKind::config,
                    describe(Origin{path, *line}) +
                        ": the file holds a password but is readable by others; run: chmod 600 " +
                        path);
    }
  }
}

[[noreturn]] void fail_to_read(const std::string& path, int error_number) {
  throw Failure(ErrorKind::no_input,
                "cannot read the configuration file " + path + ": " + std::strerror(error_number));
}

}  // namespace

std::string describe(const Origin& origin) {
  return origin.line > 0 ? origin.file + ":" + std::to_string(origin.line) : origin.file;
}

const AccountSettings* ConfigFile::find(std::string_view name) const {
  const auto found =
      std::find_if(accounts.begin(), accounts.end(),
                   [&](const AccountSettings& account) { return account.name == name; });
  return found == accounts.end() ? nullptr : &*found;
}

ConfigFile parse_config(std::string_view text, const std::string& path, const std::string& home) {
  return ConfigParser(path, home).parse(text);
}

ConfigFile load_config_file(const std::string& path, const std::string& home, uid_t caller) {
  const RegularFile file(path);
  if (file.not_regular()) {
    // Directories keep their old wording (EISDIR); a FIFO would block the read forever.
    if (S_ISDIR(file.status().st_mode)) {
      fail_to_read(path, EISDIR);
    }
    throw Failure(ErrorKind::no_input, "cannot read the configuration file " + path + ": it is " +
                                           file.kind() + ", not a regular file; name a file");
  }
  if (!file.ok()) {
    fail_to_read(path, file.error());
  }
  // The permissions checked are those of the file read: fstat on the open descriptor.
  const struct stat& status = file.status();
  const auto too_large = [&] {
    throw Failure(ErrorKind::config, "the configuration file " + path + " is larger than " +
                                         std::to_string(largest_file / 1024) +
                                         " KiB; is this a configuration file?");
  };
  if (status.st_size > static_cast<off_t>(largest_file)) {
    too_large();
  }
  // Read at most one byte past the limit, so a file that grows (or a device) is caught too.
  std::string text;
  std::array<char, 16384> buffer{};
  while (text.size() <= largest_file) {
    const ::ssize_t got = ::read(file.fd(), buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail_to_read(path, errno);
    }
    if (got == 0) {
      break;
    }
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  if (text.size() > largest_file) {
    too_large();
  }

  ConfigParser parser(path, home);
  ConfigFile config = parser.parse(text);
  check_trust(path, status, parser, caller);
  return config;
}

}  // namespace smtpsend::config
