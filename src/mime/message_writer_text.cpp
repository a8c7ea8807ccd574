#include "mime/message_writer_text.hpp"

#include <algorithm>
#include <utility>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

// RFC 2045 §2.7: 7bit data has lines of at most 998 octets, no NUL, and CR and LF only as CRLF.
constexpr std::size_t maximum_7bit_line_length = 998;

// Quoted-printable turns one byte into at most 3 characters, plus a soft line break per 73 of
// them; normalizing turns a lone LF into CRLF (2 octets, which stay 2). 4 bounds both.
constexpr std::size_t worst_expansion = 4;
// Below this much room no piece is encoded: the caller comes back with a fresh chunk.
constexpr std::size_t minimum_room = 256;
// How much text is encoded at a time while counting the encoded size.
constexpr std::size_t counting_piece = std::size_t{64} * 1024;

void validate_text_charset(std::string_view charset, std::string_view text, std::string_view what) {
  if (!equals_ignoring_ascii_case(charset, "UTF-8") &&
      !equals_ignoring_ascii_case(charset, "UTF8")) {
    return;
  }
  const std::size_t invalid = find_invalid_utf8(text);
  if (invalid != std::string_view::npos) {
    throw Failure(ErrorKind::data, std::string(what) + " is not valid UTF-8 (at byte " +
                                       std::to_string(invalid) +
                                       "); convert it to UTF-8 or declare its real charset");
  }
}

// Whether `text` is 7bit once its line ends are CRLF: a lone CR or LF ends a line as CRLF does.
bool is_7bit_text(std::string_view text) {
  if (!is_ascii(text) || text.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t line_length = 0;
  for (const char c : text) {
    line_length = c == '\r' || c == '\n' ? 0 : line_length + 1;
    if (line_length > maximum_7bit_line_length) {
      return false;
    }
  }
  return true;
}

}  // namespace

TextBody::TextBody(std::string text, std::string_view charset, std::string_view what)
    : text_(std::move(text)) {
  validate_text_charset(charset, text_, what);
  seven_bit_ = is_7bit_text(text_);
  // Encode it all once, keeping only the count, then start again from the beginning.
  std::string scratch;
  while (position_ < text_.size()) {
    scratch.clear();
    encode(std::min(counting_piece, text_.size() - position_), scratch);
    encoded_size_ += scratch.size();
  }
  scratch.clear();
  finish(scratch);
  encoded_size_ += scratch.size();
  position_ = 0;
  after_cr_ = false;
  at_line_start_ = true;
  std::string().swap(normalized_);
}

void TextBody::encode(std::size_t count, std::string& output) {
  std::string_view piece = std::string_view(text_).substr(position_, count);
  position_ += count;
  if (piece.empty()) {
    return;
  }
  std::string& normalized = seven_bit_ ? output : normalized_;
  if (!seven_bit_) {
    normalized.clear();
  }
  if (after_cr_ && piece.front() == '\n') {
    piece.remove_prefix(1);  // the LF of a CRLF already written
  }
  after_cr_ = false;
  // A line's text at a time: a span up to the next CR or LF, then CRLF for whichever line end
  // that is (CRLF, lone CR, lone LF).
  while (!piece.empty()) {
    const auto line_end =
        std::find_if(piece.begin(), piece.end(), [](char c) { return c == '\r' || c == '\n'; });
    const auto length = static_cast<std::size_t>(line_end - piece.begin());
    if (length > 0) {
      normalized.append(piece.substr(0, length));
      at_line_start_ = false;
    }
    if (line_end == piece.end()) {
      break;
    }
    normalized += "\r\n";
    at_line_start_ = true;
    std::size_t taken = length + 1;
    if (*line_end == '\r') {
      if (taken == piece.size()) {
        after_cr_ = true;  // an LF at the start of the next piece belongs to this line end
      } else if (piece[taken] == '\n') {
        ++taken;
      }
    }
    piece.remove_prefix(taken);
  }
  if (!seven_bit_) {
    encoder_.feed(normalized, output);
  }
}

void TextBody::finish(std::string& output) {
  if (!at_line_start_) {
    if (seven_bit_) {
      output += "\r\n";
    } else {
      encoder_.feed("\r\n", output);
    }
    at_line_start_ = true;
  }
  if (!seven_bit_) {
    encoder_.finish(output);
  }
}

bool TextBody::append_encoded(std::string& output, std::size_t room) {
  if (done_) {
    return true;
  }
  const std::size_t start = output.size();
  while (position_ < text_.size()) {
    const std::size_t produced = output.size() - start;
    if (produced + minimum_room > room) {
      return false;
    }
    encode(std::min(text_.size() - position_, (room - produced) / worst_expansion), output);
  }
  finish(output);
  // Sent text is not needed again.
  std::string().swap(text_);
  std::string().swap(normalized_);
  position_ = 0;
  done_ = true;
  return true;
}

}  // namespace smtpsend::mime
