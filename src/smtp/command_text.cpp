#include "smtp/command_text.hpp"

#include <fmt/format.h>

namespace smtpsend::smtp {

std::string escape_control_bytes(std::string_view text) {
  std::string shown;
  shown.reserve(text.size());
  for (const char c : text) {
    if (is_control_byte(c)) {
      shown += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      shown += c;
    }
  }
  return shown;
}

std::string xtext(std::string_view text) {
  constexpr char first_plain = '!';
  constexpr char last_plain = '~';
  std::string encoded;
  for (const char c : text) {
    if (c < first_plain || c > last_plain || c == '+' || c == '=') {
      encoded += fmt::format("+{:02X}", static_cast<unsigned char>(c));
    } else {
      encoded += c;
    }
  }
  return encoded;
}

}  // namespace smtpsend::smtp
