#include "common/regular_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace smtpsend {

RegularFile::RegularFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid() || ::fstat(fd.get(), &status_) != 0) {
    error_ = errno;
    return;
  }
  if (!S_ISREG(status_.st_mode)) {
    not_regular_ = true;
    not_regular_fd_ = std::move(fd);
    return;
  }
  // Reads of a regular file never block; blocking mode is restored anyway so that a read loop
  // needs no EAGAIN case.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    error_ = errno;
    return;
  }
  fd_ = std::move(fd);
}

std::string RegularFile::kind() const {
  const mode_t mode = status_.st_mode;
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO (named pipe)";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  return "a special file";
}

}  // namespace smtpsend
