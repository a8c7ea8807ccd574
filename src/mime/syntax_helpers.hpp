#pragma once
// Character classes and small encoders that several parts of the MIME module need in the same
// form: whitespace, ASCII letters and digits, RFC 5322 atext, hexadecimal octets and
// quoted-strings. Internal to src/mime; kept in one place so that the grammar rules cannot drift
// apart between the address parser, the parameter writer and the encoders.

#include <algorithm>
#include <string>
#include <string_view>

namespace smtpsend::mime::syntax {

// RFC 5234 Appendix B.1 WSP: space and horizontal tab.
constexpr bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

constexpr bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr bool is_ascii_alphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_ascii_digit(c);
}

constexpr bool is_non_ascii(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

// RFC 5322 §3.2.3 atext, ASCII only (RFC 6532 adds UTF-8; address_syntax.hpp allows it).
constexpr bool is_ascii_atext(char c) {
  return is_ascii_alphanumeric(c) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// Control characters (RFC 5234 CTL: 0x00-0x1F and DEL) other than TAB, which is whitespace.
constexpr bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && c != '\t') || byte == 0x7F;
}

// RFC 5322 §3.2.3 dot-atom-text (1*atext *("." 1*atext)) with atext as `is_atext` says.
template <typename AtextPredicate>
bool is_dot_atom_text(std::string_view text, AtextPredicate is_atext) {
  if (text.empty() || text.front() == '.' || text.back() == '.' ||
      text.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [&](char c) { return c == '.' || is_atext(c); });
}

// The value of a hexadecimal digit in either case, or -1 when `c` is not one.
constexpr int hex_value(char c) {
  if (is_ascii_digit(c)) {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Appends `byte` as two upper-case hexadecimal digits, the form RFC 2045 §6.7 (quoted-printable),
// RFC 2047 §4.2 (Q encoding) and RFC 2231 §7 (percent encoding) all require.
inline void append_hex_octet(unsigned char byte, std::string& output) {
  constexpr std::string_view hex_digits = "0123456789ABCDEF";
  output += hex_digits[byte >> 4];
  output += hex_digits[byte & 0x0F];
}

// `text` as a quoted-string (RFC 5322 §3.2.4, the same as RFC 2045 §5.1's): only '"' and '\'
// need a backslash. The caller has checked that `text` holds no CR, LF or NUL.
inline std::string quoted_string(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
    }
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace smtpsend::mime::syntax
