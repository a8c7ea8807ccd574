#include "app/send_log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

#include "common/error.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::app {

namespace {

// strftime(3) reports a result that does not fit as 0 bytes; the buffer grows up to this before
// the date is given up (no sensible date format comes near it).
constexpr std::size_t max_log_time_length = 1024;

// The identity syslog(3) records are tagged with.
constexpr char syslog_ident[] = "smtpsend";

bool is_control_byte(unsigned char byte) {
  return byte < 0x20 || byte == 0x7f;
}

void append_hex_escape(std::string& out, unsigned char byte) {
  static constexpr char hex[] = "0123456789abcdef";
  out += "\\x";
  out.push_back(hex[byte >> 4]);
  out.push_back(hex[byte & 0x0f]);
}

// UTF-8 characters that some log readers take for line ends or terminal commands: the C1
// controls U+0080-U+009F (NEL is U+0085) and U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR.
bool is_line_breaking_character(std::string_view character) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(character[i]); };
  if (character.size() == 2) {
    return byte(0) == 0xc2 && byte(1) <= 0x9f;
  }
  return character.size() == 3 && byte(0) == 0xe2 && byte(1) == 0x80 &&
         (byte(2) == 0xa8 || byte(2) == 0xa9);
}

// Appends `text` with control bytes, malformed UTF-8 and line-breaking characters as \xNN. With
// `quoted`, '"' and '\' are escaped too, for use between double quotes.
void append_escaped(std::string& out, std::string_view text, bool quoted) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const std::size_t length = mime::utf8_character_length(text, i);
      const auto character = text.substr(i, length == 0 ? 1 : length);
      if (length == 0 || is_line_breaking_character(character)) {
        for (const char c : character) {
          append_hex_escape(out, static_cast<unsigned char>(c));
        }
      } else {
        out.append(character);
      }
      i += character.size();
      continue;
    }
    if (is_control_byte(byte)) {
      append_hex_escape(out, byte);
    } else if (quoted && (byte == '"' || byte == '\\')) {
      out.push_back('\\');
      out.push_back(static_cast<char>(byte));
    } else {
      out.push_back(static_cast<char>(byte));
    }
    ++i;
  }
}

bool needs_quotes(std::string_view value) {
  if (value.empty()) {
    return true;
  }
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
      return true;
    }
  }
  return false;
}

class FieldWriter {
 public:
  void add(std::string_view key, std::string_view value) {
    if (!line_.empty()) {
      line_.push_back(' ');
    }
    line_.append(key);
    line_.push_back('=');
    if (!needs_quotes(value)) {
      line_.append(value);
      return;
    }
    line_.push_back('"');
    append_escaped(line_, value, true);
    line_.push_back('"');
  }

  void add_unless_empty(std::string_view key, std::string_view value) {
    if (!value.empty()) {
      add(key, value);
    }
  }

  std::string take() { return std::move(line_); }

 private:
  std::string line_;
};

std::string joined_with_commas(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) {
    if (!joined.empty()) {
      joined.push_back(',');
    }
    joined += item;
  }
  return joined;
}

std::string local_time_text(std::chrono::system_clock::time_point when,
                            const std::string& time_format) {
  const std::string format =
      time_format.empty() ? std::string(default_log_time_format) : time_format;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  if (::localtime_r(&seconds, &local) == nullptr) {
    return {};
  }
  for (std::size_t capacity = 64; capacity <= max_log_time_length; capacity *= 4) {
    std::string text(capacity, '\0');
    const std::size_t length = std::strftime(text.data(), text.size(), format.c_str(), &local);
    if (length > 0) {
      text.resize(length);
      return text;
    }
  }
  return {};
}

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      throw Failure(ErrorKind::io, "cannot write to the log file '" + path +
                                       "': " + std::strerror(written < 0 ? errno : EIO) +
                                       "; check the disk and the logfile setting");
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void write_to_standard_output(const std::string& record) {
  if (std::fwrite(record.data(), 1, record.size(), stdout) != record.size() ||
      std::fflush(stdout) != 0) {
    throw Failure(ErrorKind::io, "cannot write the log line to standard output (logfile -): " +
                                     std::string(std::strerror(errno)));
  }
}

}  // namespace

