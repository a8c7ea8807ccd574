#include "smtp/dot_stuffer.hpp"

namespace smtpsend::smtp {

void DotStuffer::add(std::string_view chunk, std::string& out) {
  out.reserve(out.size() + chunk.size() + chunk.size() / 64 + 2);
  std::size_t run_start = 0;  // start of bytes to copy unchanged
  auto flush_run = [&](std::size_t end) { out.append(chunk, run_start, end - run_start); };
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    if (c == '\n') {
      flush_run(i);
      run_start = i + 1;
      if (!after_cr_) {  // an LF after a CR completes the CRLF already written
        out += "\r\n";
      }
      after_cr_ = false;
      at_line_start_ = true;
    } else if (c == '\r') {
      flush_run(i);
      run_start = i + 1;
      out += "\r\n";
      after_cr_ = true;
      at_line_start_ = true;
    } else {
      if (at_line_start_ && c == '.') {
        flush_run(i);
        run_start = i;  // the dot itself is copied with the run
        out += '.';
      }
      after_cr_ = false;
      at_line_start_ = false;
    }
  }
  flush_run(chunk.size());
}

void DotStuffer::finish(std::string& out) {
  if (!at_line_start_) {
    out += "\r\n";
  }
  out += ".\r\n";
  at_line_start_ = true;
  after_cr_ = false;
}

}  // namespace smtpsend::smtp
