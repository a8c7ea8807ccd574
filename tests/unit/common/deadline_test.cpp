#include "common/deadline.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/unique_fd.hpp"

namespace smtpsend {
namespace {

using namespace std::chrono_literals;

TEST(Deadline, DescribesDurationsAsAUserReadsThem) {
  EXPECT_EQ(describe_duration(30000ms), "30 s");
  EXPECT_EQ(describe_duration(1500ms), "1.5 s");
  EXPECT_EQ(describe_duration(200ms), "0.2 s");
  EXPECT_EQ(describe_duration(1234567ms), "1234.567 s");
}

TEST(Deadline, RemainingNeverGoesBelowZero) {
  Deadline deadline(0ms);
  EXPECT_TRUE(deadline.expired());
  EXPECT_EQ(deadline.remaining(), 0ms);
  EXPECT_EQ(deadline.limit(), 0ms);
}

TEST(Deadline, WaitReturnsAtOnceWhenDataIsThere) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd reader(fds[0]);
  UniqueFd writer(fds[1]);
  ASSERT_EQ(::write(writer.get(), "x", 1), 1);

  EXPECT_TRUE(wait_until_ready(reader.get(), POLLIN, Deadline(5000ms)));
}

TEST(Deadline, WaitGivesUpWhenTheDeadlinePasses) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd reader(fds[0]);
  UniqueFd writer(fds[1]);

  auto started = Deadline::Clock::now();
  EXPECT_FALSE(wait_until_ready(reader.get(), POLLIN, Deadline(50ms)));
  EXPECT_GE(Deadline::Clock::now() - started, 45ms);
}

}  // namespace
}  // namespace smtpsend
