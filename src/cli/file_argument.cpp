#include "cli/file_argument.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/ascii.hpp"
#include "common/error.hpp"

namespace smtpsend::cli {

namespace {

// The pieces between single commas, with each ",," in them turned into one ','.
std::vector<std::string> split_pieces(std::string_view text) {
  std::vector<std::string> pieces(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ',') {
      pieces.back() += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == ',') {
      pieces.back() += ',';
      ++i;
    } else {
      pieces.emplace_back();
    }
  }
  return pieces;
}

bool is_letter(char c) {
  const char lower = ascii_lower(c);
  return lower >= 'a' && lower <= 'z';
}

// A key looks like one: a letter, then letters, digits, '-' or '_'. "v2=final" does too; a
// piece such as "=x" or "a b=c" is taken for part of the file name.
bool looks_like_key(std::string_view key) {
  return !key.empty() && is_letter(key.front()) && std::all_of(key.begin(), key.end(), [](char c) {
    return is_letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string describe_keys(const std::vector<std::string_view>& allowed_keys) {
  std::string described;
  for (std::size_t i = 0; i < allowed_keys.size(); ++i) {
    if (i > 0) {
      described += i + 1 == allowed_keys.size() ? " and " : ", ";
    }
    described += std::string(allowed_keys[i]) + "=";
  }
  return described;
}

std::string* field_for(FileArgument& argument, std::string_view key) {
  if (key == "type") {
    return &argument.media_type;
  }
  if (key == "name") {
    return &argument.name;
  }
  return key == "cid" ? &argument.content_id : nullptr;
}

bool file_exists(std::string_view path) {
  struct stat status {};
  return ::stat(std::string(path).c_str(), &status) == 0;
}

}  // namespace

FileArgument parse_file_argument(std::string_view text, std::string_view option,
                                 const std::vector<std::string_view>& allowed_keys) {
  const std::string shown = std::string(option) + " '" + std::string(text) + "'";
  FileArgument argument;
  // A file of that very name is what the user meant, whatever commas it holds.
  if (text.find(',') != std::string_view::npos && file_exists(text)) {
    argument.path = std::string(text);
    return argument;
  }
  std::vector<std::string> pieces = split_pieces(text);
  // Peel "key=value" pieces off the end; what remains, joined again, is the path.
  while (pieces.size() > 1) {
    const std::string& piece = pieces.back();
    const auto equals = piece.find('=');
    if (equals == std::string::npos || !looks_like_key(std::string_view(piece).substr(0, equals))) {
      break;
    }
    const std::string key = piece.substr(0, equals);
    std::string* field = field_for(argument, key);
    if (std::find(allowed_keys.begin(), allowed_keys.end(), key) == allowed_keys.end() ||
        field == nullptr) {
      throw Failure(ErrorKind::usage,
                    fmt::format("{}: unknown parameter {}=; {} takes {} (write a comma that is "
                                "part of the file name or a value twice: ,,)",
                                shown, key, option, describe_keys(allowed_keys)));
    }
    if (!field->empty()) {
      throw Failure(ErrorKind::usage, fmt::format("{}: {}= is given twice", shown, key));
    }
    *field = piece.substr(equals + 1);
    if (field->empty()) {
      throw Failure(ErrorKind::usage, fmt::format("{}: {}= needs a value", shown, key));
    }
    pieces.pop_back();
  }
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    argument.path += (i == 0 ? "" : ",") + pieces[i];
  }
  // "f.csv,name=a,b.csv": the comma in the value was not doubled, and the parameter became part
  // of a file name that does not exist.
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    const std::string key = pieces[i].substr(0, pieces[i].find('='));
    if (key.size() < pieces[i].size() &&
        std::find(allowed_keys.begin(), allowed_keys.end(), key) != allowed_keys.end() &&
        !file_exists(argument.path)) {
      throw Failure(ErrorKind::usage,
                    fmt::format("{0}: {1}= is followed by a piece that is no parameter; write a "
                                "comma in a value twice ({1}=a,,b) or leave it out",
                                shown, key));
    }
  }
  if (argument.path.empty()) {
    throw Failure(ErrorKind::usage, shown + " names no file");
  }
  return argument;
}

}  // namespace smtpsend::cli
