#include "mime/prepared_message_filter.hpp"

#include "common/ascii.hpp"
#include "mime/header_encoding.hpp"
#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

constexpr std::string_view bcc_field_name = "bcc";
constexpr std::string_view crlf = "\r\n";

}  // namespace

PreparedMessageFilter::PreparedMessageFilter(PreparedMessageFilterRules rules)
    : rules_(rules), in_header_(rules.remove_bcc) {}

std::size_t PreparedMessageFilter::add(std::string_view chunk, std::string& out) {
  if (ended_) {
    return 0;
  }
  out.reserve(out.size() + chunk.size() + chunk.size() / 32 + crlf.size());
  std::size_t position = 0;
  while (position < chunk.size()) {
    const char c = chunk[position];
    if (lone_dot_ != LoneDot::no) {
      if (c == '\n') {  // ".\n" or ".\r\n": the message ends here, this line included
        ended_ = true;
        return position + 1;
      }
      if (c == '\r' && lone_dot_ == LoneDot::dot) {
        lone_dot_ = LoneDot::dot_then_cr;
        ++position;
        continue;
      }
      // An ordinary line that starts with ".", or "." ended by a bare CR; `c` is taken on the
      // next pass.
      const bool ended_by_bare_cr = lone_dot_ == LoneDot::dot_then_cr;
      lone_dot_ = LoneDot::no;
      add_to_line('.', out);
      if (ended_by_bare_cr) {
        end_line(out);
      }
      continue;
    }
    if (after_cr_ && c == '\n') {  // completes the CRLF already taken as a line end
      after_cr_ = false;
      ++position;
      continue;
    }
    after_cr_ = false;
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      end_line(out);
      ++position;
      continue;
    }
    if (at_line_start_ && rules_.dot_ends_input && c == '.') {
      lone_dot_ = LoneDot::dot;
      ++position;
      continue;
    }
    if (at_line_start_ || line_ == Line::deciding) {
      add_to_line(c, out);
      ++position;
      continue;
    }
    // The rest of the line in one piece: most of a message is copied this way.
    std::size_t line_end = chunk.find_first_of(crlf, position);
    if (line_end == std::string_view::npos) {
      line_end = chunk.size();
    }
    if (line_ == Line::kept) {
      out.append(chunk, position, line_end - position);
    }
    position = line_end;
  }
  return chunk.size();
}

void PreparedMessageFilter::finish(std::string& out) {
  if (ended_) {
    return;
  }
  if (lone_dot_ == LoneDot::dot) {  // "." and then the end of the input
    lone_dot_ = LoneDot::no;
    ended_ = true;
    return;
  }
  if (lone_dot_ == LoneDot::dot_then_cr) {
    lone_dot_ = LoneDot::no;
    add_to_line('.', out);
    end_line(out);
  }
  // A last line without its line end gets one, as the SMTP session would give it.
  if (!at_line_start_) {
    end_line(out);
  }
}

void PreparedMessageFilter::add_to_line(char c, std::string& out) {
  if (at_line_start_) {
    at_line_start_ = false;
    start_line(c);
  }
  if (line_ == Line::deciding) {
    add_to_field_name(c, out);
  } else if (line_ == Line::kept) {
    out += c;
  }
}

void PreparedMessageFilter::start_line(char first) {
  if (!in_header_) {
    line_ = Line::kept;
  } else if (syntax::is_wsp(first)) {
    line_ = dropping_field_ ? Line::dropped : Line::kept;
  } else {
    line_ = Line::deciding;
    dropping_field_ = false;
    held_.clear();
  }
}

void PreparedMessageFilter::end_line(std::string& out) {
  if (at_line_start_) {
    // An empty line: the first one ends the header section (RFC 5322 §2.1).
    in_header_ = false;
    out += crlf;
    return;
  }
  if (line_ == Line::deciding) {
    // "Bcc" (or less of it) and nothing more: no colon, so not a field, and shown as it is.
    decide(false, out);
  }
  if (line_ == Line::kept) {
    out += crlf;
  }
  at_line_start_ = true;
}

void PreparedMessageFilter::decide(bool is_bcc, std::string& out) {
  if (is_bcc) {
    line_ = Line::dropped;
    dropping_field_ = true;
  } else {
    line_ = Line::kept;
    out += held_;
  }
  held_.clear();
}

void PreparedMessageFilter::add_to_field_name(char c, std::string& out) {
  if (held_.size() < bcc_field_name.size()) {
    if (ascii_lower(c) == bcc_field_name[held_.size()]) {
      held_ += c;
      return;
    }
  } else if (c == ':') {
    decide(true, out);
    return;
  } else if (syntax::is_wsp(c)) {
    held_ += c;
    // "Bcc" and a line's worth of whitespace: no valid field looks like this (§2.1.1), and
    // dropping it is the safe side; this also bounds what is held back.
    if (held_.size() > maximum_line_length) {
      decide(true, out);
    }
    return;
  }
  decide(false, out);
  out += c;
}

}  // namespace smtpsend::mime
