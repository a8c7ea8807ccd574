#pragma once
// Small UTF-8 facts the MIME code needs: where a character ends (so encoded words and folds never
// split one) and whether text is well-formed (RFC 3629 §4). Whether it is ASCII (7bit):
// is_ascii() in common/ascii.hpp.

#include <cstddef>
#include <string_view>

namespace smtpsend::mime {

// The length (1-4) of the well-formed UTF-8 character that starts at text[position], or 0 when
// the bytes there are not one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF,
// truncated sequence). `position` must be less than text.size().
std::size_t utf8_character_length(std::string_view text, std::size_t position);

// The offset of the first byte that does not start a well-formed character, or npos when the
// whole text is well-formed UTF-8.
std::size_t find_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

}  // namespace smtpsend::mime
