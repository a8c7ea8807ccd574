#pragma once
// A point in time by which one wait must end, and the poll() that waits for it: each network
// read, write, connect and handshake gets its own deadline, so a silent server can stall us for
// at most one limit per step, and so does a password command.

#include <poll.h>

#include <chrono>
#include <string>

namespace smtpsend {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Deadline(std::chrono::milliseconds limit);

  // The whole time this deadline allowed, for messages ("within 30 s").
  std::chrono::milliseconds limit() const { return limit_; }
  // What is left, rounded up to whole milliseconds so that a poll never spins on a 0 timeout.
  std::chrono::milliseconds remaining() const;
  bool expired() const { return Clock::now() >= end_; }

 private:
  std::chrono::milliseconds limit_;
  Clock::time_point end_;
};

// Waits until `fd` is ready for `events` (POLLIN or POLLOUT) or the deadline passes; returns
// false on timeout. An error or hang-up on the descriptor counts as ready: the next recv/send
// (or read) call reports it with its errno. A signal that asks the program to stop
// (common/interruption.hpp) ends the wait with Failure(temporary). Throws smtpsend::Failure (os)
// only if poll() itself fails.
bool wait_until_ready(int fd, short events, const Deadline& deadline);

// "30 s", "1.5 s", "0.2 s": a duration as a user reads it in a message.
std::string describe_duration(std::chrono::milliseconds duration);

}  // namespace smtpsend
