#include "mime/date.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <string_view>
#include <vector>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

// RFC 5322 §3.3 day-name and month-name: fixed English abbreviations, never the locale's.
constexpr std::string_view day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The parts of a date-time between runs of spaces and tabs (RFC 5322 FWS, unfolded).
std::vector<std::string_view> split_at_whitespace(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start < text.size()) {
    if (syntax::is_wsp(text[start])) {
      ++start;
      continue;
    }
    std::size_t end = start;
    while (end < text.size() && !syntax::is_wsp(text[end])) {
      ++end;
    }
    parts.push_back(text.substr(start, end - start));
    start = end;
  }
  return parts;
}

// `text` is `minimum` to `maximum` digits; `value` gets their number.
bool read_number(std::string_view text, std::size_t minimum, std::size_t maximum, int& value) {
  if (text.size() < minimum || text.size() > maximum ||
      !std::all_of(text.begin(), text.end(), syntax::is_ascii_digit)) {
    return false;
  }
  value = 0;
  for (const char c : text) {
    value = value * 10 + (c - '0');
  }
  return true;
}

// Index of `name` in `names` (ABNF strings match in any case), or -1.
template <std::size_t count>
int index_of(std::string_view name, const std::string_view (&names)[count]) {
  for (std::size_t i = 0; i < count; ++i) {
    if (equals_ignoring_ascii_case(name, names[i])) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// time-of-day = hour ":" minute [ ":" second ], two digits each.
bool is_time_of_day(std::string_view text) {
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (text.size() != 5 && text.size() != 8) {
    return false;
  }
  if (text[2] != ':' || (text.size() == 8 && text[5] != ':')) {
    return false;
  }
  return read_number(text.substr(0, 2), 2, 2, hour) && hour <= 23 &&
         read_number(text.substr(3, 2), 2, 2, minute) && minute <= 59 &&
         (text.size() == 5 || (read_number(text.substr(6, 2), 2, 2, second) && second <= 60));
}

// zone = ("+" / "-") 4DIGIT.
bool is_zone(std::string_view text) {
  int hours = 0;
  int minutes = 0;
  return text.size() == 5 && (text[0] == '+' || text[0] == '-') &&
         read_number(text.substr(1, 2), 2, 2, hours) &&
         read_number(text.substr(3, 2), 2, 2, minutes) && minutes <= 59;
}

// What may follow the zone: nothing, or one comment such as "(CET)" (CFWS).
bool is_trailing_comment(const std::vector<std::string_view>& parts, std::size_t from) {
  if (from == parts.size()) {
    return true;
  }
  return parts[from].front() == '(' && parts.back().back() == ')';
}

}  // namespace

bool is_date_time(std::string_view value) {
  std::vector<std::string_view> parts = split_at_whitespace(value);
  int weekday = -1;
  // day-of-week "," may touch the day that follows ("Mon,22 Nov ...").
  if (!parts.empty() && !parts[0].empty() && !syntax::is_ascii_digit(parts[0][0])) {
    const auto comma = parts[0].find(',');
    if (comma == std::string_view::npos) {
      return false;
    }
    weekday = index_of(parts[0].substr(0, comma), day_names);
    if (weekday < 0) {
      return false;
    }
    const std::string_view rest = parts[0].substr(comma + 1);
    if (rest.empty()) {
      parts.erase(parts.begin());
    } else {
      parts[0] = rest;
    }
  }
  int day = 0;
  int year = 0;
  if (parts.size() < 5 || !read_number(parts[0], 1, 2, day) || !read_number(parts[2], 4, 4, year) ||
      year < 1900 || !is_time_of_day(parts[3]) || !is_zone(parts[4]) ||
      !is_trailing_comment(parts, 5)) {
    return false;
  }
  const int month = index_of(parts[1], month_names);
  if (month < 0) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month + 1)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) {
    return false;
  }
  return weekday < 0 || std::chrono::weekday{std::chrono::sys_days{date}}.c_encoding() ==
                            static_cast<unsigned>(weekday);
}

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
