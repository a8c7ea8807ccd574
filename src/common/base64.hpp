#pragma once
// Base64 (RFC 4648 §4 alphabet, padded with '='), the one encoder and decoder of the program:
// unwrapped for SASL payloads (RFC 4954 §4) and RFC 2047 "B" encoded words, and line-wrapped for
// MIME bodies (RFC 2045 §6.8), fed a buffer at a time as a file is read.
//
// Whole groups of 3 octets are encoded at a time into output sized once beforehand: the body of
// a large attachment passes through here, so no character is appended on its own.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smtpsend {

// RFC 2045 §6.8: "encoded lines must be no more than 76 characters long" (CRLF not counted).
// 76 is a multiple of 4, so a line holds exactly 19 groups (57 octets of input).
inline constexpr std::size_t base64_line_length = 76;
inline constexpr std::size_t base64_line_input_octets = base64_line_length / 4 * 3;

// The encoded length of `byte_count` octets without line breaks.
constexpr std::size_t base64_encoded_length(std::size_t byte_count) {
  return (byte_count + 2) / 3 * 4;
}

// The length of Base64LineEncoder's output for `byte_count` octets: 76 characters and CRLF per
// full line, the rest on a last, shorter line; nothing at all for no input.
constexpr std::uint64_t base64_wrapped_length(std::uint64_t byte_count) {
  const std::uint64_t characters = (byte_count + 2) / 3 * 4;
  const std::uint64_t lines = (characters + base64_line_length - 1) / base64_line_length;
  return characters + 2 * lines;
}

// Appends the base64 of `input`, without line breaks, to `output`.
void append_base64(std::string_view input, std::string& output);

// The base64 of `input` without line breaks. The result is allocated once at its final size, so
// no copy of a secret (an AUTH PLAIN response) is left behind in a reallocated buffer.
std::string encode_base64(std::string_view input);

// The octets `text` stands for; nullopt when it is not base64: a character outside the alphabet,
// a length that is not whole groups of 4, padding anywhere but at the end, or padded-out bits
// that are not zero (RFC 4648 §3.5 allows rejecting those). Spaces, tabs, CR and LF are skipped
// (RFC 4648 §3.3 leaves that to the specification that uses base64; servers may fold a
// challenge).
std::optional<std::string> decode_base64(std::string_view text);

// Line-wrapped base64 for MIME bodies (RFC 2045 §6.8), with input arriving in pieces of any size.
// Between pieces the encoder carries only the 0-2 octets that do not yet make a group and the
// length of the current output line; output is appended as soon as a group is complete.
class Base64LineEncoder {
 public:
  // Appends the encoding of every complete group `input` makes (with what was left over from
  // earlier pieces) to `output`, a CRLF after every 76 characters.
  void feed(std::string_view input, std::string& output);

  // Appends the last group (padded with '=') and ends the last line with CRLF. No input at all
  // produces no output. The encoder may be reused afterwards.
  void finish(std::string& output);

 private:
  unsigned char leftover_[2] = {0, 0};
  std::size_t leftover_size_ = 0;
  std::size_t line_length_ = 0;  // characters on the current output line, a multiple of 4
};

}  // namespace smtpsend
