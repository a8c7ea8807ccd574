#include "mime/prepared_message_filter.hpp"

#include <algorithm>
#include <array>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/header_encoding.hpp"
#include "mime/submitted_header_section.hpp"
#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

constexpr std::string_view crlf = "\r\n";
// The bytes that stop a run of ordinary text: line-end characters and NUL.
constexpr std::string_view special_bytes{"\r\n\0", 3};
// RFC 5322 §3.6.3 Bcc and §3.6.6 Resent-Bcc: fields whose recipients must stay hidden.
constexpr std::array<std::string_view, 2> hidden_field_names = {"bcc", "resent-bcc"};
// A UTF-8 sequence is at most four octets (RFC 3629 §3).
constexpr std::size_t longest_utf8_sequence = 4;

constexpr bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

constexpr bool is_utf8_lead(char c) {
  return static_cast<unsigned char>(c) >= 0xC0U;
}

// Whether `line`, the start of a header line, begins a Bcc or Resent-Bcc field: the name in any
// case, optional whitespace (RFC 5322 §4.5.1 obs-optional), then ':'. When the line continues
// beyond `line` (`continues`, it filled the 998-octet limit), a name followed by nothing but
// whitespace counts too: no valid field looks like that, and removing it is the safe side.
bool starts_hidden_field(std::string_view line, bool continues) {
  return std::any_of(hidden_field_names.begin(), hidden_field_names.end(), [&](auto name) {
    if (!starts_with_ignoring_ascii_case(line, name)) {
      return false;
    }
    std::size_t position = name.size();
    while (position < line.size() && syntax::is_wsp(line[position])) {
      ++position;
    }
    return position == line.size() ? continues : line[position] == ':';
  });
}

}  // namespace

PreparedMessageFilter::PreparedMessageFilter(PreparedMessageFilterRules rules) : rules_(rules) {}

std::size_t PreparedMessageFilter::add(std::string_view chunk, std::string& out) {
  if (ended_) {
    return 0;
  }
  out.reserve(out.size() + chunk.size() + chunk.size() / 32 + crlf.size());
  std::size_t position = 0;
  while (position < chunk.size()) {
    const char c = chunk[position];
    if (c == '\n') {  // with every CR before it, one line end
      pending_crs_ = 0;
      end_line(true, out);
      ++position;
      if (ended_) {
        return position;
      }
      continue;
    }
    if (c == '\r') {  // a line end if an LF follows, else a bare CR
      ++pending_crs_;
      ++position;
      continue;
    }
    if (pending_crs_ > 0) {
      bare_crs(out);
    }
    if (c == '\0') {
      throw Failure(ErrorKind::data,
                    "line " + std::to_string(line_number_) +
                        " of the message holds a NUL byte, which mail text must not contain "
                        "(RFC 2045 §2.7, §2.8); send binary data as an attachment instead "
                        "(smtpsend -a FILE)");
    }
    // The rest of the run in one piece: most of a message is copied this way.
    std::size_t run_end = chunk.find_first_of(special_bytes, position);
    if (run_end == std::string_view::npos) {
      run_end = chunk.size();
    }
    append(chunk.substr(position, run_end - position), out);
    position = run_end;
  }
  return chunk.size();
}

void PreparedMessageFilter::finish(std::string& out) {
  if (ended_) {
    return;
  }
  if (pending_crs_ > 0) {
    bare_crs(out);
  }
  // A last line without its line end gets one, as the SMTP session would give it; "." there is
  // the lone dot.
  if (!line_.empty() || broken_) {
    end_line(true, out);
  }
}

std::optional<std::string> PreparedMessageFilter::long_lines_warning(
    std::string_view message) const {
  if (long_lines_ == 0) {
    return std::nullopt;
  }
  const std::string which =
      long_lines_ == 1 ? "line " + std::to_string(first_long_line_) + " of " + std::string(message)
                       : std::to_string(long_lines_) + " lines of " + std::string(message) +
                             ", the first line " + std::to_string(first_long_line_) + ",";
  return which + (long_lines_ == 1 ? " was" : " were") +
         " longer than the 998 octets a mail line may have (RFC 5322 §2.1.1); " +
         (long_lines_ == 1 ? "it was" : "they were") +
         " broken into lines of at most 998 octets (header fields by folding); wrap long lines, "
         "or send such text as an attachment (-a FILE), to keep it as it is";
}

void PreparedMessageFilter::append(std::string_view text, std::string& out) {
  while (!text.empty()) {
    if (line_.size() >= maximum_line_length) {
      if (in_header_ && !broken_ && syntax::is_wsp(line_.back()) && may_become_field_start(line_) &&
          line_.find(':') == std::string::npos) {
        // A name and whitespace up to the limit: the whitespace before a colon says nothing
        // (RFC 5322 §4.5.1), and cutting it short keeps the name and colon on one line.
        if (syntax::is_wsp(text.front())) {
          text.remove_prefix(1);
          continue;
        }
        line_.pop_back();
      } else {
        break_line(text.front(), out);
      }
    }
    const std::size_t taken = std::min(maximum_line_length - line_.size(), text.size());
    line_.append(text.substr(0, taken));
    text.remove_prefix(taken);
  }
}

