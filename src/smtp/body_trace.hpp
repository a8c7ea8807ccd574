#pragma once
// Shows the start of the message body in the trace without flooding it: the first lines as
// client lines, then one line saying how much was not shown.

#include <cstdint>
#include <string>
#include <string_view>

#include "trace/trace.hpp"

namespace smtpsend::smtp {

// Enough to see the headers and the start of the text of a typical message.
inline constexpr std::size_t max_traced_body_lines = 100;
// A single line longer than this is cut in the trace (it is sent whole).
inline constexpr std::size_t max_traced_body_line_length = 1000;

class BodyTrace {
 public:
  BodyTrace(trace::Sink& sink, bool in_tls) : sink_(sink), in_tls_(in_tls) {}
  // `encoded` is DATA content as sent: CRLF line ends, dot-stuffed.
  void add(std::string_view encoded);
  // Emits the summary of what was not shown, if anything.
  void finish();

 private:
  trace::Sink& sink_;
  bool in_tls_;
  std::string line_;  // the line being collected while lines are still shown
  std::size_t lines_shown_ = 0;
  std::uint64_t lines_hidden_ = 0;
  std::uint64_t bytes_hidden_ = 0;
};

}  // namespace smtpsend::smtp
