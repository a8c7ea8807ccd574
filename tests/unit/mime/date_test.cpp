#include "mime/date.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <clocale>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace smtpsend::mime {
namespace {

// Sets TZ for one test and puts the previous value back afterwards. POSIX TZ strings are used so
// the tests do not depend on the time-zone database; note their inverted sign ("X-1" is UTC+1).
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* previous = std::getenv("TZ")) {
      previous_ = previous;
    }
    setenv("TZ", zone, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (previous_) {
      setenv("TZ", previous_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

 private:
  std::optional<std::string> previous_;
};

std::chrono::system_clock::time_point at(std::int64_t seconds_since_epoch) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds_since_epoch));
}

constexpr std::int64_t november_22_2026_224510_utc = 1795387510;
constexpr std::int64_t march_1_2026_030405_utc = 1772334245;

TEST(FormatDate, PositiveOffset) {
  ScopedTimeZone zone("CET-1");
  EXPECT_EQ(format_date(at(november_22_2026_224510_utc)), "Sun, 22 Nov 2026 23:45:10 +0100");
}

TEST(FormatDate, NegativeOffsetCanChangeTheDay) {
  ScopedTimeZone zone("EST5");
  EXPECT_EQ(format_date(at(november_22_2026_224510_utc)), "Sun, 22 Nov 2026 17:45:10 -0500");
  EXPECT_EQ(format_date(at(march_1_2026_030405_utc)), "Sat, 28 Feb 2026 22:04:05 -0500");
}

TEST(FormatDate, HalfHourOffsets) {
  {
    ScopedTimeZone zone("IST-5:30");
    EXPECT_EQ(format_date(at(march_1_2026_030405_utc)), "Sun, 01 Mar 2026 08:34:05 +0530");
  }
  {
    ScopedTimeZone zone("NST3:30");
    EXPECT_EQ(format_date(at(march_1_2026_030405_utc)), "Sat, 28 Feb 2026 23:34:05 -0330");
  }
}

TEST(FormatDate, UtcIsPlusZero) {
  ScopedTimeZone zone("UTC0");
  EXPECT_EQ(format_date(at(0)), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(FormatDate, SubSecondsAreTruncated) {
  ScopedTimeZone zone("UTC0");
  EXPECT_EQ(format_date(at(november_22_2026_224510_utc) + std::chrono::milliseconds(999)),
            "Sun, 22 Nov 2026 22:45:10 +0000");
}

TEST(FormatDate, NamesAreEnglishWhateverTheLocale) {
  ScopedTimeZone zone("UTC0");
  std::setlocale(LC_TIME, "de_DE.UTF-8");  // may not exist; the names must not depend on it
  const std::string date = format_date(at(march_1_2026_030405_utc));
  std::setlocale(LC_TIME, "C");
  EXPECT_EQ(date, "Sun, 01 Mar 2026 03:04:05 +0000");
}

}  // namespace
}  // namespace smtpsend::mime
