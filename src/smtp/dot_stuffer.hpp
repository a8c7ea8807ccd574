#pragma once
// Turns a message body, arriving in chunks of any size, into DATA content (RFC 5321 §4.1.1.4):
// every line end becomes CRLF (a bare LF or bare CR too, RFC 5321 §2.3.8), a line that starts
// with "." gets one more "." (§4.5.2), and the end is CRLF "." CRLF. A CR at the end of one chunk
// and an LF at the start of the next are one line end. Nothing is held back between chunks, so
// the output can be written as it is produced. Without dot-stuffing (BDAT, RFC 3030 §2, frames
// the message by its length) only the line ends are normalized.
//
// The work is done in bulk: one memchr-style scan per buffer for each of CR and LF, and whole
// runs between line ends copied at once.

#include <cstdint>
#include <string>
#include <string_view>

namespace smtpsend::smtp {

class DotStuffer {
 public:
  explicit DotStuffer(bool stuff_dots = true) : stuff_dots_(stuff_dots) {}
  // Appends the encoded form of `chunk` to `out`.
  void add(std::string_view chunk, std::string& out);
  // Appends a CRLF if the body did not end with a line end.
  void end_last_line(std::string& out);
  // end_last_line(), then the terminating ".\r\n" of DATA.
  void finish(std::string& out);

 private:
  bool stuff_dots_;
  bool at_line_start_ = true;  // the next byte starts a line
  bool after_cr_ = false;      // the last byte was a CR, already written as CRLF
};

}  // namespace smtpsend::smtp
