#include "app/message_spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.hpp"

namespace smtpsend::app {
namespace {

// Pieces as large as the driver writes at once.
constexpr std::size_t read_piece = std::size_t{64} * 1024;

std::string temporary_directory() {
  const char* directory = std::getenv("TMPDIR");
  return directory != nullptr && *directory != '\0' ? directory : "/tmp";
}

[[noreturn]] void spool_failure(std::string_view what) {
  throw Failure(ErrorKind::os, std::string("cannot keep a copy of the message for the recipients "
                                           "past the server's limit: ") +
                                   std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

MessageSpool::MessageSpool() {
  std::string path = temporary_directory() + "/smtpsend-spool.XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  fd_.reset(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd_.valid()) {
    spool_failure(std::string("creating a temporary file in ") + temporary_directory());
  }
  ::unlink(name.data());  // gone from the directory at once: nothing is ever left behind
}

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
