#pragma once
// The send log: one line per attempt to send a message, for the `logfile` and `syslog` settings
// (msmtp's), so that an administrator can see afterwards what cron or a daemon sent, where, and
// what the server said.
//
// A line is a date and then key=value pairs (shown folded here; it is one line in the file):
//
//   Mar 14 09:26:53 account=work host=smtp.example.org port=587 tls=starttls user=joe
//     from=joe@example.org recipients=ann@example.org,bob@example.org size=1234 status=sent
//     reply="250 2.0.0 Ok: queued as 4F2B1" exit=0
//
// A value is written bare when it holds only printable ASCII other than space, '"' and '\';
// otherwise it is put in double quotes, with '"' and '\' escaped by a backslash and control
// bytes, bytes that are not UTF-8, C1 controls and U+2028/U+2029 (which some readers take for
// line ends) written as \xNN. A server's reply therefore can never start a second line that
// looks like a record of its own.
//
// A failure found before connecting (a bad address, a missing password, a bad setting) is logged
// too, with what was known by then, e.g. `status=failed exit=65 error="..."`: a cron job's lost
// mail leaves a trace. Only a failure to read the configuration itself cannot be logged, since
// the configuration names the log.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::app {

struct SendRecord {
  std::chrono::system_clock::time_point when;
  // What was known when the attempt ended: a failure before the account was resolved knows no
  // server, one before the message was read no envelope; their fields are left out.
  bool server_known = true;    // host, port, tls
  bool envelope_known = true;  // from, recipients
  std::string account;         // "" when none
  std::string host;
  std::uint16_t port = 0;
  std::string tls;   // "starttls", "smtps", "none"
  std::string user;  // "" when no AUTH; never a password
  std::string sender;
  std::vector<std::string> recipients;
  std::optional<std::uint64_t> size;
  bool sent = false;
  bool interrupted = false;  // a signal stopped the send: status=interrupted instead of failed
  std::string reply;  // the server's last relevant reply, e.g. "250 2.0.0 Ok: queued as X", or ""
  int exit_code = 0;
  std::string error;  // the error message when not sent
};

// msmtp's default logfile_time_format: the date as syslog writes it.
inline constexpr std::string_view default_log_time_format = "%b %d %H:%M:%S";

// The key=value pairs of a record, without the date (syslog adds its own). Empty account, user,
// reply and error, an unknown size, server and envelope, are left out. No line end.
std::string format_send_fields(const SendRecord& record);

// The date of record.when in local time, formatted by strftime(3) with `time_format` ("" means
// default_log_time_format), then a space and format_send_fields. No line end.
std::string format_send_record(const SendRecord& record, const std::string& time_format);

// Appends `line` and "\n" to the file at `path` with one write (O_APPEND, so that lines from
// concurrent runs do not interleave), creating the file with mode 0600 when it does not exist
// (sender and recipient addresses are nobody else's business). "-" is standard output. Throws
// Failure(io) naming the file when it cannot be opened or written, and Failure(internal) when
// `line` holds a line end.
void append_to_log_file(const std::string& path, const std::string& line);

// The syslog(3) facility named by a `syslog` setting: "on" (or "") is LOG_USER as in msmtp;
// LOG_USER, LOG_MAIL and LOG_LOCAL0 to LOG_LOCAL7 are themselves. nullopt for anything else,
// including "off".
std::optional<int> syslog_facility_from_name(std::string_view name);

// Sends `line` to syslog(3) as "smtpsend" with the process id, at LOG_INFO when the message was
// sent and LOG_ERR when it was not. Throws Failure(config) when `facility` names none.
void write_to_syslog(const std::string& facility, const std::string& line, bool sent);

}  // namespace smtpsend::app
