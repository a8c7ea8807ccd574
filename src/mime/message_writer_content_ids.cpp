#include "mime/message_writer_content_ids.hpp"

#include <algorithm>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/message_writer_files.hpp"
#include "mime/syntax_helpers.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

constexpr std::string_view cid_scheme = "cid:";
constexpr std::string_view reference_terminators = " \t\r\n\"'()<>#";
constexpr std::string_view default_content_id = "part";
// RFC 5322 §2.1.1: a line is at most 998 octets. A msg-id cannot be folded, so the ID and the
// "Content-ID: <" ">" around it must fit on one line.
constexpr std::size_t maximum_line_octets = 998;
constexpr std::size_t maximum_content_id_length =
    maximum_line_octets - std::string_view("Content-ID: <>").size();

using syntax::hex_value;
using syntax::is_ascii_alphanumeric;

// RFC 5322 §3.2.3 dot-atom-text, ASCII only.
bool is_dot_atom_text(std::string_view text) {
  return syntax::is_dot_atom_text(text, syntax::is_ascii_atext);
}

// RFC 2392 §2: "%" hex hex stands for one octet; a '%' not followed by two hex digits is kept.
std::string percent_decode(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

std::string content_id_from_file_name(std::string_view name) {
  std::string id;
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t length = std::max<std::size_t>(1, utf8_character_length(name, i));
    const char c = name[i];
    const bool keep = length == 1 && (is_ascii_alphanumeric(c) || c == '-' || c == '_' ||
                                      (c == '.' && !id.empty() && id.back() != '.'));
    id += keep ? c : '_';
    i += length;
  }
  if (id.ends_with('.')) {
    id.back() = '_';
  }
  return id.empty() ? std::string(default_content_id) : id;
}

}  // namespace

std::string content_id_of(const FilePart& part) {
  std::string_view id = part.content_id;
  if (id.empty()) {
    return content_id_from_file_name(file_name_of(part));
  }
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') {
    id = id.substr(1, id.size() - 2);
  }
  return std::string(id);
}

void validate_content_id(std::string_view id) {
  if (id.size() > maximum_content_id_length) {
    throw Failure(ErrorKind::usage, "the content ID has " + std::to_string(id.size()) +
                                        " characters, but at most " +
                                        std::to_string(maximum_content_id_length) +
                                        " fit on the Content-ID line (998 octets, RFC 5322 "
                                        "§2.1.1); give a shorter cid=");
  }
  const std::size_t at = id.find('@');
  const bool valid = at == std::string_view::npos ? is_dot_atom_text(id)
                                                  : is_dot_atom_text(id.substr(0, at)) &&
                                                        is_dot_atom_text(id.substr(at + 1));
  if (!valid) {
    throw Failure(ErrorKind::usage,
                  "invalid content ID '" + std::string(id) +
                      "'; use letters, digits and . - _ (such as logo or logo@example.com)");
  }
}

std::vector<std::string> find_content_id_references(std::string_view html) {
  std::vector<std::string> references;
  for (std::size_t position = 0; position + cid_scheme.size() <= html.size(); ++position) {
    if (!starts_with_ignoring_ascii_case(html.substr(position), cid_scheme)) {
      continue;
    }
    // RFC 3986 §3.1: letters, digits, '+', '-' and '.' continue a scheme name.
    if (position > 0) {
      const char before = html[position - 1];
      if (is_ascii_alphanumeric(before) || before == '+' || before == '-' || before == '.') {
        continue;
      }
    }
    const std::size_t start = position + cid_scheme.size();
    std::size_t end = html.find_first_of(reference_terminators, start);
    end = end == std::string_view::npos ? html.size() : end;
    std::string id = percent_decode(html.substr(start, end - start));
    if (!id.empty() && std::find(references.begin(), references.end(), id) == references.end()) {
      references.push_back(std::move(id));
    }
    position = end > position ? end - 1 : position;
  }
  return references;
}

std::vector<std::string> unresolved_content_ids(const std::string& html,
                                                const std::vector<FilePart>& inline_parts) {
  std::vector<std::string> provided;
  provided.reserve(inline_parts.size());
  for (const auto& part : inline_parts) {
    provided.push_back(content_id_of(part));
  }
  std::vector<std::string> unresolved;
  for (auto& id : find_content_id_references(html)) {
    if (std::find(provided.begin(), provided.end(), id) == provided.end()) {
      unresolved.push_back(std::move(id));
    }
  }
  return unresolved;
}

}  // namespace smtpsend::mime
