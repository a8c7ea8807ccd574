#pragma once
// The files behind inline parts and attachments: what they are called and what type they are in
// the message, and their bodies as base64 (RFC 2045 §6.8) read from the file as the stream is
// pulled, so that memory stays the same whatever the file's size.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base64.hpp"
#include "mime/message.hpp"

namespace smtpsend::mime {

// The name the recipient sees: the last component of part.file_name, else of part.path ("stdin"
// for "-", standard input), with
// '/' and '\\' both taken as separators, so that no directory travels with it. A name= that
// leaves nothing (such as "..", "/") is Failure(usage), as is a path that does. Bytes
// that are not valid UTF-8 (file names are bytes to the kernel) become U+FFFD, since the name
// is declared as UTF-8; a file name in a message is only a suggestion (RFC 2183 §2.3).
std::string file_name_of(const FilePart& part);

// part.media_type when given, checked with is_valid_media_type; else the type the file name
// implies. multipart/* and message/* are Failure(usage) when given: those types need their own
// framing and may not be base64-encoded (RFC 2046 §5.1, §5.2.1). Implied from a name ("x.eml"
// suggests message/rfc822) they become application/octet-stream instead.
std::string media_type_of(const FilePart& part);

// A file opened for reading, its size taken when it was opened, and its content as base64 lines
// on demand.
class Base64FileBody {
 public:
  // Opens `path` as common/input_file.hpp says ("-" is standard input); `what` names it in
  // messages ("attachment", "inline part"). A file that is missing, unreadable, a directory or
  // not a regular file (a named FIFO may never get a writer) is Failure(no_input, "cannot open
  // <what> '<path>': <reason>"). A procfs or sysfs file is read whole here and sent from memory;
  // a pipe (and standard input that is not a regular file) is copied to a temporary file here
  // and sent from it.
  Base64FileBody(std::string path, std::string_view what);
  ~Base64FileBody();
  Base64FileBody(Base64FileBody&& other) noexcept;
  Base64FileBody& operator=(Base64FileBody&& other) noexcept;
  Base64FileBody(const Base64FileBody&) = delete;
  Base64FileBody& operator=(const Base64FileBody&) = delete;

  std::uint64_t file_size() const { return file_size_; }
  std::uint64_t encoded_size() const { return base64_wrapped_length(file_size_); }

  // Appends more of the encoded body to `output`: whole lines, about `room` octets of them, and
  // the last line (at most 78 octets more) when the file ends. Returns true when the body is
  // complete (and the file closed). Throws Failure(io) when reading fails or the file's size
  // changed since it was opened, since the message would not match what was announced.
  bool append_encoded(std::string& output, std::size_t room);

 private:
  std::size_t read_fully(char* buffer, std::size_t count);
  bool append_encoded_from_memory(std::string& output, std::size_t room);
  void close_file();

  std::string path_;
  std::string what_;
  int descriptor_ = -1;
  std::uint64_t file_size_ = 0;
  std::uint64_t bytes_read_ = 0;
  bool in_memory_ = false;  // the whole content is in buffer_ (procfs, sysfs)
  Base64LineEncoder encoder_;
  std::string buffer_;
};

}  // namespace smtpsend::mime
