#include "smtp/body_trace.hpp"

#include <fmt/format.h>

namespace smtpsend::smtp {

void BodyTrace::add(std::string_view encoded) {
  if (!sink_.enabled()) {
    return;
  }
  while (!encoded.empty()) {
    if (lines_shown_ >= max_traced_body_lines) {
      bytes_hidden_ += encoded.size();
      for (char c : encoded) {
        lines_hidden_ += c == '\n' ? 1 : 0;
      }
      return;
    }
    const auto newline = encoded.find('\n');
    const auto piece = encoded.substr(0, newline);
    if (line_.size() < max_traced_body_line_length + 1) {
      line_.append(piece.substr(0, max_traced_body_line_length + 1 - line_.size()));
    }
    if (newline == std::string_view::npos) {
      return;
    }
    encoded.remove_prefix(newline + 1);
    if (!line_.empty() && line_.back() == '\r') {
      line_.pop_back();
    }
    if (line_.size() > max_traced_body_line_length) {
      line_.resize(max_traced_body_line_length);
      line_ += "...";
    }
    sink_.client(line_, in_tls_);
    line_.clear();
    ++lines_shown_;
  }
}

void BodyTrace::finish() {
  if (!sink_.enabled() || lines_hidden_ == 0) {
    return;
  }
  sink_.info(fmt::format("({} more lines of the message, {} bytes, not shown)", lines_hidden_,
                         bytes_hidden_));
}

}  // namespace smtpsend::smtp
