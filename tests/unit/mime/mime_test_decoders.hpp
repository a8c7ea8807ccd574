#pragma once
// Decoders for the MIME tests only: the product never decodes, so the tests check the encoders
// by decoding with these small, independent implementations.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::mime::testing {

inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  throw std::invalid_argument(std::string("not an upper-case hex digit: ") + c);
}

// Base64 without line breaks; throws on anything outside the alphabet or bad padding.
inline std::string decode_base64(std::string_view text) {
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) {
    throw std::invalid_argument("base64 length is not a multiple of 4");
  }
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    unsigned bits = 0;
    int padding = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      unsigned value = 0;
      if (c == '=') {
        if (i + 4 != text.size() || j < 2) {
          throw std::invalid_argument("misplaced base64 padding");
        }
        ++padding;
      } else {
        if (padding > 0) {
          throw std::invalid_argument("base64 data after padding");
        }
        const std::size_t position = alphabet.find(c);
        if (position == std::string_view::npos) {
          throw std::invalid_argument(std::string("not a base64 character: ") + c);
        }
        value = static_cast<unsigned>(position);
      }
      bits = (bits << 6) | value;
    }
    decoded += static_cast<char>((bits >> 16) & 0xFF);
    if (padding < 2) {
      decoded += static_cast<char>((bits >> 8) & 0xFF);
    }
    if (padding < 1) {
      decoded += static_cast<char>(bits & 0xFF);
    }
  }
  return decoded;
}

// Splits text made of CRLF-ended lines; throws when the last line is not ended or when a bare
// CR or LF appears.
inline std::vector<std::string> split_crlf_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      throw std::invalid_argument("last line not ended by CRLF");
    }
    const std::string_view line = text.substr(start, end - start);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      throw std::invalid_argument("bare CR or LF inside a line");
    }
    lines.emplace_back(line);
    start = end + 2;
  }
  return lines;
}

// Quoted-printable as RFC 2045 §6.7 defines it, strictly: upper-case escapes only, no literal
// '=' and no unencoded trailing whitespace.
inline std::string decode_quoted_printable(std::string_view text) {
  std::string decoded;
  for (const auto& line : split_crlf_lines(text)) {
    const bool soft_break = !line.empty() && line.back() == '=';
    const std::string_view content =
        std::string_view(line).substr(0, line.size() - (soft_break ? 1 : 0));
    if (!soft_break && !content.empty() && (content.back() == ' ' || content.back() == '\t')) {
      throw std::invalid_argument("unencoded trailing whitespace");
    }
    for (std::size_t i = 0; i < content.size(); ++i) {
      if (content[i] == '=') {
        if (i + 2 >= content.size()) {
          throw std::invalid_argument("truncated escape");
        }
        decoded += static_cast<char>(hex_digit_value(content[i + 1]) * 16 +
                                     hex_digit_value(content[i + 2]));
        i += 2;
      } else {
        decoded += content[i];
      }
    }
    if (!soft_break) {
      decoded += "\r\n";
    }
  }
  return decoded;
}

// The decoded bytes of one RFC 2047 encoded word "=?UTF-8?B?...?=" or "=?UTF-8?Q?...?=".
inline std::string decode_encoded_word(std::string_view word) {
  if (word.substr(0, 2) != "=?" || word.size() < 12 || word.substr(word.size() - 2) != "?=") {
    throw std::invalid_argument("not an encoded word: " + std::string(word));
  }
  const std::string_view inner = word.substr(2, word.size() - 4);
  const std::size_t first = inner.find('?');
  const std::size_t second = inner.find('?', first + 1);
  if (first == std::string_view::npos || second != first + 2 || inner.substr(0, first) != "UTF-8") {
    throw std::invalid_argument("unexpected charset or encoding: " + std::string(word));
  }
  const char encoding = inner[first + 1];
  const std::string_view text = inner.substr(second + 1);
  if (encoding == 'B') {
    return decode_base64(text);
  }
  if (encoding != 'Q') {
    throw std::invalid_argument("unknown encoding: " + std::string(word));
  }
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      decoded += ' ';
    } else if (text[i] == '=') {
      if (i + 2 >= text.size()) {
        throw std::invalid_argument("truncated Q escape");
      }
      decoded +=
          static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

inline bool is_encoded_word(std::string_view word) {
  return word.size() >= 4 && word.substr(0, 2) == "=?" && word.substr(word.size() - 2) == "?=";
}

// The lines of a header field "Name: ...\r\n" without their CRLFs; throws unless every line after
// the first is a continuation (starts with whitespace) and the field starts with `name` ":".
inline std::vector<std::string> header_lines(std::string_view header, std::string_view name) {
  auto lines = split_crlf_lines(header);
  if (lines.empty() || !std::string_view(lines.front()).starts_with(std::string(name) + ":")) {
    throw std::invalid_argument("not a '" + std::string(name) + "' header: " + std::string(header));
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty() || (lines[i][0] != ' ' && lines[i][0] != '\t')) {
      throw std::invalid_argument("line is not a continuation: " + lines[i]);
    }
  }
  return lines;
}

// The whitespace-separated words of the unfolded value.
inline std::vector<std::string> header_words(std::string_view header, std::string_view name) {
  std::string unfolded;
  for (const auto& line : header_lines(header, name)) {
    unfolded += line;
  }
  std::vector<std::string> words;
  std::string word;
  for (const char c : unfolded.substr(name.size() + 1)) {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) {
        words.push_back(word);
      }
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) {
    words.push_back(word);
  }
  return words;
}

// The value of an unstructured header as a reader sees it (RFC 2047 §6.2): unfolded, encoded
// words decoded, whitespace between adjacent encoded words dropped. The one space after the
// colon is not part of the value.
inline std::string decode_unstructured_header(std::string_view header, std::string_view name) {
  std::string unfolded;
  for (const auto& line : header_lines(header, name)) {
    unfolded += line;
  }
  std::string_view value = std::string_view(unfolded).substr(name.size() + 1);
  if (value.starts_with(" ")) {
    value.remove_prefix(1);
  }
  std::string decoded;
  bool previous_was_encoded = false;
  std::size_t position = 0;
  while (position < value.size()) {
    const std::size_t word_start = value.find_first_not_of(" \t", position);
    const std::string_view space = value.substr(
        position, (word_start == std::string_view::npos ? value.size() : word_start) - position);
    if (word_start == std::string_view::npos) {
      decoded += space;
      break;
    }
    std::size_t word_end = value.find_first_of(" \t", word_start);
    word_end = word_end == std::string_view::npos ? value.size() : word_end;
    const std::string_view word = value.substr(word_start, word_end - word_start);
    const bool encoded = is_encoded_word(word);
    if (!(encoded && previous_was_encoded)) {
      decoded += space;
    }
    decoded += encoded ? decode_encoded_word(word) : std::string(word);
    previous_was_encoded = encoded;
    position = word_end;
  }
  return decoded;
}

}  // namespace smtpsend::mime::testing
