#include "trace/trace_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"

namespace smtpsend::trace {

namespace {

constexpr mode_t private_mode = S_IRUSR | S_IWUSR;

Failure cannot_write(const std::string& path, std::string_view setting, std::string_view why) {
  return Failure(ErrorKind::io,
                 fmt::format("cannot write the trace to {} '{}': {}", setting, path, why));
}

void close_quietly(int descriptor) {
  ::close(descriptor);
}

// An existing file: opened without O_CREAT or O_TRUNC, and without blocking (a FIFO with no
// reader fails with ENXIO instead of waiting for one); then looked at before anything is changed.
TraceFile open_existing(const std::string& path, std::string_view setting) {
  const int descriptor =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (descriptor < 0) {
    const int error = errno;
    throw cannot_write(path, setting,
                       error == ENXIO ? "it is a FIFO that nothing reads" : std::strerror(error));
  }
  struct stat status {};
  if (::fstat(descriptor, &status) != 0) {
    const int error = errno;
    close_quietly(descriptor);
    throw cannot_write(path, setting, std::strerror(error));
  }
  TraceFile file{descriptor, true, {}};
  if (!S_ISREG(status.st_mode)) {
    // A device or FIFO is shared with others: written to as it is, never truncated or chmod-ed.
    ::fcntl(descriptor, F_SETFL, O_WRONLY | O_APPEND);
    return file;
  }
  struct stat link_status {};
  const bool through_link =
      ::lstat(path.c_str(), &link_status) == 0 && S_ISLNK(link_status.st_mode);
  if (through_link || status.st_uid != ::geteuid()) {
    close_quietly(descriptor);
    throw cannot_write(path, setting,
                       through_link ? "it is a symbolic link to a file; name the file itself"
                                    : "the file belongs to another user; name a new file");
  }
  if (::ftruncate(descriptor, 0) != 0) {
    const int error = errno;
    close_quietly(descriptor);
    throw cannot_write(path, setting, std::strerror(error));
  }
  ::fcntl(descriptor, F_SETFL, O_WRONLY | O_APPEND);
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    file.warnings.push_back(fmt::format(
        "the trace file '{}' can be read by others (mode {:04o}) and will hold addresses and "
        "message text; chmod 600 it",
        path, status.st_mode & 07777));
  }
  return file;
}

}  // namespace

TraceFile open_trace_file(const std::string& path, std::string_view setting) {
  if (path == "-") {
    return TraceFile{STDOUT_FILENO, false, {}};
  }
  // O_EXCL: created here, or not at all; a symbolic link at the path counts as existing.
  const int created =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, private_mode);
  if (created >= 0) {
    return TraceFile{created, true, {}};
  }
  if (errno != EEXIST) {
    throw cannot_write(path, setting, std::strerror(errno));
  }
  return open_existing(path, setting);
}

}  // namespace smtpsend::trace
