#pragma once
// A server as a script on a fake clock, behind the driver's net::Transport: the driver's time
// limits are tested in milliseconds, without a network and without sleeping.
//
// Each step of the script happens `delay` after the client has written `after` ("" = at once) and
// the step before it has happened: bytes arrive, the server closes, the connection is reset, or
// the next read times out in a lower layer. A read finds what has arrived by now on the clock;
// when nothing has, it waits on the fake clock, as net/socket_io.cpp waits in poll(): up to the
// next step if that comes within the read's limit, else for the whole limit, and then throws the
// transport's own timeout Failure. As over a socket, the end of the stream stays: once the server
// has closed, every read returns 0 at once; a reset is reported by one read, after which reads
// return 0 and writes fail. Writes take no time; they are recorded, and one can be made to fail as
// a broken connection does.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../common/fake_clock.hpp"
#include "common/deadline.hpp"
#include "common/error.hpp"
#include "common/time_limits.hpp"
#include "net/socket_io.hpp"
#include "net/transport.hpp"

namespace smtpsend::testing {

class FakeTransport final : public net::Transport {
 public:
  using milliseconds = std::chrono::milliseconds;

  struct Write {
    Clock::time_point at;
    std::string bytes;
    std::optional<milliseconds> limit;  // none: the transport's write limit
  };

  explicit FakeTransport(FakeClock& clock) : clock_(clock) {}

  // The server sends `bytes`, all at once.
  FakeTransport& send(std::string after, std::string bytes, milliseconds delay = milliseconds(0)) {
    return add(Step{Kind::bytes, std::move(after), delay, std::move(bytes)});
  }
  // The server sends `bytes` one byte every `interval`, the first `interval` after `after`.
  FakeTransport& trickle(std::string after, std::string_view bytes, milliseconds interval) {
    for (const char byte : bytes) {
      send(std::exchange(after, {}), std::string(1, byte), interval);
    }
    return *this;
  }
  // The server closes the connection: every read from then on returns 0.
  FakeTransport& hang_up(std::string after, milliseconds delay = milliseconds(0)) {
    return add(Step{Kind::hang_up, std::move(after), delay, {}});
  }
  // The connection is reset: a read fails as lost, later reads return 0, writes fail.
  FakeTransport& reset(std::string after, milliseconds delay = milliseconds(0)) {
    return add(Step{Kind::reset, std::move(after), delay, {}});
  }
  // The next read times out at once, whatever its limit, as a lower layer's own limit would.
  FakeTransport& read_timeout(std::string after, milliseconds delay = milliseconds(0)) {
    return add(Step{Kind::read_timeout, std::move(after), delay, {}});
  }
  // The first write that contains `containing` fails: the server has gone.
  FakeTransport& fail_write(std::string containing) {
    failing_write_ = std::move(containing);
    return *this;
  }

  void write(std::string_view bytes) override { record(bytes, std::nullopt); }
  void write(std::string_view bytes, milliseconds limit) override { record(bytes, limit); }

  std::size_t read(char* buffer, std::size_t size) override {
    return read(buffer, size, TimeLimits().write());
  }

  std::size_t read(char* buffer, std::size_t size, milliseconds limit) override {
    if (closed) {
      throw Failure(ErrorKind::io, "the connection to the fake server is closed");
    }
    read_limits.push_back(limit);
    const Clock::time_point gives_up = clock_.now() + limit;
    while (true) {
      take_arrived();
      if (!arrived_.empty()) {
        const std::size_t n =
            std::min({size, arrived_.size(), piece == 0 ? arrived_.size() : piece});
        std::memcpy(buffer, arrived_.data(), n);
        arrived_.erase(0, n);
        return n;
      }
      if (fault_) {
        switch (*fault_) {
          case Kind::hang_up:
            return 0;  // the end of the stream stays, as recv() finds it again and again
          case Kind::reset:
            fault_ = Kind::hang_up;  // the error is reported once; then recv() finds the end
            throw Failure(ErrorKind::io,
                          std::string("lost the connection to the server while receiving: ") +
                              std::strerror(ECONNRESET));
          default:
            fault_.reset();
            throw Failure(ErrorKind::temporary, net::read_timeout_message(Deadline(limit)));
        }
      }
      const std::optional<Clock::time_point> next = next_arrival();
      if (!next || *next > gives_up) {
        clock_.set(std::max(clock_.now(), gives_up));
        throw Failure(ErrorKind::temporary, net::read_timeout_message(Deadline(limit)));
      }
      clock_.set(*next);
    }
  }

