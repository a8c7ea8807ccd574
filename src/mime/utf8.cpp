#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

}  // namespace

std::size_t utf8_character_length(std::string_view text, std::size_t position) {
  const auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte_at(position);
  if (lead < 0x80) {
    return 1;
  }
  // RFC 3629 §4 (UTF8-2 .. UTF8-4): the lead byte fixes the length and the range of the second
  // byte, which is what excludes overlong forms, surrogates and code points above U+10FFFF.
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) {
      second_min = 0xA0;  // overlong below U+0800
    } else if (lead == 0xED) {
      second_max = 0x9F;  // surrogates U+D800..U+DFFF
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) {
      second_min = 0x90;  // overlong below U+10000
    } else if (lead == 0xF4) {
      second_max = 0x8F;  // above U+10FFFF
    }
  } else {
    return 0;  // continuation byte, C0/C1 (always overlong) or F5..FF
  }
  if (text.size() - position < length) {
    return 0;
  }
  const unsigned char second = byte_at(position + 1);
  if (second < second_min || second > second_max) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if (!is_continuation(byte_at(position + i))) {
      return 0;
    }
  }
  return length;
}

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t length = utf8_character_length(text, position);
    if (length == 0) {
      return position;
    }
    position += length;
  }
  return std::string_view::npos;
}

}  // namespace smtpsend::mime
