#include "common/base64.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace smtpsend {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The two characters for every 12-bit value, so that a group of 3 octets (24 bits) is two
// lookups and two 2-byte copies.
constexpr std::size_t pair_count = 4096;
constexpr auto character_pairs = [] {
  std::array<char, 2 * pair_count> pairs{};
  for (std::size_t value = 0; value < pair_count; ++value) {
    pairs[2 * value] = alphabet[value >> 6];
    pairs[2 * value + 1] = alphabet[value & 0x3F];
  }
  return pairs;
}();

// Writes the 4 characters for the 3 octets at `in`, returns the position after them.
inline char* put_group(const unsigned char* in, char* out) {
  const std::size_t bits = (std::size_t{in[0]} << 16) | (std::size_t{in[1]} << 8) | in[2];
  std::memcpy(out, &character_pairs[2 * (bits >> 12)], 2);
  std::memcpy(out + 2, &character_pairs[2 * (bits & 0xFFF)], 2);
  return out + 4;
}

// Writes `groups` groups of 3 octets from `in`.
inline char* put_groups(const unsigned char* in, std::size_t groups, char* out) {
  for (std::size_t i = 0; i < groups; ++i) {
    out = put_group(in + 3 * i, out);
  }
  return out;
}

// Writes the last, partial group of 1 or 2 octets, padded with '=' (RFC 4648 §4).
inline char* put_partial_group(const unsigned char* in, std::size_t count, char* out) {
  const unsigned char group[3] = {in[0], count > 1 ? in[1] : std::uint8_t{0}, 0};
  put_group(group, out);
  out[3] = '=';
  if (count == 1) {
    out[2] = '=';
  }
  return out + 4;
}

inline char* put_line_break(char* out) {
  out[0] = '\r';
  out[1] = '\n';
  return out + 2;
}

// What each octet is to the decoder: its 6-bit value, or one of these.
constexpr std::int8_t not_base64 = -1;
constexpr std::int8_t skipped = -2;
constexpr std::int8_t padding = -3;
constexpr auto decoding_table = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(not_base64);
  for (std::size_t value = 0; value < alphabet.size(); ++value) {
    table[static_cast<unsigned char>(alphabet[value])] = static_cast<std::int8_t>(value);
  }
  for (const char c : {' ', '\t', '\r', '\n'}) {
    table[static_cast<unsigned char>(c)] = skipped;
  }
  table['='] = padding;
  return table;
}();

}  // namespace

void append_base64(std::string_view input, std::string& output) {
  if (input.empty()) {
    return;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const std::size_t groups = input.size() / 3;
  const std::size_t rest = input.size() % 3;
  const std::size_t start = output.size();
  output.resize(start + base64_encoded_length(input.size()));
  char* out = put_groups(in, groups, output.data() + start);
  if (rest > 0) {
    put_partial_group(in + 3 * groups, rest, out);
  }
}

std::string encode_base64(std::string_view input) {
  std::string output;
  append_base64(input, output);
  return output;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  std::size_t digits = 0;  // in the current group of 4, padding included
  std::size_t padded = 0;  // '=' in the current group
  bool ended = false;      // a padded group was the last one
  for (const char c : text) {
    const std::int8_t value = decoding_table[static_cast<unsigned char>(c)];
    if (value == skipped) {
      continue;
    }
    if (value == not_base64 || ended) {
      return std::nullopt;
    }
    if (value == padding) {
      // Only the last two characters of the last group may be padding ("xx==", "xxx=").
      if (digits < 2) {
        return std::nullopt;
      }
      ++padded;
      bits <<= 6;
    } else {
      if (padded > 0) {
        return std::nullopt;
      }
      bits = (bits << 6) | static_cast<std::uint32_t>(value);
    }
    if (++digits < 4) {
      continue;
    }
    const std::uint32_t padded_bits = padded == 0 ? 0 : (padded == 1 ? 0xFF : 0xFFFF);
    if ((bits & padded_bits) != 0) {
      return std::nullopt;
    }
    decoded += static_cast<char>((bits >> 16) & 0xFF);
    if (padded < 2) {
      decoded += static_cast<char>((bits >> 8) & 0xFF);
    }
    if (padded < 1) {
      decoded += static_cast<char>(bits & 0xFF);
    }
    ended = padded > 0;
    bits = 0;
    digits = 0;
    padded = 0;
  }
  if (digits != 0) {
    return std::nullopt;
  }
  return decoded;
}

void Base64LineEncoder::feed(std::string_view input, std::string& output) {
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const unsigned char* const end = in + input.size();
  const std::size_t groups = (leftover_size_ + input.size()) / 3;
  if (groups == 0) {
    std::copy(in, end, leftover_ + leftover_size_);
    leftover_size_ += input.size();
    return;
  }
  const std::size_t characters = groups * 4;
  const std::size_t line_breaks = (line_length_ + characters) / base64_line_length;
  const std::size_t start = output.size();
  output.resize(start + characters + 2 * line_breaks);
  char* out = output.data() + start;

  std::size_t groups_left = groups;
  if (leftover_size_ > 0) {
    unsigned char first[3] = {leftover_[0], leftover_[1], 0};
    const std::size_t taken = 3 - leftover_size_;
    std::copy(in, in + taken, first + leftover_size_);
    in += taken;
    leftover_size_ = 0;
    out = put_group(first, out);
    line_length_ += 4;
    --groups_left;
    if (line_length_ == base64_line_length) {
      out = put_line_break(out);
      line_length_ = 0;
    }
  }
  // A line at a time: the rest of the current line, then whole lines of 19 groups.
  while (groups_left > 0) {
    const std::size_t line_groups = std::min(groups_left, (base64_line_length - line_length_) / 4);
    out = put_groups(in, line_groups, out);
    in += 3 * line_groups;
    groups_left -= line_groups;
    line_length_ += 4 * line_groups;
    if (line_length_ == base64_line_length) {
      out = put_line_break(out);
      line_length_ = 0;
    }
  }
  leftover_size_ = static_cast<std::size_t>(end - in);
  std::copy(in, end, leftover_);
}

void Base64LineEncoder::finish(std::string& output) {
  if (leftover_size_ > 0) {
    const std::size_t start = output.size();
    output.resize(start + 4);
    put_partial_group(leftover_, leftover_size_, output.data() + start);
    line_length_ += 4;
    leftover_size_ = 0;
  }
  if (line_length_ > 0) {
    output += "\r\n";
    line_length_ = 0;
  }
}

}  // namespace smtpsend
