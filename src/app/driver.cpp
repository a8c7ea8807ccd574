#include "app/driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "app/report.hpp"
#include "common/deadline.hpp"
#include "common/interruption.hpp"
#include "common/secret_wipe.hpp"
#include "net/tls_facts.hpp"

namespace smtpsend::app {

namespace {

using std::chrono::milliseconds;

// Large enough to carry a whole flight or several replies in one read.
constexpr std::size_t read_buffer_size = std::size_t{16} * 1024;
// Body output is written in pieces of about this size: big TLS records, constant memory.
constexpr std::size_t body_flush_threshold = std::size_t{64} * 1024;

// The reply awaited now, and the point by which all of it must have arrived.
class ReplyClock {
 public:
  ReplyClock(const smtp::Session& session, const TimeLimits& limits)
      : session_(session), limits_(limits) {}

  // A command went out, or a reply came in: the next reply's time starts now.
  void restart() {
    started_ = limits_.clock().now();
    seen_ = session_.replies_received();
  }
  void restart_if_a_reply_completed() {
    if (session_.replies_received() != seen_) {
      restart();
    }
  }

  milliseconds limit() const {
    if (session_.awaiting_quit_reply()) {
      return limits_.quit_reply();
    }
    return limits_.reply(session_.reply_time_limit());
  }

  // What is left for the reply, never more than --max-time leaves.
  milliseconds remaining() const {
    const auto left = std::chrono::ceil<milliseconds>(started_ + limit() - limits_.clock().now());
    return limits_.within_max_time(std::max(left, milliseconds(0)));
  }

  // The error for a reply that did not arrive in time, saying which limit ran out. The session
  // adds the state the dialog was in.
  Failure timeout() const {
    if (limits_.max_time_ran_out()) {
      return Failure(ErrorKind::temporary, limits_.max_time_message());
    }
    return Failure(ErrorKind::temporary,
                   fmt::format("the server's reply did not arrive complete within {}; it may be "
                               "overloaded, try again later",
                               describe_duration(limit())));
  }

 private:
  const smtp::Session& session_;
  const TimeLimits& limits_;
  Clock::time_point started_ = limits_.clock().now();
  std::size_t seen_ = 0;
};

using ReadBuffer = std::array<char, read_buffer_size>;

// The binding SCRAM's -PLUS variants use on this connection: RFC 9266's tls-exporter on TLS 1.3,
// RFC 5929's tls-unique on TLS 1.2 (where GnuTLS gives it; RFC 9266 §3 keeps tls-unique the
// default there, and it is what servers of that era check).
std::optional<smtp::ChannelBinding> channel_binding_of(const net::Transport& transport) {
  const net::TlsFacts* facts = transport.tls_facts();
  if (facts == nullptr) {
    return std::nullopt;
  }
  const auto& bindings = facts->channel_bindings;
  if (!bindings.tls_unique.empty()) {
    return smtp::ChannelBinding{
        "tls-unique", std::string(bindings.tls_unique.begin(), bindings.tls_unique.end())};
  }
  if (!bindings.tls_exporter.empty()) {
    return smtp::ChannelBinding{
        "tls-exporter", std::string(bindings.tls_exporter.begin(), bindings.tls_exporter.end())};
  }
  return std::nullopt;
}

// The message stream (not the server) failed: a file that cannot be read, a NUL byte found in the
// middle of the body. Kept apart from the transport's failures, which have other consequences.
class MessageStreamFailure : public Failure {
 public:
  explicit MessageStreamFailure(const Failure& failure) : Failure(failure.error()) {}
};

class Driver {
 public:
  Driver(net::Transport& transport, smtp::Session& session, Transactions& transactions,
         const TimeLimits& limits, std::size_t receive_piece, const FreshSecret& fresh_secret)
      : transport_(transport),
        session_(session),
        transactions_(transactions),
        limits_(limits),
        receive_piece_(receive_piece),
        fresh_secret_(fresh_secret),
        clock_(session, limits) {}

  void run() {
    pass_channel_binding();  // implicit TLS: the handshake came before the session
    while (true) {
      try {
        if (!step()) {
          return;
        }
      } catch (const MessageStreamFailure& failure) {
        session_.message_failed(failure.error());
      } catch (const Failure& failure) {
        session_.transport_failed(failure.error());
      }
    }
  }

 private:
  // One step of the session; false once the connection is closed.
  bool step() {
    switch (session_.next_step()) {
      case smtp::Step::transaction_ended:
        transactions_.ended(session_.take_transaction_outcome());
        return true;
      case smtp::Step::ready:
        if (auto envelope = transactions_.next()) {
          session_.start_transaction(std::move(*envelope));
        } else {
          session_.quit();
        }
        return true;
      case smtp::Step::write_then_read:
        if (write_pending()) {
          clock_.restart();
        }
        receive();
        return true;
      case smtp::Step::start_tls:
        write_pending();
        transport_.start_tls();
        report_tls_warnings(transport_);
        pass_channel_binding();
        session_.tls_started();
        clock_.restart();
        return true;
      case smtp::Step::need_body:
        feed_body();
        return true;
      case smtp::Step::need_fresh_secret:
        session_.fresh_secret(fresh_secret_ ? fresh_secret_() : std::nullopt);
        clock_.restart();
        return true;
      case smtp::Step::finished:
        finish();
        return false;
    }
    return false;
  }

  void pass_channel_binding() {
    if (auto binding = channel_binding_of(transport_)) {
      session_.set_channel_binding(std::move(*binding));
    }
  }

