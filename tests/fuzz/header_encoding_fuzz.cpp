// libFuzzer target: mime::format_unstructured_header("Subject", text) on valid UTF-8 text
// (RFC 5322 §2.1.1, §2.2.3; RFC 2047).
//
// Checked: text with CR, LF or NUL is refused with Failure (kind data) and nothing else is; the
// header is ASCII only, made of CRLF-ended lines of at most 998 octets, each after the first a
// continuation line; every encoded word is at most 75 characters and decodes to valid UTF-8;
// and the whole value, decoded as a reader would (RFC 2047 §6.2), is the original text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/header_encoding.hpp"
#include "mime/utf8.hpp"
#include "unit/mime/mime_test_decoders.hpp"

namespace {

namespace mime = smtpsend::mime;
using smtpsend::Failure;
using smtpsend::is_ascii;

constexpr std::string_view field_name = "Subject";

void check(bool condition, const char* what, std::string_view detail = {}) {
  if (!condition) {
    std::fprintf(stderr, "header_encoding_fuzz: invariant violated: %s\n  %.*s\n", what,
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!mime::is_valid_utf8(text)) {
    return 0;
  }
  const bool has_line_breaking_byte =
      text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
  std::string header;
  try {
    header = mime::format_unstructured_header(field_name, text);
  } catch (const Failure& failure) {
    check(failure.error().kind == smtpsend::ErrorKind::data, "refusals are data errors");
    check(has_line_breaking_byte, "only text with CR, LF or NUL is refused",
          failure.error().message);
    return 0;
  }
  check(!has_line_breaking_byte, "text with CR, LF or NUL is refused", header);
  check(is_ascii(header), "the header is ASCII", header);

  try {
    for (const auto& line : mime::testing::header_lines(header, field_name)) {
      check(line.size() <= mime::maximum_line_length, "no line over 998 octets", header);
    }
    for (const auto& word : mime::testing::header_words(header, field_name)) {
      if (mime::testing::is_encoded_word(word)) {
        check(word.size() <= mime::maximum_encoded_word_length, "encoded words within 75", word);
        check(mime::is_valid_utf8(mime::testing::decode_encoded_word(word)),
              "each encoded word holds whole UTF-8 characters", word);
      }
    }
    check(mime::testing::decode_unstructured_header(header, field_name) == text,
          "the header decodes to the original text", header);
  } catch (const std::invalid_argument& error) {
    check(false, error.what(), header);
  }
  return 0;
}
