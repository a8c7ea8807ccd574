#pragma once
// A clock that moves only when a test moves it: time limits of minutes are tested in
// microseconds, and exactly.

#include <chrono>

#include "common/clock.hpp"

namespace smtpsend::testing {

class FakeClock final : public Clock {
 public:
  time_point now() const override { return now_; }
  void advance(std::chrono::milliseconds by) { now_ += by; }
  void set(time_point to) { now_ = to; }

 private:
  // Far from the steady clock's epoch, so that nothing computed from it goes below zero.
  time_point now_ = time_point{} + std::chrono::hours(1000);
};

}  // namespace smtpsend::testing
