#pragma once
// Opening a file that the user named for reading (-C, aliases, netrc, and through InputFile the
// message's own files) without letting what is found there block the program: a FIFO would wait
// for a writer forever, a terminal could become our controlling terminal. Only regular files are
// kept open; for anything else status() and kind() say what it was.

#include <sys/stat.h>

#include <string>
#include <utility>

#include "common/unique_fd.hpp"

namespace smtpsend {

class RegularFile {
 public:
  // Opens `path` with O_NONBLOCK | O_CLOEXEC | O_NOCTTY, checks it with fstat and, for a regular
  // file, clears O_NONBLOCK again. Never throws: see ok(), error() and not_regular().
  explicit RegularFile(const std::string& path);

  bool ok() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  // Hands the descriptor to the caller, who then closes it.
  int release() { return fd_.release(); }
  // When not_regular(): the descriptor of what was found, still O_NONBLOCK (InputFile reads a
  // pipe through it); closed with this object unless taken.
  UniqueFd take_not_regular() { return std::move(not_regular_fd_); }
  // errno of the failed open or fstat; 0 when ok() or when only not_regular() is the problem.
  int error() const { return error_; }
  bool not_regular() const { return not_regular_; }
  // What it is when not_regular(): "a FIFO (named pipe)", "a directory", "a character device"...
  std::string kind() const;
  const struct stat& status() const { return status_; }

 private:
  UniqueFd fd_;
  UniqueFd not_regular_fd_;
  int error_ = 0;
  bool not_regular_ = false;
  struct stat status_ {};
};

}  // namespace smtpsend
