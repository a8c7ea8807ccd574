#include "smtp/dot_stuffer.hpp"

#include <algorithm>
#include <cstring>

namespace smtpsend::smtp {
namespace {

constexpr std::size_t none = std::string_view::npos;

// The position of the first `c` in `text` at or after `from`, or `none`: one memchr.
std::size_t find_byte(std::string_view text, char c, std::size_t from) {
  if (from >= text.size()) {
    return none;
  }
  const void* found = std::memchr(text.data() + from, c, text.size() - from);
  return found == nullptr ? none
                          : static_cast<std::size_t>(static_cast<const char*>(found) - text.data());
}

}  // namespace

void DotStuffer::add(std::string_view chunk, std::string& out) {
  // The next CR and LF, each found by one scan and kept until passed: a buffer without CRs costs
  // one memchr for them, however many lines it holds.
  std::size_t next_cr = find_byte(chunk, '\r', 0);
  std::size_t next_lf = find_byte(chunk, '\n', 0);
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    if (at_line_start_) {
      const char first = chunk[pos];
      if (after_cr_ && first == '\n') {
        ++pos;  // the LF of a CRLF whose CR was already written as CRLF
        after_cr_ = false;
        continue;
      }
      after_cr_ = false;
      if (stuff_dots_ && first == '.') {
        out += '.';  // RFC 5321 §4.5.2: a line that starts with a dot gets one more
      }
    }
    if (next_cr != none && next_cr < pos) {
      next_cr = find_byte(chunk, '\r', pos);
    }
    if (next_lf != none && next_lf < pos) {
      next_lf = find_byte(chunk, '\n', pos);
    }
    const std::size_t end = std::min(next_cr, next_lf);
    if (end == none) {
      out.append(chunk, pos);
      at_line_start_ = false;
      return;
    }
    // RFC 5321 §2.3.8: every line end is CRLF, a bare CR or a bare LF too.
    out.append(chunk, pos, end - pos);
    out += "\r\n";
    at_line_start_ = true;
    after_cr_ = chunk[end] == '\r';
    pos = end + 1;
  }
}

void DotStuffer::end_last_line(std::string& out) {
  if (!at_line_start_) {
    out += "\r\n";
  }
  at_line_start_ = true;
  after_cr_ = false;
}

void DotStuffer::finish(std::string& out) {
  end_last_line(out);
  out += ".\r\n";
}

}  // namespace smtpsend::smtp
