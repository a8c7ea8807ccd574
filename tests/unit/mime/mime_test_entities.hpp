#pragma once
// For the MIME writer's tests: a small, strict reader of the messages it writes (RFC 2045 header
// fields, RFC 2046 §5.1.1 multipart bodies), temporary directories, and draining a stream.

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mime/message.hpp"
#include "mime_test_decoders.hpp"

namespace smtpsend::mime::testing {

inline std::string lower_case(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// One entity: its header fields (unfolded, in order), its raw body and, for a multipart, its
// parts.
struct Entity {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  std::vector<Entity> parts;

  // The unfolded value of the first field of that name (any case), or "" when there is none.
  std::string field(std::string_view name) const {
    for (const auto& [field_name, value] : fields) {
      if (lower_case(field_name) == lower_case(name)) {
        return value;
      }
    }
    return {};
  }
  // "text/plain" from "text/plain; charset=UTF-8".
  std::string media_type() const {
    const std::string type = field("Content-Type");
    return lower_case(type.substr(0, type.find(';')));
  }
  // The media types of the tree: "multipart/mixed[text/plain,application/pdf]".
  std::string structure() const {
    std::string text = media_type();
    if (!parts.empty()) {
      text += '[';
      for (std::size_t i = 0; i < parts.size(); ++i) {
        text += (i > 0 ? "," : "") + parts[i].structure();
      }
      text += ']';
    }
    return text;
  }
  // The body with its transfer encoding undone.
  std::string decoded_body() const {
    const std::string encoding = lower_case(field("Content-Transfer-Encoding"));
    if (encoding == "base64") {
      std::string joined;
      for (const auto& line : split_crlf_lines(body)) {
        if (line.size() > 76) {
          throw std::invalid_argument("base64 line longer than 76 characters");
        }
        joined += line;
      }
      return decode_base64(joined);
    }
    if (encoding == "quoted-printable") {
      return decode_quoted_printable(body);
    }
    return body;
  }
};

// The value of parameter `name` in a header field value (token or simple quoted string).
inline std::string parameter(std::string_view value, std::string_view name) {
  const std::string key = lower_case(name) + "=";
  const std::string lower = lower_case(value);
  std::size_t position = 0;
  while ((position = lower.find(key, position)) != std::string::npos) {
    if (position > 0 && (lower[position - 1] == ' ' || lower[position - 1] == ';')) {
      break;
    }
    position += key.size();
  }
  if (position == std::string::npos) {
    return {};
  }
  std::string_view rest = value.substr(position + key.size());
  if (rest.starts_with('"')) {
    return std::string(rest.substr(1, rest.find('"', 1) - 1));
  }
  return std::string(rest.substr(0, rest.find_first_of("; ")));
}

inline Entity parse_entity(std::string_view text) {
  Entity entity;
  const std::size_t header_end = text.starts_with("\r\n") ? 0 : text.find("\r\n\r\n");
  if (header_end == std::string_view::npos) {
    throw std::invalid_argument("no blank line after the header fields");
  }
  const std::string_view header =
      header_end == 0 ? std::string_view() : text.substr(0, header_end + 2);
  entity.body = std::string(text.substr(header_end == 0 ? 2 : header_end + 4));
  for (const auto& line : split_crlf_lines(header)) {
    if (line.size() > 78) {
      throw std::invalid_argument("header line longer than 78 characters: " + line);
    }
    if (line.starts_with(" ") || line.starts_with("\t")) {
      if (entity.fields.empty()) {
        throw std::invalid_argument("continuation line before any field");
      }
      entity.fields.back().second += line;
    } else {
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos || colon + 1 >= line.size() || line[colon + 1] != ' ') {
        throw std::invalid_argument("not a header field: " + line);
      }
      entity.fields.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
  }
  if (!entity.media_type().starts_with("multipart/")) {
    return entity;
  }
  const std::string boundary = parameter(entity.field("Content-Type"), "boundary");
  if (boundary.empty()) {
    throw std::invalid_argument("multipart without a boundary");
  }
  const std::string delimiter = "--" + boundary;
  std::string_view body = entity.body;
  if (!body.starts_with(delimiter + "\r\n")) {
    throw std::invalid_argument("multipart body does not start with its delimiter");
  }
  std::size_t part_start = delimiter.size() + 2;
  for (;;) {
    const std::size_t next = body.find("\r\n" + delimiter, part_start);
    if (next == std::string_view::npos) {
      throw std::invalid_argument("multipart without a close delimiter");
    }
    entity.parts.push_back(parse_entity(body.substr(part_start, next - part_start)));
    const std::size_t after = next + 2 + delimiter.size();
    if (body.substr(after) == "--\r\n") {
      break;
    }
    if (body.substr(after, 2) != "\r\n") {
      throw std::invalid_argument("delimiter line has trailing text");
    }
    part_start = after + 2;
  }
  return entity;
}

// Pulls the whole stream; `largest_chunk` (when given) receives the largest single append.
inline std::string drain(MessageStream& stream, std::size_t* largest_chunk = nullptr) {
  std::string message;
  for (int calls = 0; calls < 10'000'000; ++calls) {
    const std::size_t before = message.size();
    if (!stream.next(message)) {
      if (message.size() != before) {
        throw std::logic_error("next() returned false after appending");
      }
      return message;
    }
    if (largest_chunk != nullptr) {
      *largest_chunk = std::max(*largest_chunk, message.size() - before);
    }
  }
  throw std::logic_error("the stream does not end");
}

// A directory of its own for one test, removed with everything in it afterwards.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "smtpsend-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a temporary directory");
    }
    path_ = pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  // Writes `content` to a file of that name in the directory and returns its path.
  std::string write(const std::string& name, std::string_view content) const {
    const std::string file_path = (path_ / name).string();
    std::ofstream file(file_path, std::ios::binary);
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!file) {
      throw std::runtime_error("cannot write " + file_path);
    }
    return file_path;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace smtpsend::mime::testing
