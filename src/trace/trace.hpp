#pragma once
// The trace sink. Every stage may write to it; it decides nothing. Formatting is skipped when
// tracing is off, so callers may call it freely on hot paths via enabled().
//
// Secrets never reach the sink: the SMTP session redacts AUTH payloads before it emits a line.
// The sink additionally escapes control bytes so a hostile server cannot rewrite the terminal.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "trace/trace_file.hpp"

namespace spdlog {
class logger;
}

namespace smtpsend::trace {

enum class Direction {
  client,  // a line we sent
  server,  // a line the server sent
  info,    // a fact: connection, TLS details, state change, timing
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual bool enabled() const = 0;
  // `line` has no line ending; `in_tls` says whether it travelled inside TLS.
  virtual void line(Direction direction, std::string_view line, bool in_tls) = 0;
  void client(std::string_view text, bool in_tls) { line(Direction::client, text, in_tls); }
  void server(std::string_view text, bool in_tls) { line(Direction::server, text, in_tls); }
  void info(std::string_view text) { line(Direction::info, text, false); }
};

// Discards everything; what the session uses when no trace was asked for.
class NullSink final : public Sink {
 public:
  bool enabled() const override { return false; }
  void line(Direction, std::string_view, bool) override {}
};

// Writes through spdlog to stderr (or a file), each line prefixed with the time since the sink was
// made and a direction marker: "<-" server, "->" client, "<~"/"~>" inside TLS, "**" info.
class SpdlogSink final : public Sink {
 public:
  // Writes to `file` (trace_file.hpp), or to stderr without one.
  explicit SpdlogSink(std::optional<TraceFile> file = std::nullopt);
  ~SpdlogSink() override;
  bool enabled() const override { return true; }
  void line(Direction direction, std::string_view line, bool in_tls) override;

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::chrono::steady_clock::time_point start_;
};

// Replaces control bytes (other than TAB) and bytes >= 0x7f outside valid UTF-8 by \xNN escapes,
// and C1 controls and bidirectional overrides by \u{NNNN}: what a server or a certificate says
// must not drive or disguise the user's terminal.
std::string escape_for_terminal(std::string_view text);

// A marker for the prefix shown for `direction` (exposed for tests).
std::string_view marker(Direction direction, bool in_tls);

}  // namespace smtpsend::trace
