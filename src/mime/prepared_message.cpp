// open_prepared_message(): a complete message from a file or standard input, passed through in
// chunks without being held whole.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "mime/message.hpp"

namespace smtpsend::mime {

namespace {

// Matches the writer's chunks (message_writer_stream.hpp).
constexpr std::size_t prepared_chunk_size = std::size_t{64} * 1024;

class PreparedMessage final : public MessageStream {
 public:
  explicit PreparedMessage(const std::string& path)
      : name_(path == "-" ? std::string("standard input") : "message file '" + path + "'") {
    if (path == "-") {
      descriptor_ = STDIN_FILENO;
    } else {
      descriptor_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
      if (descriptor_ < 0) {
        throw Failure(ErrorKind::no_input,
                      "cannot open message file '" + path + "': " + std::strerror(errno));
      }
      owns_descriptor_ = true;
    }
    try {
      inspect(path == "-");
    } catch (...) {
      close_descriptor();
      throw;
    }
  }
  ~PreparedMessage() override { close_descriptor(); }
  PreparedMessage(const PreparedMessage&) = delete;
  PreparedMessage& operator=(const PreparedMessage&) = delete;

  bool next(std::string& chunk) override {
    if (finished_) {
      return false;
    }
    const std::size_t start = chunk.size();
    chunk.resize(start + prepared_chunk_size);
    const std::size_t got = read_some(chunk.data() + start, prepared_chunk_size);
    chunk.resize(start + got);
    bytes_read_ += got;
    if (got == 0) {
      finished_ = true;
      close_descriptor();
      if (size_known_ && bytes_read_ != size_) {
        throw Failure(ErrorKind::io, "the " + name_ +
                                         " changed size while it was being sent; send it again "
                                         "once it is no longer being written");
      }
      return false;
    }
    return true;
  }

  std::uint64_t size() const override { return size_known_ ? size_ : 0; }
  bool has_8bit() const override { return has_8bit_; }

 private:
  // The size of a regular file, and whether it holds 8-bit bytes, found by reading it once now
  // (in chunks, in constant memory). A pipe can be read only once: its size is unknown and it is
  // taken to hold 8-bit data, the safe assumption for the SMTP session.
  void inspect(bool is_standard_input) {
    struct stat status {};
    if (::fstat(descriptor_, &status) != 0) {
      throw Failure(ErrorKind::no_input, "cannot open the " + name_ + ": " + std::strerror(errno));
    }
    if (S_ISDIR(status.st_mode)) {
      throw Failure(ErrorKind::no_input, "cannot open the " + name_ + ": it is a directory");
    }
    if (!S_ISREG(status.st_mode)) {
      return;
    }
    const off_t start = ::lseek(descriptor_, 0, SEEK_CUR);
    if (start < 0 || start > status.st_size) {
      return;
    }
    size_known_ = true;
    size_ = static_cast<std::uint64_t>(status.st_size - start);
    if (is_standard_input) {
      return;
    }
    has_8bit_ = false;
    std::string buffer(prepared_chunk_size, '\0');
    for (std::size_t got; (got = read_some(buffer.data(), buffer.size())) > 0;) {
      if (std::any_of(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got),
                      [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        has_8bit_ = true;
        break;
      }
    }
    if (::lseek(descriptor_, start, SEEK_SET) != start) {
      throw Failure(ErrorKind::io, "cannot rewind the " + name_ + ": " + std::strerror(errno));
    }
  }

  std::size_t read_some(char* buffer, std::size_t count) {
    for (;;) {
      const ssize_t got = ::read(descriptor_, buffer, count);
      if (got >= 0) {
        return static_cast<std::size_t>(got);
      }
      if (errno != EINTR) {
        throw Failure(ErrorKind::io, "cannot read the " + name_ + ": " + std::strerror(errno));
      }
    }
  }

  void close_descriptor() {
    if (owns_descriptor_ && descriptor_ >= 0) {
      ::close(descriptor_);
    }
    owns_descriptor_ = false;
  }

  std::string name_;
  int descriptor_ = -1;
  bool owns_descriptor_ = false;
  bool size_known_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t bytes_read_ = 0;
  bool has_8bit_ = true;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<MessageStream> open_prepared_message(const std::string& path) {
  return std::make_unique<PreparedMessage>(path);
}

}  // namespace smtpsend::mime
