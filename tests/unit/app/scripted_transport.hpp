#pragma once
// A scripted server as a net::Transport, for the tests of the driver and of the batch.

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "net/transport.hpp"

namespace smtpsend::app::testing {

using std::chrono::milliseconds;

// A server as a script: each reply becomes readable once the client has written `after` (and the
// replies before it were released), after where the previous turn's `after` was found. No clock, no
// network: a read that finds nothing to return fails at once as a timeout would.
class ScriptedTransport : public net::Transport {
 public:
  struct Turn {
    std::string after;  // "" = at once (the greeting)
    std::string reply;
  };

  explicit ScriptedTransport(std::vector<Turn> turns) : turns_(std::move(turns)) { release(); }

  void write(std::string_view bytes) override {
    if (closed) {
      throw Failure(ErrorKind::io, "scripted transport: write after close");
    }
    written += bytes;
    release();
  }
  void write(std::string_view bytes, milliseconds /*timeout*/) override { write(bytes); }
  std::size_t read(char* buffer, std::size_t size) override {
    return read(buffer, size, milliseconds(1000));
  }
  std::size_t read(char* buffer, std::size_t size, milliseconds /*timeout*/) override {
    ++reads;
    if (available_.empty()) {
      if (next_ == turns_.size()) {
        return 0;  // the script is over: the server hangs up
      }
      throw Failure(ErrorKind::temporary, "scripted transport: no reply within the timeout");
    }
    const std::size_t n = std::min(size, available_.size());
    std::memcpy(buffer, available_.data(), n);
    available_.erase(0, n);
    return n;
  }
  void start_tls() override { throw Failure(ErrorKind::internal, "no TLS in these tests"); }
  bool tls_active() const override { return false; }
  void close() override { closed = true; }

  std::string written;
  int reads = 0;
  bool closed = false;

 private:
  void release() {
    while (next_ < turns_.size()) {
      const auto found = written.find(turns_[next_].after, search_from_);
      if (found == std::string::npos) {
        return;
      }
      search_from_ = found + turns_[next_].after.size();
      available_ += turns_[next_].reply;
      ++next_;
    }
  }

  std::vector<Turn> turns_;
  std::size_t next_ = 0;
  std::size_t search_from_ = 0;
  std::string available_;
};

}  // namespace smtpsend::app::testing