  // Writes the flight the session has assembled (body bytes included) in one write.
  bool write_pending() {
    const std::string flight = session_.take_output();
    if (flight.empty()) {
      return false;
    }
    transport_.write(flight);
    return true;
  }

  // Reads the next piece of a reply, within what is left of its time.
  void receive() {
    const milliseconds left = clock_.remaining();
    if (left <= milliseconds(0)) {
      throw clock_.timeout();
    }
    std::size_t got = 0;
    try {
      got = transport_.read(buffer_.data(), buffer_.size(), left);
    } catch (const Failure& failure) {
      if (failure.error().kind == ErrorKind::temporary && clock_.remaining() <= milliseconds(0)) {
        throw clock_.timeout();  // says which limit it was, rather than the last read's share
      }
      throw;
    }
    hand_over(got);
    clock_.restart_if_a_reply_completed();
  }

  void hand_over(std::size_t got) {
    if (got == 0) {
      session_.connection_lost("the server closed the connection");
      return;
    }
    std::string_view bytes(buffer_.data(), got);
    const std::size_t piece = receive_piece_ == 0 ? got : receive_piece_;
    while (!bytes.empty()) {
      session_.receive(bytes.substr(0, piece));
      bytes.remove_prefix(std::min(piece, bytes.size()));
    }
  }

  // One piece of the message, or its end. The body goes out in large writes, with a look for
  // replies before each and once more before the final dot; it stops, without the dot, as soon
  // as the session has ended.
  void feed_body() {
    try {
      std::string chunk;
      if (next_chunk(chunk)) {
        session_.body(chunk);
        // The body stays in the session's output until it is written, so that a reply that ends
        // the transaction first takes back what was not written (BDAT chunks, the DATA body).
        if (session_.output_size() >= body_flush_threshold) {
          receive_early_replies();
          if (session_.next_step() == smtp::Step::need_body) {
            write_pending();
          }
        }
        return;
      }
      receive_early_replies();
      if (session_.next_step() != smtp::Step::need_body) {
        return;
      }
      // The dot (or BDAT LAST) joins the rest of the body in the flight that follows, with QUIT
      // or the next transaction under PIPELINING.
      session_.end_of_body();
      clock_.restart();
    } catch (const MessageStreamFailure&) {
      throw;  // ours, not the connection's: there is no parting reply to look for
    } catch (const Failure& failure) {
      if (failure.error().kind == ErrorKind::io) {
        collect_parting_reply();
      }
      throw;
    }
  }

  bool next_chunk(std::string& chunk) {
    chunk.clear();
    try {
      return transactions_.body(chunk);
    } catch (const Failure& failure) {
      throw MessageStreamFailure(failure);
    }
  }

  // Hands the session whatever the server has sent by now, without waiting (a read with no time
  // to wait): a reply in the middle of the message ends the session, as a refusal or, when it is
  // positive, as a protocol error, before the final dot can go out (RFC 5321 §4.1.1.4).
  void receive_early_replies() {
    std::size_t got = 0;
    try {
      got = transport_.read(buffer_.data(), buffer_.size(), milliseconds(0));
    } catch (const Failure& failure) {
      // A read with no time to wait fails as temporary when nothing has arrived; but a signal
      // that asks the program to stop, or the end of --max-time, must stop the message here,
      // before its final dot can go out.
      if (failure.error().kind == ErrorKind::temporary && interruption() == 0 &&
          !limits_.max_time_ran_out()) {
        return;  // nothing has arrived
      }
      throw;
    }
    hand_over(got);
  }

  // A write of the body failed: the server may have said why before it closed (a 5xx from a
  // content filter). What it sent, if anything, goes to the session, which then words the error.
  // The reply may come in several reads; all of them share the one courtesy limit.
  void collect_parting_reply() {
    const Clock::time_point started = limits_.clock().now();
    const std::size_t replies = session_.replies_received();
    try {
      while (session_.replies_received() == replies) {
        const auto spent = std::chrono::ceil<milliseconds>(limits_.clock().now() - started);
        const milliseconds left = limits_.within_max_time(TimeLimits::courtesy() - spent);
        if (left <= milliseconds(0)) {
          return;
        }
        const std::size_t got = transport_.read(buffer_.data(), buffer_.size(), left);
        if (got == 0) {
          return;
        }
        hand_over(got);
      }
    } catch (const Failure&) {
      // Nothing (more) to read: the write's own error stands, or the reply handed over so far.
    }
  }

  // The session has ended: QUIT (if it queued one) goes out briefly, then the close.
  void finish() {
    try {
      if (std::string quit = session_.take_output(); !quit.empty()) {
        transport_.write(quit, limits_.within_max_time(TimeLimits::courtesy()));
      }
    } catch (const Failure&) {
      // A failed QUIT changes nothing.
    }
    try {
      transport_.close();
    } catch (const Failure&) {
      // Nor does a failed TLS close_notify.
    }
  }

  net::Transport& transport_;
  smtp::Session& session_;
  Transactions& transactions_;
  const TimeLimits& limits_;
  std::size_t receive_piece_;
  const FreshSecret& fresh_secret_;
  ReplyClock clock_;
  ReadBuffer buffer_{};
};

}  // namespace

void drive(net::Transport& transport, smtp::Session& session, Transactions& transactions,
           const TimeLimits& limits, std::size_t receive_piece, const FreshSecret& fresh_secret) {
  Driver(transport, session, transactions, limits, receive_piece, fresh_secret).run();
}

}  // namespace smtpsend::app