void PreparedMessageFilter::bare_crs(std::string& out) {
  const std::size_t count = pending_crs_;
  pending_crs_ = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (in_header_ && rules_.header_ends_at_non_field && !broken_ && !is_header_line(false)) {
      in_header_ = false;  // this line cannot be a field: the body starts with it
    }
    if (in_header_) {
      append(" ", out);
    } else {
      end_line(false, out);
    }
  }
}

void PreparedMessageFilter::end_line(bool with_lf, std::string& out) {
  if (rules_.dot_ends_input && with_lf && !broken_ && line_ == ".") {
    ended_ = true;
    return;
  }
  if (in_header_ && line_.empty() && !broken_) {
    in_header_ = false;  // the first empty line ends the header section (RFC 5322 §2.1)
    out += crlf;
  } else {
    if (!broken_) {
      settle_header_role();
    }
    write_line(line_, false, out);
  }
  line_.clear();
  broken_ = false;
  line_state_ = Line::undecided;
  ++line_number_;
}

void PreparedMessageFilter::break_line(char next, std::string& out) {
  if (!broken_) {
    settle_header_role();
    ++long_lines_;
    if (first_long_line_ == 0) {
      first_long_line_ = line_number_;
    }
  }
  std::size_t cut = line_.size();
  std::string_view continuation_prefix;
  bool folded_at_whitespace = false;
  if (in_header_) {
    // Fold before the last whitespace (RFC 5322 §2.2.3), so that unfolding gives the line back;
    // on a field's first line only after its colon, so that the field's name stays whole.
    const bool first_line_of_field = !broken_ && !syntax::is_wsp(line_.front());
    const std::size_t colon = first_line_of_field ? line_.find(':') : 0;
    const std::size_t space = line_.find_last_of(" \t");
    if (colon != std::string::npos && space != std::string::npos && space > colon && space > 0) {
      cut = space;
      folded_at_whitespace = true;
    } else {
      continuation_prefix = " ";  // a fold where the line had no whitespace to fold at
    }
  }
  if (!folded_at_whitespace && is_utf8_continuation(next)) {
    // Move the break before the first byte of the sequence that `next` continues.
    for (std::size_t back = 1; back < longest_utf8_sequence && back <= line_.size(); ++back) {
      const char byte = line_[line_.size() - back];
      if (is_utf8_lead(byte)) {
        cut = line_.size() - back;
        break;
      }
      if (!is_utf8_continuation(byte)) {
        break;  // not valid UTF-8: any break will do
      }
    }
  }
  if (line_state_ == Line::undecided) {
    write_line(std::string_view(line_).substr(0, cut), true, out);
  } else if (line_state_ == Line::kept) {
    out.append(line_, 0, cut);
    out += crlf;
  }
  line_.erase(0, cut);
  line_.insert(0, continuation_prefix);
  broken_ = true;
}

bool PreparedMessageFilter::is_header_line(bool complete) const {
  if (line_.empty()) {
    return true;
  }
  if (syntax::is_wsp(line_.front())) {
    return seen_field_;  // a continuation needs a field to continue
  }
  if (first_line_ && line_.starts_with("From ")) {
    return true;  // the mbox line, or a field
  }
  return complete ? is_field_start(line_) : may_become_field_start(line_);
}

void PreparedMessageFilter::settle_header_role() {
  if (!in_header_) {
    return;
  }
  if (rules_.header_ends_at_non_field && !is_header_line(true)) {
    in_header_ = false;
    return;
  }
  const bool mbox_line = first_line_ && is_mbox_from_line(line_);
  first_line_ = mbox_line;
  if (!mbox_line && !syntax::is_wsp(line_.front())) {
    seen_field_ = true;
  }
}

void PreparedMessageFilter::write_line(std::string_view text, bool continues, std::string& out) {
  if (line_state_ == Line::undecided) {
    if (!in_header_) {
      line_state_ = Line::kept;
    } else if (!text.empty() && syntax::is_wsp(text.front())) {
      // A continuation (RFC 5322 §2.2.3) goes with its field.
      line_state_ = dropping_field_ ? Line::dropped : Line::kept;
    } else {
      // Decided on the whole line, or on its first 998 octets when it is longer (line_ is still
      // whole when a break calls this).
      dropping_field_ = rules_.remove_bcc && starts_hidden_field(line_, continues);
      line_state_ = dropping_field_ ? Line::dropped : Line::kept;
    }
  }
  if (line_state_ == Line::kept) {
    out += text;
    out += crlf;
  }
}

}  // namespace smtpsend::mime
