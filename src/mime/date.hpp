#pragma once
// The Date header's value (RFC 5322 §3.3): "Sun, 22 Nov 2026 23:45:10 +0100", in the local time
// zone with its offset, English names whatever the locale.

#include <chrono>
#include <string>

namespace smtpsend::mime {

// Formats `when` in the process's local time zone (TZ, via localtime_r and tm_gmtoff). Seconds
// are truncated; an offset with seconds (historic local mean time) is truncated to minutes.
std::string format_date(std::chrono::system_clock::time_point when);

}  // namespace smtpsend::mime
