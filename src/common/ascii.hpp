#pragma once
// ASCII case handling for protocol tokens (SMTP keywords, header names, media types, charsets).
// Deliberately not std::tolower: protocol tokens are ASCII and must not depend on the C locale.

#include <algorithm>
#include <string>
#include <string_view>

namespace smtpsend {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

inline std::string ascii_lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](char c) { return ascii_lower(c); });
  return result;
}

inline std::string ascii_upper(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](char c) { return ascii_upper(c); });
  return result;
}

constexpr bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

constexpr bool starts_with_ignoring_ascii_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         equals_ignoring_ascii_case(text.substr(0, prefix.size()), prefix);
}

// True when every byte is below 0x80.
constexpr bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace smtpsend
