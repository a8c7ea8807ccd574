#include "app/message_spool.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "common/temporary_file.hpp"

namespace smtpsend::app {
namespace {

// Pieces as large as the driver writes at once.
constexpr std::size_t read_piece = std::size_t{64} * 1024;

constexpr std::string_view spool_purpose =
    "cannot keep a copy of the message for the recipients past the server's limit";

[[noreturn]] void spool_failure(std::string_view what) {
  throw Failure(ErrorKind::os, std::string(spool_purpose) + ": " + std::string(what) + ": " +
                                   std::strerror(errno));
}

}  // namespace

MessageSpool::MessageSpool() : fd_(create_temporary_file(spool_purpose)) {}

void MessageSpool::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written =
        ::pwrite(fd_.get(), bytes.data(), bytes.size(), static_cast<off_t>(size_));
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      spool_failure("writing the temporary file");
    }
    size_ += static_cast<std::uint64_t>(written);
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void MessageSpool::rewind() {
  read_at_ = 0;
}

bool MessageSpool::read(std::string& chunk) {
  if (read_at_ >= size_) {
    return false;
  }
  const std::size_t start = chunk.size();
  chunk.resize(start + read_piece);
  while (true) {
    const ssize_t got =
        ::pread(fd_.get(), chunk.data() + start, read_piece, static_cast<off_t>(read_at_));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      chunk.resize(start);
      if (got == 0) {
        errno = EIO;  // shorter than what was written
      }
      spool_failure("reading the temporary file");
    }
    chunk.resize(start + static_cast<std::size_t>(got));
    read_at_ += static_cast<std::uint64_t>(got);
    return true;
  }
}

}  // namespace smtpsend::app
