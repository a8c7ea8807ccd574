#include "mime/message_writer_text.hpp"

#include <algorithm>
#include <cctype>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/quoted_printable.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

// RFC 2045 §2.7: 7bit data has lines of at most 998 octets, no NUL, and CR and LF only as CRLF.
constexpr std::size_t maximum_7bit_line_length = 998;

// Every line end (CRLF, LF, lone CR) as CRLF, and a final CRLF after a last unended line.
std::string normalize_line_ends(std::string_view text) {
  std::string normalized;
  normalized.reserve(text.size() + text.size() / 32 + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      normalized += "\r\n";
    } else if (c == '\n') {
      normalized += "\r\n";
    } else {
      normalized += c;
    }
  }
  if (!normalized.empty() && !normalized.ends_with("\r\n")) {
    normalized += "\r\n";
  }
  return normalized;
}

// `body` has CRLF line ends only.
bool is_7bit(std::string_view body) {
  if (!is_ascii(body) || body.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t line_start = 0;
  while (line_start < body.size()) {
    std::size_t line_end = body.find("\r\n", line_start);
    line_end = line_end == std::string_view::npos ? body.size() : line_end;
    if (line_end - line_start > maximum_7bit_line_length) {
      return false;
    }
    line_start = line_end + 2;
  }
  return true;
}

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

}  // namespace

EncodedText encode_text_body(std::string_view text, std::string_view charset,
                             std::string_view what) {
  validate_text_charset(charset, text, what);
  EncodedText encoded;
  std::string normalized = normalize_line_ends(text);
  encoded.seven_bit = is_7bit(normalized);
  if (encoded.seven_bit) {
    encoded.body = std::move(normalized);
  } else {
    QuotedPrintableEncoder encoder;
    encoder.feed(normalized, encoded.body);
    encoder.finish(encoded.body);
  }
  return encoded;
}

}  // namespace smtpsend::mime
