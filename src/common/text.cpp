#include "common/text.hpp"

namespace smtpsend {

std::string quoted_for_message(std::string_view value, std::size_t longest) {
  constexpr std::string_view hex_digits = "0123456789abcdef";
  std::string shown = "'";
  for (const char c : value.substr(0, longest)) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '\r':
        shown += "\\r";
        break;
      case '\n':
        shown += "\\n";
        break;
      case '\t':
        shown += "\\t";
        break;
      case '\0':
        shown += "\\0";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          shown += "\\x";
          shown += hex_digits[byte >> 4U];
          shown += hex_digits[byte & 0xfU];
        } else {
          shown += c;
        }
    }
  }
  if (value.size() > longest) {
    shown += "...";
  }
  return shown + "'";
}

}  // namespace smtpsend
