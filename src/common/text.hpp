#pragma once
// Small text helpers every layer needs: trimming, quoting a value in a message, and the line
// break check that keeps a value from ending a command line or a header field early.

#include <string>
#include <string_view>

namespace smtpsend {

// `text` without the characters of `blanks` (space and tab unless told) at either end.
constexpr std::string_view trim_blanks(std::string_view text, std::string_view blanks = " \t") {
  const auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

// CR, LF or NUL: in a value that ends up in a command line or header, each would end it early
// and let the rest pass for a command or field of its own (RFC 5321 §2.3.8, RFC 5322 §2.2).
constexpr bool has_line_break(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// A value as a message quotes it: in single quotes, on one line (\r, \n, \t, \0 and other
// control bytes escaped, \x7f too), cut after `longest` bytes with "...".
std::string quoted_for_message(std::string_view value, std::size_t longest = 80);

}  // namespace smtpsend