  void start_tls() override { throw Failure(ErrorKind::internal, "no TLS on the fake transport"); }
  bool tls_active() const override { return false; }
  void close() override {
    if (!closed) {
      closed = true;
      closed_at = clock_.now();
    }
  }

  // All the client wrote, in order.
  std::string written() const {
    std::string all;
    for (const Write& write : writes) {
      all += write.bytes;
    }
    return all;
  }

  std::size_t piece = 0;  // at most this many bytes per read (0: all that has arrived)
  std::vector<Write> writes;
  std::vector<milliseconds> read_limits;  // the limit of each read, in order
  bool closed = false;
  Clock::time_point closed_at{};

 private:
  enum class Kind { bytes, hang_up, reset, read_timeout };
  struct Step {
    Kind kind;
    std::string after;
    milliseconds delay;
    std::string bytes;
    std::optional<Clock::time_point> written_at{};  // when the client had written `after`
  };

  FakeTransport& add(Step step) {
    steps_.push_back(std::move(step));
    note_written();
    return *this;
  }

  void record(std::string_view bytes, std::optional<milliseconds> limit) {
    if (closed) {
      throw Failure(ErrorKind::io, "the connection to the fake server is closed");
    }
    take_arrived();
    const bool fails = failing_write_ && bytes.find(*failing_write_) != std::string_view::npos;
    if (fails) {
      failing_write_.reset();
    }
    if (fails || reset_) {
      throw Failure(
          ErrorKind::io,
          std::string("lost the connection to the server while sending: ") + std::strerror(EPIPE));
    }
    writes.push_back(Write{clock_.now(), std::string(bytes), limit});
    written_ += bytes;
    note_written();
  }

  void note_written() {
    for (std::size_t i = next_; i < steps_.size(); ++i) {
      if (!steps_[i].written_at && written_.find(steps_[i].after) != std::string::npos) {
        steps_[i].written_at = clock_.now();
      }
    }
  }

  // When the next step happens, if the client has written what it waits for.
  std::optional<Clock::time_point> next_arrival() const {
    if (next_ == steps_.size() || !steps_[next_].written_at) {
      return std::nullopt;
    }
    return std::max(*steps_[next_].written_at, previous_) + steps_[next_].delay;
  }

  // The steps that have happened by now: their bytes, up to the first fault.
  void take_arrived() {
    while (!fault_) {
      const std::optional<Clock::time_point> at = next_arrival();
      if (!at || *at > clock_.now()) {
        return;
      }
      Step& step = steps_[next_++];
      previous_ = *at;
      if (step.kind == Kind::bytes) {
        arrived_ += step.bytes;
      } else {
        reset_ = reset_ || step.kind == Kind::reset;
        fault_ = step.kind;
        return;
      }
    }
  }

  FakeClock& clock_;
  std::vector<Step> steps_;
  std::size_t next_ = 0;
  Clock::time_point previous_{};  // when the last step happened
  std::string arrived_;           // bytes that arrived and were not read yet
  std::optional<Kind> fault_;     // a fault that happened, after arrived_
  bool reset_ = false;            // the connection was reset: no write goes through
  std::string written_;
  std::optional<std::string> failing_write_;
};

}  // namespace smtpsend::testing
