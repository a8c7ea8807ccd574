#include "mime/mime_parameters.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "mime/header_encoding.hpp"
#include "mime/syntax_helpers.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

// RFC 2045 §5.1.
constexpr std::string_view tspecials = "()<>@,;:\\\"/[]?=";

// A parameter goes on a line of its own after a fold: one space before it and its ';' after it
// must fit within RFC 5322's recommended 78 characters.
constexpr std::size_t parameter_room = recommended_line_length - 2;

// RFC 2231 §4: the charset (and empty language) that starts an extended value.
constexpr std::string_view extended_value_prefix = "UTF-8''";

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// RFC 2231 §7: attribute-char := <any (US-ASCII) CHAR except SPACE, CTLs, "*", "'", "%", or
// tspecials>.
bool is_attribute_char(unsigned char byte) {
  return byte > 0x20 && byte < 0x7F && byte != '*' && byte != '\'' && byte != '%' &&
         tspecials.find(static_cast<char>(byte)) == std::string_view::npos;
}

void append_percent_encoded(std::string_view bytes, std::string& output) {
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_attribute_char(byte)) {
      output += c;
    } else {
      output += '%';
      syntax::append_hex_octet(byte, output);
    }
  }
}

void require_valid_attribute(std::string_view attribute) {
  if (!is_mime_token(attribute) || attribute.find_first_of("*'%") != std::string_view::npos) {
    throw Failure(ErrorKind::internal,
                  "invalid MIME parameter name '" + std::string(attribute) + "'");
  }
}

}  // namespace

bool is_mime_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c > 0x20 && c < 0x7F && tspecials.find(c) == std::string_view::npos;
  });
}

std::string percent_encode_parameter_value(std::string_view bytes) {
  std::string encoded;
  append_percent_encoded(bytes, encoded);
  return encoded;
}

ParameterizedField::ParameterizedField(std::string_view name, std::string_view value)
    : name_(name), value_(value) {
  validate_header(name_, value_);
}

ParameterizedField& ParameterizedField::add(std::string_view attribute, std::string_view value) {
  require_valid_attribute(attribute);
  if (!is_printable_ascii(value)) {
    throw Failure(ErrorKind::data, "the " + std::string(attribute) + " parameter of " + name_ +
                                       " must be printable ASCII");
  }
  std::string parameter(attribute);
  parameter += '=';
  parameter += is_mime_token(value) ? std::string(value) : syntax::quoted_string(value);
  parameters_.push_back({std::move(parameter)});
  return *this;
}

ParameterizedField& ParameterizedField::add_file_name(std::string_view attribute,
                                                      std::string_view file_name) {
  require_valid_attribute(attribute);
  if (!add_plain_file_name(attribute, file_name)) {
    add_encoded_words_fallback(attribute, file_name);
    add_extended(attribute, file_name);
  }
  return *this;
}

ParameterizedField& ParameterizedField::add_legacy_file_name(std::string_view attribute,
                                                             std::string_view file_name) {
  require_valid_attribute(attribute);
  if (!add_plain_file_name(attribute, file_name)) {
    add_encoded_words_fallback(attribute, file_name);
  }
  return *this;
}

bool ParameterizedField::add_plain_file_name(std::string_view attribute,
                                             std::string_view file_name) {
  std::string plain = std::string(attribute) + "=" + syntax::quoted_string(file_name);
  if (!is_printable_ascii(file_name) || looks_like_encoded_word(file_name) ||
      plain.size() > parameter_room) {
    return false;
  }
  parameters_.push_back({std::move(plain)});
  return true;
}

// attribute="=?UTF-8?Q?...?= =?UTF-8?Q?...?=", each word short enough that it fits on a line
// with the attribute and opening quote before it, or the closing quote and ';' after it.
void ParameterizedField::add_encoded_words_fallback(std::string_view attribute,
                                                    std::string_view file_name) {
  const std::size_t opening = attribute.size() + 2;  // attribute="
  const std::size_t word_length = std::min(maximum_encoded_word_length,
                                           parameter_room > opening ? parameter_room - opening : 0);
  const std::string phrase = encode_phrase(file_name, word_length);
  Parameter words;
  std::size_t start = 0;
  while (start <= phrase.size()) {
    std::size_t end = phrase.find(' ', start);
    end = end == std::string::npos ? phrase.size() : end;
    words.push_back(phrase.substr(start, end - start));
    start = end + 1;
  }
  words.front().insert(0, std::string(attribute) + "=\"");
  words.back() += '"';
  parameters_.push_back(std::move(words));
}

// RFC 2231 §4: attribute*=UTF-8''%E2%82%AC...; when that is too long for a line, §3's
// continuations attribute*0*=UTF-8''...; attribute*1*=...; each ending at a character boundary
// so that readers that decode segment by segment see whole characters.
void ParameterizedField::add_extended(std::string_view attribute, std::string_view file_name) {
  const std::string whole = std::string(attribute) + "*=" + std::string(extended_value_prefix) +
                            percent_encode_parameter_value(file_name);
  if (whole.size() <= parameter_room) {
    parameters_.push_back({whole});
    return;
  }
  std::size_t position = 0;
  for (std::size_t index = 0; position < file_name.size(); ++index) {
    std::string segment = std::string(attribute) + "*" + std::to_string(index) + "*=";
    if (index == 0) {
      segment += extended_value_prefix;
    }
    const std::size_t segment_start = position;
    while (position < file_name.size()) {
      const std::size_t length =
          std::max<std::size_t>(1, utf8_character_length(file_name, position));
      std::string encoded;
      append_percent_encoded(file_name.substr(position, length), encoded);
      // Every segment takes at least one character, so the loop always advances.
      if (position > segment_start && segment.size() + encoded.size() > parameter_room) {
        break;
      }
      segment += encoded;
      position += length;
    }
    parameters_.push_back({std::move(segment)});
  }
}

std::string ParameterizedField::format() const {
  std::vector<std::string> lines;
  std::string line = name_ + ": " + value_;
  for (std::size_t p = 0; p < parameters_.size(); ++p) {
    const Parameter& words = parameters_[p];
    for (std::size_t w = 0; w < words.size(); ++w) {
      const bool first_word = w == 0;
      const std::string_view separator = first_word ? "; " : " ";
      // The ';' that will follow this parameter's last word must fit too.
      const std::size_t trailer = (w + 1 == words.size() && p + 1 < parameters_.size()) ? 1 : 0;
      if (line.size() + separator.size() + words[w].size() + trailer <= recommended_line_length) {
        line += separator;
        line += words[w];
        continue;
      }
      if (first_word) {
        line += ';';
      }
      lines.push_back(std::move(line));
      line = " " + words[w];
    }
  }
  lines.push_back(std::move(line));
  return join_folded_lines(name_, lines, "a parameter");
}

}  // namespace smtpsend::mime
