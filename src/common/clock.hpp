#pragma once
// What time it is, behind a small interface: the driver's time-keeping asks a Clock, so that its
// tests run a ten-minute dialog on a fake clock without sleeping
// (tests/unit/common/fake_clock.hpp).

#include <chrono>

namespace smtpsend {

class Clock {
 public:
  // Points on the steady clock's line: a fake clock moves along the same line, by hand.
  using time_point = std::chrono::steady_clock::time_point;

  Clock() = default;
  virtual ~Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  Clock(Clock&&) = delete;
  Clock& operator=(Clock&&) = delete;

  virtual time_point now() const = 0;
};

// The real clock: std::chrono::steady_clock, which no change of the system's time moves.
const Clock& steady_clock();

}  // namespace smtpsend
