#include "mime/base64.hpp"

#include <algorithm>

namespace smtpsend::mime {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends the 4 characters for a group of 1-3 bytes, padded with '=' (RFC 4648 §4).
void append_quantum(const unsigned char* bytes, std::size_t count, std::string& output) {
  const unsigned bits = (unsigned{bytes[0]} << 16) | (count > 1 ? unsigned{bytes[1]} << 8 : 0U) |
                        (count > 2 ? unsigned{bytes[2]} : 0U);
  output += alphabet[(bits >> 18) & 0x3F];
  output += alphabet[(bits >> 12) & 0x3F];
  output += count > 1 ? alphabet[(bits >> 6) & 0x3F] : '=';
  output += count > 2 ? alphabet[bits & 0x3F] : '=';
}

}  // namespace

void Base64Encoder::emit_group(std::string& output) {
  append_quantum(group_, group_size_, line_);
  group_size_ = 0;
  // 76 is a multiple of 4, so a line fills exactly with whole quanta.
  if (line_.size() == base64_line_length) {
    output += line_;
    output += "\r\n";
    line_.clear();
  }
}

void Base64Encoder::feed(std::string_view input, std::string& output) {
  for (const char c : input) {
    group_[group_size_++] = static_cast<unsigned char>(c);
    if (group_size_ == 3) {
      emit_group(output);
    }
  }
}

void Base64Encoder::finish(std::string& output) {
  if (group_size_ > 0) {
    emit_group(output);
  }
  if (!line_.empty()) {
    output += line_;
    output += "\r\n";
    line_.clear();
  }
}

std::string encode_base64_unwrapped(std::string_view input) {
  std::string output;
  output.reserve(base64_encoded_length(input.size()));
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  for (std::size_t i = 0; i < input.size(); i += 3) {
    append_quantum(bytes + i, std::min<std::size_t>(3, input.size() - i), output);
  }
  return output;
}

}  // namespace smtpsend::mime
