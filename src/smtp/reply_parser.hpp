#pragma once
// Turns the bytes a server sends into complete replies (RFC 5321 §4.2). Bytes may arrive in any
// split: one at a time, or several replies coalesced into one read (PIPELINING, RFC 2920).
// Everything malformed or oversized is a protocol error (a Failure of kind protocol). It is
// raised by next() once the complete replies received before it have been taken, so a good reply
// that arrived in the same read as garbage still counts (a 250 to the final dot must). After one,
// the parser refuses further input, because the reply boundaries are no longer known.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/reply.hpp"

namespace smtpsend::smtp {

// RFC 5321 §4.5.3.1.5 says a reply line is at most 512 octets with its CRLF; real servers exceed
// it (long EHLO greetings, policy texts with URLs), so we allow four times as much, without CRLF.
inline constexpr std::size_t max_reply_line_length = 2048;
// The longest legitimate replies are EHLO replies; large providers send about 20 lines.
inline constexpr std::size_t max_reply_lines = 100;
// A bound on one reply's text, so a hostile server cannot make us buffer without limit.
inline constexpr std::size_t max_reply_size = std::size_t{64} * 1024;

class ReplyParser {
 public:
  // Consumes `bytes` up to the first malformed or oversized line, if any. Throws Failure
  // (protocol) only when called again after such a line.
  void feed(std::string_view bytes);
  // The oldest complete reply not yet taken, if any; once they are all taken, throws the protocol
  // error that a malformed line caused, if one did.
  std::optional<Reply> next();
  // True when bytes were received that do not yet form a complete reply, or complete replies
  // wait to be taken.
  bool has_pending_input() const;

 private:
  void consume(std::string_view bytes);
  void take_line(std::string_view line);
  [[noreturn]] void fail(std::string message);

  std::string partial_line_;     // bytes of the line being received, without its line end
  std::optional<Reply> reply_;   // the reply being assembled from its lines
  std::size_t reply_bytes_ = 0;  // text bytes in reply_
  std::deque<Reply> complete_;
  bool failed_ = false;
  std::optional<Error> failure_;  // raised by next() after the replies that came before it
};

}  // namespace smtpsend::smtp
