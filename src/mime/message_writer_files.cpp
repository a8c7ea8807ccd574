#include "mime/message_writer_files.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/input_file.hpp"
#include "mime/media_types.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

// A 76-character base64 line (RFC 2045 §6.8) is 78 octets with its CRLF.
constexpr std::size_t base64_line_octets = base64_line_length + 2;

// U+FFFD REPLACEMENT CHARACTER, for bytes of a file name that are not UTF-8.
constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

bool has_type(std::string_view media_type, std::string_view type) {
  if (media_type.size() <= type.size() || media_type[type.size()] != '/') {
    return false;
  }
  return starts_with_ignoring_ascii_case(media_type, type);
}

// The last component of `path`, taking both '/' and Windows' '\\' as separators: a reader may
// save the part under this name (RFC 2183 §2.3 asks it to keep only the last component; not all
// do), so no directory may travel with it. "." and ".." name no file.
std::string_view base_name(std::string_view path) {
  constexpr std::string_view separators = "/\\";
  while (!path.empty() && separators.find(path.back()) != std::string_view::npos) {
    path.remove_suffix(1);
  }
  if (const auto last = path.find_last_of(separators); last != std::string_view::npos) {
    path.remove_prefix(last + 1);
  }
  return path == "." || path == ".." ? std::string_view() : path;
}

bool needs_own_framing(std::string_view media_type) {
  return has_type(media_type, "multipart") || has_type(media_type, "message");
}

}  // namespace

std::string file_name_of(const FilePart& part) {
  std::string_view name = base_name(part.file_name);
  if (name.empty() && !part.file_name.empty()) {
    throw Failure(ErrorKind::usage, "name='" + part.file_name +
                                        "' leaves no file name once its directory parts are "
                                        "removed; give a plain name such as name=report.pdf");
  }
  if (name.empty()) {
    // Standard input gets the name /dev/stdin would give it.
    name = part.path == standard_input_name ? "stdin" : base_name(part.path);
  }
  if (name.empty()) {
    throw Failure(ErrorKind::usage, "'" + part.path +
                                        "' has no file name to show once its directory parts "
                                        "are removed; give one with name=");
  }
  std::string valid;
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t length = utf8_character_length(name, i);
    if (length == 0) {
      valid += replacement_character;
      ++i;
    } else {
      valid += name.substr(i, length);
      i += length;
    }
  }
  return valid;
}

std::string media_type_of(const FilePart& part) {
  if (part.media_type.empty()) {
    std::string implied = media_type_for(file_name_of(part));
    return needs_own_framing(implied) ? std::string(default_media_type) : implied;
  }
  if (!is_valid_media_type(part.media_type)) {
    throw Failure(ErrorKind::usage, "invalid media type '" + part.media_type + "' for '" +
                                        part.path +
                                        "'; give it as type/subtype, such as application/pdf");
  }
  if (needs_own_framing(part.media_type)) {
    throw Failure(ErrorKind::usage,
                  "media type '" + part.media_type + "' for '" + part.path +
                      "' cannot be used for a file part (multipart and message types need their "
                      "own structure); use application/octet-stream or leave the type out");
  }
  return part.media_type;
}

Base64FileBody::Base64FileBody(std::string path, std::string_view what)
    : path_(std::move(path)), what_(what) {
  InputFile file =
      path_ == standard_input_name ? InputFile::standard_input(what_) : InputFile(path_, what_);
  file_size_ = file.size();
  if (file.is_in_memory()) {
    // procfs and sysfs files: read whole now (they are small), so that what is sent is what
    // was counted.
    buffer_ = std::move(file.content());
    in_memory_ = true;
  } else {
    descriptor_ = file.release_descriptor();
  }
}

Base64FileBody::~Base64FileBody() {
  close_file();
}

Base64FileBody::Base64FileBody(Base64FileBody&& other) noexcept
    : path_(std::move(other.path_)),
      what_(std::move(other.what_)),
      descriptor_(std::exchange(other.descriptor_, -1)),
      file_size_(other.file_size_),
      bytes_read_(other.bytes_read_),
      in_memory_(other.in_memory_),
      encoder_(other.encoder_),
      buffer_(std::move(other.buffer_)) {}

Base64FileBody& Base64FileBody::operator=(Base64FileBody&& other) noexcept {
  if (this != &other) {
    close_file();
    path_ = std::move(other.path_);
    what_ = std::move(other.what_);
    descriptor_ = std::exchange(other.descriptor_, -1);
    file_size_ = other.file_size_;
    bytes_read_ = other.bytes_read_;
    in_memory_ = other.in_memory_;
    encoder_ = other.encoder_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

void Base64FileBody::close_file() {
  if (descriptor_ >= 0) {
    ::close(descriptor_);
    descriptor_ = -1;
  }
}

std::size_t Base64FileBody::read_fully(char* buffer, std::size_t count) {
  std::size_t total = 0;
  while (total < count) {
    const ssize_t got = ::read(descriptor_, buffer + total, count - total);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      throw Failure(ErrorKind::io,
                    "cannot read " + what_ + " '" + path_ + "': " + std::strerror(errno));
    }
    if (got == 0) {
      break;
    }
    total += static_cast<std::size_t>(got);
  }
  return total;
}

bool Base64FileBody::append_encoded(std::string& output, std::size_t room) {
  if (in_memory_) {
    return append_encoded_from_memory(output, room);
  }
  if (descriptor_ < 0) {
    return true;
  }
  const std::uint64_t remaining = file_size_ - bytes_read_;
  // Whole lines only, so that every piece but the last leaves the encoder with nothing pending.
  const std::size_t wanted = static_cast<std::size_t>(
      std::min<std::uint64_t>(remaining, room / base64_line_octets * base64_line_input_octets));
  if (wanted > 0) {
    buffer_.resize(wanted);
    const std::size_t got = read_fully(buffer_.data(), wanted);
    if (got < wanted) {
      throw Failure(ErrorKind::io, "the " + what_ + " '" + path_ +
                                       "' became shorter while it was being sent; send the "
                                       "message again once the file is no longer being written");
    }
    bytes_read_ += got;
    encoder_.feed(std::string_view(buffer_.data(), got), output);
  }
  if (bytes_read_ < file_size_) {
    return false;
  }
  char extra = 0;
  if (read_fully(&extra, 1) != 0) {
    throw Failure(ErrorKind::io, "the " + what_ + " '" + path_ +
                                     "' grew while it was being sent; send the message again "
                                     "once the file is no longer being written");
  }
  encoder_.finish(output);
  close_file();
  std::string().swap(buffer_);
  return true;
}

bool Base64FileBody::append_encoded_from_memory(std::string& output, std::size_t room) {
  const std::size_t remaining = buffer_.size() - static_cast<std::size_t>(bytes_read_);
  const std::size_t wanted =
      std::min(remaining, room / base64_line_octets * base64_line_input_octets);
  encoder_.feed(std::string_view(buffer_).substr(static_cast<std::size_t>(bytes_read_), wanted),
                output);
  bytes_read_ += wanted;
  if (bytes_read_ < file_size_) {
    return false;
  }
  encoder_.finish(output);
  in_memory_ = false;
  std::string().swap(buffer_);
  return true;
}

}  // namespace smtpsend::mime
