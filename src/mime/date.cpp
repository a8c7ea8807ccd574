#include "mime/date.hpp"

#include <fmt/format.h>

#include <ctime>
#include <string_view>

#include "common/error.hpp"

namespace smtpsend::mime {

namespace {

// RFC 5322 §3.3 day-name and month-name: fixed English abbreviations, never the locale's.
constexpr std::string_view day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::string format_date(std::chrono::system_clock::time_point when) {
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(when));
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) {
    throw Failure(ErrorKind::internal, "cannot convert the time to the local time zone");
  }
  // zone = ("+" / "-") 4DIGIT: hours and minutes east of UTC.
  const long offset_minutes = local.tm_gmtoff / 60;
  const char sign = offset_minutes < 0 ? '-' : '+';
  const long magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} {}{:02d}{:02d}",
                     day_names[local.tm_wday], local.tm_mday, month_names[local.tm_mon],
                     local.tm_year + 1900, local.tm_hour, local.tm_min, local.tm_sec, sign,
                     magnitude / 60, magnitude % 60);
}

}  // namespace smtpsend::mime
