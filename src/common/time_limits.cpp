#include "common/time_limits.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/deadline.hpp"

namespace smtpsend {

using std::chrono::milliseconds;

namespace {

std::optional<milliseconds> within_bounds(std::optional<milliseconds> limit) {
  if (!limit) {
    return limit;
  }
  return std::clamp(*limit, milliseconds(0), TimeLimits::longest);
}

}  // namespace

TimeLimits::TimeLimits(std::optional<milliseconds> timeout, std::optional<milliseconds> max_time,
                       const Clock& clock)
    : timeout_(within_bounds(timeout)), max_time_(within_bounds(max_time)), clock_(&clock) {
  if (max_time_) {
    max_time_ends_ = clock.now() + *max_time_;
  }
}

milliseconds TimeLimits::lowered(milliseconds limit) const {
  return timeout_ ? std::min(limit, *timeout_) : limit;
}

milliseconds TimeLimits::close_notify() const {
  return std::min(write(), default_close_notify);
}

milliseconds TimeLimits::password_command() const {
  return max_time_ends_ ? within_max_time(longest) : default_password_command;
}

milliseconds TimeLimits::within_max_time(milliseconds limit) const {
  if (!max_time_ends_) {
    return limit;
  }
  const auto left = std::chrono::ceil<milliseconds>(*max_time_ends_ - clock_->now());
  return std::clamp(left, milliseconds(0), limit);
}

bool TimeLimits::max_time_ran_out() const {
  return max_time_ends_ && clock_->now() >= *max_time_ends_;
}

std::string TimeLimits::max_time_message() const {
  return fmt::format("gave up after --max-time {} in all",
                     describe_duration(max_time_.value_or(milliseconds(0))));
}

}  // namespace smtpsend
