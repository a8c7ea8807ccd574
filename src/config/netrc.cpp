#include "config/netrc.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/secret_wipe.hpp"

namespace smtpsend::config {

namespace {

// A netrc file holds a few dozen entries; anything this large is not one. (curl stops at 128 KiB.)
constexpr std::size_t max_netrc_file_size = std::size_t{1024} * 1024;

// The name used in messages about netrc text that did not come from a file.
constexpr std::string_view netrc_text_source = "netrc";

constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
constexpr bool is_line_end(char c) {
  return c == '\r' || c == '\n';
}

struct NetrcToken {
  std::string text;
  bool quoted = false;  // a quoted token is never a keyword
};

// Splits netrc text into tokens, skipping comment lines and macro bodies. Tracks line numbers so
// that errors can point at the line without quoting it (it may hold a password).
class NetrcLexer {
 public:
  NetrcLexer(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  std::optional<NetrcToken> next() {
    skip_separators();
    if (pos_ >= text_.size()) {
      return std::nullopt;
    }
    at_line_start_ = false;
    return text_[pos_] == '"' ? read_quoted() : read_plain();
  }

  // ftp(1): a macro definition runs from the `macdef` line to the next empty line. curl counts a
  // line of nothing but carriage returns as empty too.
  void skip_macro_body() {
    while (pos_ < text_.size()) {
      if (text_[pos_] != '\n') {
        ++pos_;
        continue;
      }
      ++pos_;
      ++line_;
      while (comment_line_starts_here()) {
        skip_rest_of_line();
      }
      while (pos_ < text_.size() && text_[pos_] == '\r') {
        ++pos_;
      }
      if (pos_ < text_.size() && text_[pos_] == '\n') {
        ++pos_;
        ++line_;
        at_line_start_ = true;
        return;
      }
    }
  }

 private:
  // curl drops a line whose first character after blanks is '#' before it reads the tokens, so a
  // '#' later on a line is part of a token (passwords may contain one).
  bool comment_line_starts_here() const {
    std::size_t at = pos_;
    while (at < text_.size() && is_blank(text_[at])) {
      ++at;
    }
    return at < text_.size() && text_[at] == '#';
  }

  void skip_rest_of_line() {
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      ++pos_;
    }
    if (pos_ < text_.size()) {
      ++pos_;
      ++line_;
    }
  }

  void skip_separators() {
    while (pos_ < text_.size()) {
      if (at_line_start_) {
        if (comment_line_starts_here()) {
          skip_rest_of_line();
          continue;
        }
        at_line_start_ = false;
      }
      const char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        ++line_;
        at_line_start_ = true;
      } else if (is_blank(c) || c == '\r') {
        ++pos_;
      } else {
        return;
      }
    }
  }

  NetrcToken read_plain() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && !is_blank(text_[pos_]) && !is_line_end(text_[pos_])) {
      ++pos_;
    }
    return NetrcToken{std::string(text_.substr(start, pos_ - start)), false};
  }

  NetrcToken read_quoted() {
    const int opening_line = line_;
    ++pos_;  // the opening quote
    std::string value;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return NetrcToken{std::move(value), true};
      }
      if (c == '\\' && pos_ + 1 < text_.size()) {
        value.push_back(unescaped(text_[pos_ + 1]));
        count_line_end(text_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (c == '\\') {
        break;  // a backslash as the last character escapes nothing; the quote is still open
      }
      value.push_back(c);
      count_line_end(c);
      ++pos_;
    }
    throw Failure(ErrorKind::config,
                  std::string(source_) + ":" + std::to_string(opening_line) +
                      ": a quoted token has no closing '\"'; close it (write \\\" for a quote "
                      "inside it)");
  }

  // The escapes curl understands; a backslash before anything else stands for that character.
  static char unescaped(char c) {
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      default:
        return c;
    }
  }

  void count_line_end(char c) {
    if (c == '\n') {
      ++line_;
    }
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool at_line_start_ = true;
};

enum class NetrcKeyword { none, machine, default_entry, login, password, account, macdef };

NetrcKeyword keyword_of(const NetrcToken& token) {
  if (token.quoted) {
    return NetrcKeyword::none;
  }
  static constexpr std::pair<std::string_view, NetrcKeyword> keywords[] = {
      {"machine", NetrcKeyword::machine}, {"default", NetrcKeyword::default_entry},
      {"login", NetrcKeyword::login},     {"password", NetrcKeyword::password},
      {"account", NetrcKeyword::account}, {"macdef", NetrcKeyword::macdef},
  };
  for (const auto& [name, keyword] : keywords) {
    if (equals_ignoring_ascii_case(token.text, name)) {
      return keyword;
    }
  }
  return NetrcKeyword::none;
}

struct NetrcEntry {
  bool is_default = false;
  std::string machine;
  std::optional<std::string> login;
  std::optional<std::string> password;
};

