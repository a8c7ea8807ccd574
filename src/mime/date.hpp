#pragma once
// The Date header's value (RFC 5322 §3.3): "Sun, 22 Nov 2026 23:45:10 +0100", in the local time
// zone with its offset, English names whatever the locale.

#include <chrono>
#include <string>
#include <string_view>

namespace smtpsend::mime {

// Formats `when` in the process's local time zone (TZ, via localtime_r and tm_gmtoff). Seconds
// are truncated; an offset with seconds (historic local mean time) is truncated to minutes.
std::string format_date(std::chrono::system_clock::time_point when);

// Whether `value` is an RFC 5322 §3.3 date-time as a Date field may be written today (none of
// §4.3's obsolete forms): an optional "Mon," then "22 Nov 2026 23:45:10 +0100", the seconds
// optional, single spaces or tabs between the parts, the day of the week (when given) the one
// that date falls on, every number in its range (a leap second, :60, allowed).
bool is_date_time(std::string_view value);

}  // namespace smtpsend::mime
