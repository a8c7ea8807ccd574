#include "cli/file_argument.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace smtpsend::cli {

namespace {

void assign(FileArgument& argument, std::string_view key, std::string value) {
  if (key == "type") {
    argument.media_type = std::move(value);
  } else if (key == "name") {
    argument.name = std::move(value);
  } else if (key == "cid") {
    argument.content_id = std::move(value);
  }
}

}  // namespace

FileArgument parse_file_argument(std::string_view text, std::string_view option,
                                 const std::vector<std::string_view>& allowed_keys) {
  FileArgument argument;
  std::string_view rest = text;
  // Peel recognized ",key=value" pieces off the end; what remains is the path.
  while (true) {
    const auto comma = rest.rfind(',');
    if (comma == std::string_view::npos) {
      break;
    }
    const std::string_view piece = rest.substr(comma + 1);
    const auto equals = piece.find('=');
    if (equals == std::string_view::npos) {
      break;
    }
    const std::string_view key = piece.substr(0, equals);
    if (std::find(allowed_keys.begin(), allowed_keys.end(), key) == allowed_keys.end()) {
      break;
    }
    const std::string_view value = piece.substr(equals + 1);
    if (value.empty()) {
      throw Failure(ErrorKind::usage, std::string(option) + " '" + std::string(text) +
                                          "': " + std::string(key) + "= needs a value");
    }
    assign(argument, key, std::string(value));
    rest = rest.substr(0, comma);
  }
  if (rest.empty()) {
    throw Failure(ErrorKind::usage,
                  std::string(option) + " '" + std::string(text) + "' names no file");
  }
  argument.path = std::string(rest);
  return argument;
}

}  // namespace smtpsend::cli
