#include "common/standard_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

namespace smtpsend {

namespace {

StandardStreamsAtStart found;  // NOLINT: written once at start, before anything reads it

bool is_closed(int descriptor) {
  return ::fcntl(descriptor, F_GETFD) == -1 && errno == EBADF;
}

}  // namespace

bool reopen_closed_standard_streams() {
  found.input_closed = is_closed(STDIN_FILENO);
  found.output_closed = is_closed(STDOUT_FILENO);
  found.error_closed = is_closed(STDERR_FILENO);
  for (const int descriptor : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (!is_closed(descriptor)) {
      continue;
    }
    // open() returns the lowest free number, which is `descriptor`: the ones below it are open.
    const int opened = ::open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY);
    if (opened != descriptor) {
      if (opened >= 0) {
        ::close(opened);
      }
      return false;
    }
  }
  return true;
}

const StandardStreamsAtStart& standard_streams_at_start() {
  return found;
}

}  // namespace smtpsend
