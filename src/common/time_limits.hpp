#pragma once
// Every time limit of one run, in one value: built once from the settings (--timeout,
// --max-time), then handed to the password command, the transport and the driver, which each
// take the limits they need from it. The RFC 5321 §4.5.3.2 limit for each reply stays in the
// session, which knows what it awaits; this value lowers it (--timeout) and bounds it
// (--max-time).

#include <chrono>
#include <optional>
#include <string>

#include "common/clock.hpp"

namespace smtpsend {

class TimeLimits {
 public:
  using milliseconds = std::chrono::milliseconds;

  // A minute to connect to one address, or to finish the TLS handshake.
  static constexpr milliseconds default_connect{60'000};
  // RFC 5321 §4.5.3.2.5: 3 minutes for each write (the server's TCP window to open again).
  static constexpr milliseconds default_write{180'000};
  // Once the outcome is decided (the message accepted, or an error), QUIT and its reply, and a
  // parting reply after a failed write, are a courtesy: a server that never answers them, or
  // never reads, must not hold the program up.
  static constexpr milliseconds courtesy_limit{2'000};
  // How long close() waits to hand over TLS close_notify: enough for a live server, short enough
  // that a dead one does not hold up the exit after the mail was accepted.
  static constexpr milliseconds default_close_notify{1'000};
  // Without --max-time a password command still ends: long enough to type a GPG passphrase into
  // pinentry, short enough that a hung secret store does not hold a cron job forever.
  static constexpr milliseconds default_password_command{120'000};
  // The longest limit kept: the config file's bound (2^31 - 1 seconds, 68 years). Longer ones
  // are cut to it, so that the end point on the steady clock's nanoseconds cannot overflow.
  static constexpr milliseconds longest{std::chrono::seconds(2'147'483'647)};

  // The protocol's limits, no --timeout, no --max-time, the steady clock.
  TimeLimits() = default;
  // `timeout` (--timeout) lowers every limit, never raises one; `max_time` (--max-time) bounds
  // the whole run, counted from now on `clock`, which outlives this value. Each is kept within
  // 0 and `longest`.
  TimeLimits(std::optional<milliseconds> timeout, std::optional<milliseconds> max_time,
             const Clock& clock = steady_clock());

  const Clock& clock() const { return *clock_; }
  const std::optional<milliseconds>& timeout() const { return timeout_; }
  const std::optional<milliseconds>& max_time() const { return max_time_; }

  // Each connect attempt, and the TLS handshake.
  milliseconds connect() const { return lowered(default_connect); }
  // Each write, and a read given no limit of its own.
  milliseconds write() const { return lowered(default_write); }
  // A reply the protocol gives `protocol_limit` (the session's RFC 5321 §4.5.3.2 table).
  milliseconds reply(milliseconds protocol_limit) const { return lowered(protocol_limit); }
  // QUIT's reply after the outcome is decided.
  milliseconds quit_reply() const { return lowered(courtesy_limit); }
  // Writing QUIT, or reading a parting reply, once the outcome is decided: not lowered.
  static milliseconds courtesy() { return courtesy_limit; }
  // TLS close_notify, never longer than a write.
  milliseconds close_notify() const;
  // A password command: what --max-time leaves, else default_password_command.
  milliseconds password_command() const;

  // `limit`, or less when --max-time ends sooner (never negative).
  milliseconds within_max_time(milliseconds limit) const;
  // True once --max-time has run out.
  bool max_time_ran_out() const;
  // What a step cut short by --max-time says: "gave up after --max-time 30 s in all".
  std::string max_time_message() const;

 private:
  milliseconds lowered(milliseconds limit) const;

  std::optional<milliseconds> timeout_;
  std::optional<milliseconds> max_time_;
  std::optional<Clock::time_point> max_time_ends_;
  const Clock* clock_ = &steady_clock();
};

}  // namespace smtpsend
