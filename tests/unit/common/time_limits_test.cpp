#include "common/time_limits.hpp"

#include <gtest/gtest.h>

#include "fake_clock.hpp"

namespace smtpsend {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

TEST(TimeLimits, WithoutSettingsTheDefaultsHold) {
  const TimeLimits limits;

  EXPECT_EQ(limits.connect(), 60s);
  EXPECT_EQ(limits.write(), 3min);
  EXPECT_EQ(limits.reply(10min), 10min);
  EXPECT_EQ(limits.quit_reply(), 2s);
  EXPECT_EQ(TimeLimits::courtesy(), 2s);
  EXPECT_EQ(limits.close_notify(), 1s);
  EXPECT_EQ(limits.password_command(), 120s);
  EXPECT_EQ(limits.within_max_time(10min), 10min);
  EXPECT_FALSE(limits.max_time_ran_out());
}

TEST(TimeLimits, TimeoutLowersEveryLimitButTheCourtesyWritesAndNeverRaisesOne) {
  const TimeLimits limits(500ms, std::nullopt);

  EXPECT_EQ(limits.connect(), 500ms);
  EXPECT_EQ(limits.write(), 500ms);
  EXPECT_EQ(limits.reply(10min), 500ms);
  EXPECT_EQ(limits.quit_reply(), 500ms);
  EXPECT_EQ(limits.close_notify(), 500ms);
  EXPECT_EQ(TimeLimits::courtesy(), 2s);
  EXPECT_EQ(limits.password_command(), 120s);  // --max-time's business, not --timeout's

  const TimeLimits long_timeout(1h, std::nullopt);
  EXPECT_EQ(long_timeout.connect(), 60s);
  EXPECT_EQ(long_timeout.reply(10min), 10min);
}

TEST(TimeLimits, MaxTimeCountsFromWhenTheLimitsWereBuilt) {
  FakeClock clock;
  const TimeLimits limits(std::nullopt, 30s, clock);
  clock.advance(20s);

  EXPECT_EQ(limits.within_max_time(5min), 10s);
  EXPECT_EQ(limits.within_max_time(3s), 3s);
  EXPECT_EQ(limits.password_command(), 10s);
  EXPECT_FALSE(limits.max_time_ran_out());

  clock.advance(10s);
  EXPECT_EQ(limits.within_max_time(5min), 0ms);
  EXPECT_EQ(limits.password_command(), 0ms);
  EXPECT_TRUE(limits.max_time_ran_out());

  clock.advance(1s);
  EXPECT_EQ(limits.within_max_time(5min), 0ms);  // never negative
}

TEST(TimeLimits, MaxTimeLongerThanTheDefaultGivesThePasswordCommandAllOfIt) {
  FakeClock clock;
  const TimeLimits limits(std::nullopt, 10min, clock);

  EXPECT_EQ(limits.password_command(), 10min);
}

// Whatever reaches the limits (a config file allows 68 years; a parser may let NaN through as
// the lowest number), nothing overflows the clock's nanoseconds and no limit is negative.
TEST(TimeLimits, AHugeMaxTimeNeverRunsOutAndOverflowsNothing) {
  FakeClock clock;
  const TimeLimits limits(std::chrono::milliseconds::max(), std::chrono::milliseconds::max(),
                          clock);
  clock.advance(24h * 365 * 10);

  EXPECT_FALSE(limits.max_time_ran_out());
  EXPECT_EQ(limits.within_max_time(5min), 5min);
  EXPECT_EQ(limits.reply(10min), 10min);
  EXPECT_GT(limits.password_command(), 24h * 365 * 10);
  EXPECT_LE(limits.password_command(), TimeLimits::longest);
}

TEST(TimeLimits, ANegativeSettingCountsAsNoTimeAtAll) {
  FakeClock clock;
  const TimeLimits limits(std::chrono::milliseconds::min(), std::chrono::milliseconds::min(),
                          clock);

  EXPECT_EQ(limits.connect(), 0ms);
  EXPECT_EQ(limits.reply(10min), 0ms);
  EXPECT_EQ(limits.password_command(), 0ms);
  EXPECT_EQ(limits.within_max_time(5min), 0ms);
  EXPECT_TRUE(limits.max_time_ran_out());
}

}  // namespace
}  // namespace smtpsend