// Reads every entry. Like curl, the parser is lenient: a word that is no keyword is skipped, and a
// login or password before the first machine or default (or after a macdef) belongs to nothing.
std::vector<NetrcEntry> parse_netrc_entries(std::string_view text, std::string_view source) {
  NetrcLexer lexer(text, source);
  std::vector<NetrcEntry> entries;
  bool in_entry = false;
  while (auto token = lexer.next()) {
    const NetrcKeyword keyword = keyword_of(*token);
    switch (keyword) {
      case NetrcKeyword::machine:
        in_entry = false;
        // The word after `machine` is its name even when it spells a keyword (as in curl).
        if (auto name = lexer.next()) {
          entries.push_back(NetrcEntry{false, std::move(name->text), {}, {}});
          in_entry = true;
        }
        break;
      case NetrcKeyword::default_entry:
        entries.push_back(NetrcEntry{true, {}, {}, {}});
        in_entry = true;
        break;
      case NetrcKeyword::login:
      case NetrcKeyword::password:
      case NetrcKeyword::account: {
        auto value = lexer.next();
        if (!value || !in_entry) {
          break;
        }
        if (keyword == NetrcKeyword::login) {
          entries.back().login = std::move(value->text);
        } else if (keyword == NetrcKeyword::password) {
          entries.back().password = std::move(value->text);
        }
        break;
      }
      case NetrcKeyword::macdef:
        in_entry = false;
        lexer.skip_macro_body();
        break;
      case NetrcKeyword::none:
        break;
    }
  }
  return entries;
}

std::optional<std::string> find_password(std::string_view text, std::string_view host,
                                         std::string_view user, std::string_view source) {
  const auto entries = parse_netrc_entries(text, source);
  for (const auto& entry : entries) {
    if (!entry.is_default && entry.password && entry.login == user &&
        equals_ignoring_ascii_case(entry.machine, host)) {
      return entry.password;
    }
  }
  // ftp(1): `default` matches any machine; it is the fallback whatever its place in the file.
  for (const auto& entry : entries) {
    if (entry.is_default && entry.password && (!entry.login || *entry.login == user)) {
      return entry.password;
    }
  }
  return std::nullopt;
}

// The path as one shell word, so that the chmod command in a message can be pasted as it is.
std::string as_shell_word(const std::string& path) {
  const bool plain = !path.empty() && path.find_first_not_of(
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_./~+-:@%,=") == std::string::npos;
  if (plain) {
    return path;
  }
  std::string word = "'";
  for (const char c : path) {
    if (c == '\'') {
      word += "'\\''";
    } else {
      word.push_back(c);
    }
  }
  return word + "'";
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Failure unreadable(const std::string& path, int error_number) {
  return Failure(ErrorKind::config, "cannot read the netrc file '" + path +
                                        "': " + std::strerror(error_number) +
                                        "; fix its permissions, or move it away to "
                                        "give the password another way");
}

// Only after fstat says the file is private is it read, so that no password is taken from a file
// that others could also have read.
std::string read_private_file(const FileDescriptor& file, const std::string& path) {
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) {
    throw unreadable(path, errno);
  }
  if (!S_ISREG(status.st_mode)) {
    throw Failure(ErrorKind::config, "the netrc file '" + path +
                                         "' is not a regular file; replace it with one, or "
                                         "remove it");
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw Failure(ErrorKind::config, "'" + path +
                                         "' holds passwords but is readable by others; run: "
                                         "chmod 600 " +
                                         as_shell_word(path));
  }
  std::string content;
  // Reserved once, so that growing never leaves a copy of the passwords in freed memory.
  content.reserve(static_cast<std::size_t>(std::max<off_t>(status.st_size, 0)) + 1);
  char buffer[8192];
  while (content.size() <= max_netrc_file_size) {
    const ssize_t got = ::read(file.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      throw unreadable(path, errno);
    }
    if (got == 0) {
      wipe(buffer);
      return content;
    }
    content.append(buffer, static_cast<std::size_t>(got));
  }
  wipe(buffer);
  wipe(content);
  throw Failure(ErrorKind::config, "the netrc file '" + path + "' is larger than " +
                                       std::to_string(max_netrc_file_size / 1024) +
                                       " KiB, which no netrc file is; check what it holds");
}

}  // namespace

std::optional<std::string> netrc_password(std::string_view text, std::string_view host,
                                          std::string_view user) {
  return find_password(text, host, user, netrc_text_source);
}

std::optional<std::string> password_from_netrc_file(const std::string& path, std::string_view host,
                                                    std::string_view user) {
  // O_NONBLOCK: opening a FIFO placed where the file should be must not hang; fstat rejects it.
  const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (file.get() < 0) {
    if (errno == ENOENT) {
      return std::nullopt;
    }
    throw unreadable(path, errno);
  }
  std::string text = read_private_file(file, path);
  auto password = find_password(text, host, user, path);
  wipe(text);  // every password of the file was in it
  return password;
}

}  // namespace smtpsend::config
