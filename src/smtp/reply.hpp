#pragma once
// One complete SMTP reply as received (RFC 5321 §4.2), and the conversions the session needs:
// into the ServerReply that errors carry, into text for error messages, and back into the lines
// the trace shows.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace smtpsend::smtp {

struct Reply {
  int code = 0;                    // 200..599
  std::string enhanced;            // RFC 3463 "x.y.z" from the first line, or ""
  std::vector<std::string> lines;  // each line's text after "250-" / "250 ", verbatim

  int code_class() const { return code / 100; }  // 2, 3, 4 or 5
  bool positive() const { return code_class() == 2; }
  bool intermediate() const { return code_class() == 3; }
  bool transient_failure() const { return code_class() == 4; }
  bool permanent_failure() const { return code_class() == 5; }
};

// The enhanced status code (RFC 3463 §2: class "." subject "." detail) that `text` starts with,
// or "" when it does not start with one whose class matches the reply code's class. Servers that
// did not announce ENHANCEDSTATUSCODES sometimes send them anyway; the class check keeps a text
// such as "2.5 million messages" on a 550 reply from being mistaken for one.
std::string enhanced_status_code(int code, std::string_view text);

// The reply as errors carry it: texts joined with "\n", the enhanced code removed from each line
// that repeats it (RFC 2034 §3 puts it on every line).
ServerReply to_server_reply(const Reply& reply);

// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets. What an outcome keeps of a reply to
// one recipient is its code, its enhanced code and at most this much of its first line: enough
// to act on, and a hostile server's long replies do not multiply by the number of recipients.
inline constexpr std::size_t max_kept_reply_line = 512;

// The reply reduced to its code, enhanced code and the first line's text, cut to at most
// `max_text` octets (never inside a UTF-8 sequence).
ServerReply brief_reply(const Reply& reply, std::size_t max_text);

// "550 5.1.1 no such user here", all lines joined with a space; for error messages.
std::string describe(const ServerReply& reply);

// The reply's lines as the server sent them ("250-PIPELINING", "250 OK"), for the trace.
std::vector<std::string> wire_lines(const Reply& reply);

}  // namespace smtpsend::smtp
