#include "mime/quoted_printable.hpp"

#include <algorithm>

#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

constexpr std::string_view from_line_start = "From ";

// RFC 2045 §6.7 rule 2: printable ASCII 33..126 except '=' may stand for itself.
// Rule 3: space and tab may, except at the end of a line (handled by the caller).
bool is_literal(unsigned char byte) {
  return (byte >= 33 && byte <= 126 && byte != '=') || byte == ' ' || byte == '\t';
}

using syntax::hex_value;
using syntax::is_wsp;

// The last token of a non-empty encoded line: "=XX" (3 characters) or one literal character. A
// literal '=' never occurs in the output, so any '=' starts an escape.
std::size_t last_token_length(const std::string& line) {
  return line.size() >= 3 && line[line.size() - 3] == '=' ? 3 : 1;
}

// Takes the last token off `line` and returns the byte it stands for.
unsigned char pop_last_token(std::string& line) {
  const std::size_t length = last_token_length(line);
  unsigned char byte = 0;
  if (length == 3) {
    byte = static_cast<unsigned char>(hex_value(line[line.size() - 2]) * 16 +
                                      hex_value(line[line.size() - 1]));
  } else {
    byte = static_cast<unsigned char>(line.back());
  }
  line.resize(line.size() - length);
  return byte;
}

void append_escape(unsigned char byte, std::string& text) {
  text += '=';
  syntax::append_hex_octet(byte, text);
}

}  // namespace

void QuotedPrintableEncoder::append_byte(unsigned char byte, bool force_encoding,
                                         std::string& output) {
  const auto token_length = [&] {
    const bool dot_at_line_start = byte == '.' && line_.empty();
    return force_encoding || !is_literal(byte) || dot_at_line_start ? std::size_t{3}
                                                                    : std::size_t{1};
  };
  if (line_.size() + token_length() > quoted_printable_line_length) {
    soft_line_break(output);
  }
  if (token_length() == 3) {
    append_escape(byte, line_);
  } else {
    line_ += static_cast<char>(byte);
    if (line_ == from_line_start) {
      line_ = "=46" + line_.substr(1);
    }
  }
}

// Ends the current line with "=" CRLF. The '=' needs a column of its own, so a line already at the
// limit gives up its last token, which then starts the next line.
void QuotedPrintableEncoder::soft_line_break(std::string& output) {
  bool has_carry = false;
  unsigned char carry = 0;
  if (line_.size() >= quoted_printable_line_length) {
    carry = pop_last_token(line_);
    has_carry = true;
  }
  output += line_;
  output += "=\r\n";
  line_.clear();
  if (has_carry) {
    // Re-encoded at its new place: a '.' that now starts a line becomes =2E. Whitespace stays
    // literal; it cannot be trailing, since something follows it or a soft break does.
    append_byte(carry, false, output);
  }
}

// RFC 2045 §6.7 rule 3: whitespace at the end of an encoded line must be encoded, since
// transports may strip it.
void QuotedPrintableEncoder::encode_trailing_whitespace(std::string& output) {
  if (!line_.empty() && is_wsp(line_.back())) {
    const unsigned char whitespace = pop_last_token(line_);
    append_byte(whitespace, true, output);
  }
}

void QuotedPrintableEncoder::hard_line_break(std::string& output) {
  encode_trailing_whitespace(output);
  output += line_;
  output += "\r\n";
  line_.clear();
}

void QuotedPrintableEncoder::feed(std::string_view input, std::string& output) {
  std::size_t i = 0;
  while (i < input.size()) {
    const char c = input[i];
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        hard_line_break(output);
        ++i;
        continue;
      }
      append_byte('\r', true, output);  // a lone CR is data (rule 4 of §6.7)
    }
    if (c == '\r') {
      pending_cr_ = true;
      ++i;
      continue;
    }
    // Past a line's first 5 characters (the '.' and "From " rules) only the line length matters
    // to literal characters, so a run of them that fits on the line goes on it as one span. Byte
    // by byte would leave the line exactly the same.
    const std::size_t line_size = line_.size();
    if (line_size >= from_line_start.size() && line_size < quoted_printable_line_length &&
        is_literal(static_cast<unsigned char>(c))) {
      const std::size_t limit =
          std::min(input.size(), i + (quoted_printable_line_length - line_size));
      std::size_t end = i + 1;
      while (end < limit && is_literal(static_cast<unsigned char>(input[end]))) {
        ++end;
      }
      line_.append(input.substr(i, end - i));
      i = end;
      continue;
    }
    append_byte(static_cast<unsigned char>(c), false, output);
    ++i;
  }
}

void QuotedPrintableEncoder::finish(std::string& output) {
  if (pending_cr_) {
    pending_cr_ = false;
    append_byte('\r', true, output);
  }
  // Whitespace before the soft break is not at the end of a line; it stays literal. A full line
  // may leave its last token behind, hence the loop (at most two rounds).
  while (!line_.empty()) {
    soft_line_break(output);
  }
}

std::string encode_quoted_printable(std::string_view input) {
  QuotedPrintableEncoder encoder;
  std::string output;
  encoder.feed(input, output);
  encoder.finish(output);
  return output;
}

}  // namespace smtpsend::mime
