#include "common/deadline.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "common/error.hpp"
#include "common/interruption.hpp"

namespace smtpsend {

Deadline::Deadline(std::chrono::milliseconds limit) : limit_(limit), end_(Clock::now() + limit) {}

std::chrono::milliseconds Deadline::remaining() const {
  auto left = end_ - Clock::now();
  if (left <= Clock::duration::zero()) {
    return std::chrono::milliseconds::zero();
  }
  return std::chrono::ceil<std::chrono::milliseconds>(left);
}

bool wait_until_ready(int fd, short events, const Deadline& deadline) {
  // poll() can return early on a signal (EINTR); each retry waits only for what is left. A signal
  // that asks the program to stop ends the wait (common/interruption.hpp), also when it arrived
  // before the wait began.
  for (;;) {
    if (const int signal_number = interruption(); signal_number != 0) {
      throw Failure(ErrorKind::temporary, "interrupted by " + signal_name(signal_number));
    }
    auto left = deadline.remaining();
    if (left.count() == 0) {
      return false;
    }
    pollfd entry{};
    entry.fd = fd;
    entry.events = events;
    int timeout_ms = left.count() > INT_MAX ? INT_MAX : static_cast<int>(left.count());
    int rc = ::poll(&entry, 1, timeout_ms);
    if (rc > 0) {
      return true;
    }
    if (rc == 0) {
      continue;  // the loop's remaining() check decides whether this was the real end
    }
    if (errno != EINTR) {
      throw Failure(ErrorKind::os,
                    fmt::format("waiting for the network failed: poll: {}", std::strerror(errno)));
    }
  }
}

std::string describe_duration(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 1000 == 0) {
    return fmt::format("{} s", ms / 1000);
  }
  return fmt::format("{} s", static_cast<double>(ms) / 1000.0);  // shortest: "1.5", "1234.567"
}

}  // namespace smtpsend
