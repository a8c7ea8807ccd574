#include "common/regular_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace smtpsend {

RegularFile::RegularFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    error_ = errno;
    return;
  }
  if (::fstat(fd, &status_) != 0) {
    error_ = errno;
    ::close(fd);
    return;
  }
  if (!S_ISREG(status_.st_mode)) {
    not_regular_ = true;
    ::close(fd);
    return;
  }
  // Reads of a regular file never block; blocking mode is restored anyway so that a read loop
  // needs no EAGAIN case.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    error_ = errno;
    ::close(fd);
    return;
  }
  fd_ = fd;
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

int RegularFile::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
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