std::string format_send_fields(const SendRecord& record) {
  FieldWriter fields;
  fields.add_unless_empty("account", record.account);
  if (record.server_known) {
    fields.add("host", record.host);
    fields.add("port", std::to_string(record.port));
    fields.add("tls", record.tls);
  }
  fields.add_unless_empty("user", record.user);
  if (record.envelope_known) {
    fields.add("from", record.sender);
    fields.add("recipients", joined_with_commas(record.recipients));
  }
  if (record.size) {
    fields.add("size", std::to_string(*record.size));
  }
  fields.add("status", record.sent ? "sent" : record.interrupted ? "interrupted" : "failed");
  fields.add_unless_empty("reply", record.reply);
  fields.add("exit", std::to_string(record.exit_code));
  fields.add_unless_empty("error", record.error);
  return fields.take();
}

std::string format_send_record(const SendRecord& record, const std::string& time_format) {
  std::string line;
  // The format comes from the user's configuration, but "%n" would still break the line.
  append_escaped(line, local_time_text(record.when, time_format), false);
  if (!line.empty()) {
    line.push_back(' ');
  }
  return line + format_send_fields(record);
}

void append_to_log_file(const std::string& path, const std::string& line) {
  if (line.find_first_of("\r\n") != std::string::npos) {
    throw Failure(ErrorKind::internal,
                  "a send log line holds a line end; it must come from format_send_record");
  }
  const std::string record = line + "\n";
  if (path == "-") {
    write_to_standard_output(record);
    return;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    throw Failure(ErrorKind::io, "cannot open the log file '" + path +
                                     "': " + std::strerror(errno) + "; fix the logfile setting");
  }
  try {
    write_all(fd, record, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  // On network file systems a failed write may only show when the file is closed.
  if (::close(fd) != 0 && errno != EINTR) {
    throw Failure(ErrorKind::io, "cannot write to the log file '" + path +
                                     "': " + std::strerror(errno) +
                                     "; check the disk and the logfile setting");
  }
}

std::optional<int> syslog_facility_from_name(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 12> facilities = {{
      {"", LOG_USER},
      {"on", LOG_USER},
      {"LOG_USER", LOG_USER},
      {"LOG_MAIL", LOG_MAIL},
      {"LOG_LOCAL0", LOG_LOCAL0},
      {"LOG_LOCAL1", LOG_LOCAL1},
      {"LOG_LOCAL2", LOG_LOCAL2},
      {"LOG_LOCAL3", LOG_LOCAL3},
      {"LOG_LOCAL4", LOG_LOCAL4},
      {"LOG_LOCAL5", LOG_LOCAL5},
      {"LOG_LOCAL6", LOG_LOCAL6},
      {"LOG_LOCAL7", LOG_LOCAL7},
  }};
  for (const auto& [facility_name, facility] : facilities) {
    if (name == facility_name) {
      return facility;
    }
  }
  return std::nullopt;
}

void write_to_syslog(const std::string& facility, const std::string& line, bool sent) {
  const auto code = syslog_facility_from_name(facility);
  if (!code) {
    throw Failure(ErrorKind::config, "unknown syslog facility '" + facility +
                                         "'; use on, LOG_USER, LOG_MAIL or LOG_LOCAL0 to "
                                         "LOG_LOCAL7 in the syslog setting");
  }
  ::openlog(syslog_ident, LOG_PID, *code);
  ::syslog(sent ? LOG_INFO : LOG_ERR, "%s", line.c_str());
  ::closelog();
}

}  // namespace smtpsend::app
