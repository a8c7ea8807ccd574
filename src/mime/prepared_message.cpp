// open_prepared_message(): a complete message from a file or standard input, passed through
// PreparedMessageFilter (Bcc and Resent-Bcc removed, line ends made CRLF, long lines broken, NUL
// refused) in chunks without being held whole.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/input_file.hpp"
#include "mime/message.hpp"
#include "mime/prepared_message_filter.hpp"
#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

// Read in pieces this large: the filter may turn every bare LF into CRLF, so a piece of output
// stays within the writer's 64 KiB chunks (message_writer_stream.hpp).
constexpr std::size_t prepared_read_size = std::size_t{32} * 1024;

bool is_8bit(std::string_view bytes) {
  return std::any_of(bytes.begin(), bytes.end(), syntax::is_non_ascii);
}

class PreparedMessage final : public MessageStream {
 public:
  explicit PreparedMessage(const std::string& path)
      : name_(path == "-" ? std::string("standard input") : "message file '" + path + "'"),
        message_(path == "-" ? std::string("the message on standard input")
                             : "the message file '" + path + "'"),
        buffer_(prepared_read_size, '\0') {
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
    // A piece of input may produce nothing (a Bcc field); read on until something comes or the
    // input ends. Each pass reads the file further, so this ends.
    while (chunk.size() == start && !finished_) {
      const std::size_t got = read_some(buffer_.data(), buffer_.size());
      // Thrown after part of the message was sent: the caller ends the transaction without the
      // final dot and says that the message was not sent.
      filter_naming_message(message_, "", [&] {
        if (got == 0) {
          filter_.finish(chunk);
        } else {
          filter_.add(std::string_view(buffer_.data(), got), chunk);
        }
      });
      if (got == 0) {
        finished_ = true;
        close_descriptor();
      }
    }
    produced_ += chunk.size() - start;
    if (finished_ && size_known_ && produced_ != size_) {
      throw Failure(ErrorKind::io, "the " + name_ +
                                       " changed while it was being sent; send it again once it "
                                       "is no longer being written");
    }
    return chunk.size() > start;
  }

  std::uint64_t size() const override { return size_known_ ? size_ : 0; }
  bool has_8bit() const override { return has_8bit_; }
  bool is_known_8bit() const override { return size_known_ && has_8bit_; }
  std::vector<std::string> warnings() const override {
    if (auto warning = filter_.long_lines_warning(message_)) {
      return {std::move(*warning)};
    }
    return {};
  }

 private:
  // A regular file is read once now (in pieces, in constant memory) through the same filter the
  // stream uses, to learn the exact size of what will be sent and whether it holds 8-bit bytes,
  // and to refuse a NUL byte before connecting.
  // Standard input can be read only once: its size is unknown and it is taken to hold 8-bit data,
  // the safe assumption for the SMTP session.
  void inspect(bool is_standard_input) {
    struct stat status {};
    if (::fstat(descriptor_, &status) != 0) {
      throw Failure(ErrorKind::no_input, "cannot open the " + name_ + ": " + std::strerror(errno));
    }
    if (S_ISDIR(status.st_mode)) {
      throw Failure(ErrorKind::no_input, "cannot open the " + name_ + ": it is a directory");
    }
    if (is_standard_input || !S_ISREG(status.st_mode)) {
      return;
    }
    const off_t start = ::lseek(descriptor_, 0, SEEK_CUR);
    if (start < 0) {
      return;
    }
    PreparedMessageFilter filter;
    std::string output;
    std::uint64_t size = 0;
    bool eight_bit = false;
    for (;;) {
      output.clear();
      const std::size_t got = read_some(buffer_.data(), buffer_.size());
      filter_naming_message(message_, "; nothing was sent", [&] {
        if (got == 0) {
          filter.finish(output);
        } else {
          filter.add(std::string_view(buffer_.data(), got), output);
        }
      });
      size += output.size();
      eight_bit = eight_bit || is_8bit(output);
      if (got == 0) {
        break;
      }
    }
    if (::lseek(descriptor_, start, SEEK_SET) != start) {
      throw Failure(ErrorKind::io, "cannot rewind the " + name_ + ": " + std::strerror(errno));
    }
    size_known_ = true;
    size_ = size;
    has_8bit_ = eight_bit;
  }

  std::size_t read_some(char* buffer, std::size_t count) {
    return smtpsend::read_some(descriptor_, buffer, count, "the " + name_);
  }

  void close_descriptor() {
    if (owns_descriptor_ && descriptor_ >= 0) {
      ::close(descriptor_);
    }
    owns_descriptor_ = false;
  }

  std::string name_;
  std::string message_;  // "the message file 'x'", for errors and warnings about its content
  int descriptor_ = -1;
  bool owns_descriptor_ = false;
  bool size_known_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t produced_ = 0;  // octets the stream has given out
  bool has_8bit_ = true;
  bool finished_ = false;
  std::string buffer_;  // one piece of input
  PreparedMessageFilter filter_;
};

}  // namespace

std::unique_ptr<MessageStream> open_prepared_message(const std::string& path) {
  return std::make_unique<PreparedMessage>(path);
}

}  // namespace smtpsend::mime
