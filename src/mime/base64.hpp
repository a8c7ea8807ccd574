#pragma once
// Base64 (RFC 2045 §6.8) as a streaming encoder for MIME bodies: feed chunks of any size and get
// complete output lines of at most 76 characters, each ended by CRLF. Also the unwrapped form
// that RFC 2047 "B" encoded words use.

#include <cstddef>
#include <string>
#include <string_view>

namespace smtpsend::mime {

// RFC 2045 §6.8: "encoded lines must be no more than 76 characters long" (CRLF not counted).
inline constexpr std::size_t base64_line_length = 76;

class Base64Encoder {
 public:
  // Encodes `input` and appends every complete output line produced so far to `output`. Bytes
  // that do not yet fill a 3-byte group, or a line, are kept for the next call.
  void feed(std::string_view input, std::string& output);

  // Appends the last group (padded with '=') and ends the last line with CRLF. Empty input
  // produces no output at all. The encoder may be reused afterwards.
  void finish(std::string& output);

 private:
  void emit_group(std::string& output);

  unsigned char group_[3] = {0, 0, 0};
  std::size_t group_size_ = 0;
  std::string line_;  // the current output line, without its CRLF
};

// The whole of `input` as one line of base64 without line breaks (RFC 4648 §4 alphabet, padded).
std::string encode_base64_unwrapped(std::string_view input);

// The encoded length of `byte_count` bytes without line breaks.
constexpr std::size_t base64_encoded_length(std::size_t byte_count) {
  return (byte_count + 2) / 3 * 4;
}

}  // namespace smtpsend::mime
