#include "app/deliver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "app/report.hpp"
#include "net/deadline.hpp"

namespace smtpsend::app {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Large enough to carry a whole flight or several replies in one read.
constexpr std::size_t read_buffer_size = std::size_t{16} * 1024;
// Body output is written in pieces of about this size: big TLS records, constant memory.
constexpr std::size_t body_flush_threshold = std::size_t{64} * 1024;
// Once the outcome is decided (the message accepted, or an error), QUIT is a courtesy: a server
// that never answers it, or never reads it, must not hold the program up.
constexpr milliseconds courtesy_time_limit{2000};

// The reply awaited now, and the point by which all of it must have arrived.
class ReplyClock {
 public:
  ReplyClock(const smtp::Session& session, const DeliveryLimits& limits)
      : session_(session), limits_(limits) {}

  // A command went out, or a reply came in: the next reply's time starts now.
  void restart() {
    started_ = Clock::now();
    seen_ = session_.replies_received();
  }
  void restart_if_a_reply_completed() {
    if (session_.replies_received() != seen_) {
      restart();
    }
  }

  milliseconds limit() const {
    milliseconds limit = session_.reply_time_limit();
    if (session_.outcome().delivered) {
      limit = courtesy_time_limit;
    }
    if (limits_.reply_timeout) {
      limit = std::min(limit, *limits_.reply_timeout);
    }
    return limit;
  }

  // What is left for the reply, never more than --max-time leaves.
  milliseconds remaining() const {
    const auto left = std::chrono::ceil<milliseconds>(started_ + limit() - Clock::now());
    return net::within_give_up(std::max(left, milliseconds(0)), limits_.give_up_at);
  }

  // The error for a reply that did not arrive in time, saying which limit ran out. The caller adds
  // the state the dialog was in.
  Failure timeout() const {
    if (limits_.give_up_at && Clock::now() >= *limits_.give_up_at) {
      return Failure(ErrorKind::temporary, fmt::format("gave up after --max-time {} in all",
                                                       net::describe_duration(limits_.max_time)));
    }
    return Failure(ErrorKind::temporary,
                   fmt::format("the server's reply did not arrive complete within {}; it may be "
                               "overloaded, try again later",
                               net::describe_duration(limit())));
  }

 private:
  const smtp::Session& session_;
  const DeliveryLimits& limits_;
  Clock::time_point started_ = Clock::now();
  std::size_t seen_ = 0;
};

bool write_pending(net::Transport& transport, smtp::Session& session) {
  std::string flight = session.take_output();
  if (flight.empty()) {
    return false;
  }
  transport.write(flight);
  return true;
}

using ReadBuffer = std::array<char, read_buffer_size>;

// The message stream (not the server) failed: a file that cannot be read, a NUL byte found in the
// middle of the body. Kept apart from the transport's failures, which have other consequences.
class MessageStreamFailure : public Failure {
 public:
  explicit MessageStreamFailure(const Failure& failure) : Failure(failure.error()) {}
};

bool next_chunk(const MessageChunks& message, std::string& chunk) {
  chunk.clear();
  try {
    return message(chunk);
  } catch (const Failure& failure) {
    throw MessageStreamFailure(failure);
  }
}

// Hands the session whatever the server has sent by now, without waiting (a read with no time
// to wait): a reply in the middle of the message ends the session, as a refusal or, when it is
// positive, as a protocol error, before the final dot can go out (RFC 5321 §4.1.1.4).
void receive_early_replies(net::Transport& transport, smtp::Session& session, ReadBuffer& buffer) {
  std::size_t got = 0;
  try {
    got = transport.read(buffer.data(), buffer.size(), milliseconds(0));
  } catch (const Failure& failure) {
    if (failure.error().kind == ErrorKind::temporary) {
      return;  // nothing has arrived
    }
    throw;
  }
  if (got == 0) {
    session.connection_lost("the server closed the connection");
  } else {
    session.receive(std::string_view(buffer.data(), got));
  }
}

// Streams the message in large writes, looking for replies between them and once more before
// the final dot; stops, without the dot, as soon as the session has ended.
void stream_body(net::Transport& transport, smtp::Session& session, const MessageChunks& message,
                 ReadBuffer& buffer) {
  std::string chunk;
  std::string pending;
  while (next_chunk(message, chunk)) {
    session.body(chunk);
    pending += session.take_output();
    if (pending.size() >= body_flush_threshold) {
      receive_early_replies(transport, session, buffer);
      if (session.next_step() != smtp::Step::send_body) {
        return;
      }
      transport.write(pending);
      pending.clear();
    }
  }
  receive_early_replies(transport, session, buffer);
  if (session.next_step() != smtp::Step::send_body) {
    return;
  }
  session.end_of_body();
  pending += session.take_output();
  transport.write(pending);
}

// A write of the body failed: the server may have said why before it closed (a 5xx from a
// content filter). What it sent, if anything, goes to the session, which then words the error.
void collect_parting_reply(net::Transport& transport, smtp::Session& session,
                           const DeliveryLimits& limits, ReadBuffer& buffer) {
  try {
    const std::size_t got = transport.read(
        buffer.data(), buffer.size(), net::within_give_up(courtesy_time_limit, limits.give_up_at));
    if (got > 0) {
      session.receive(std::string_view(buffer.data(), got));
    }
  } catch (const Failure&) {
    // Nothing to read: the write's own error stands.
  }
}

void send_body(net::Transport& transport, smtp::Session& session, const MessageChunks& message,
               const DeliveryLimits& limits, ReadBuffer& buffer) {
  try {
    stream_body(transport, session, message, buffer);
  } catch (const MessageStreamFailure&) {
    throw;  // ours, not the connection's: there is no parting reply to look for
  } catch (const Failure& failure) {
    if (failure.error().kind == ErrorKind::io) {
      collect_parting_reply(transport, session, limits, buffer);
    }
    throw;
  }
}

// Reads the next piece of a reply, within what is left of its time.
void receive(net::Transport& transport, smtp::Session& session, ReplyClock& clock,
             ReadBuffer& buffer) {
  const milliseconds left = clock.remaining();
  if (left <= milliseconds(0)) {
    throw clock.timeout();
  }
  std::size_t got = 0;
  try {
    got = transport.read(buffer.data(), buffer.size(), left);
  } catch (const Failure& failure) {
    if (failure.error().kind == ErrorKind::temporary && clock.remaining() <= milliseconds(0)) {
      throw clock.timeout();  // says which limit it was, rather than the last read's share of it
    }
    throw;
  }
  if (got == 0) {
    session.connection_lost("the server closed the connection");
  } else {
    session.receive(std::string_view(buffer.data(), got));
  }
  clock.restart_if_a_reply_completed();
}

// The outcome is decided: QUIT (if the session queued one) goes out briefly, then the close.
void finish(net::Transport& transport, smtp::Session& session, const DeliveryLimits& limits) {
  try {
    if (std::string quit = session.take_output(); !quit.empty()) {
      transport.write(quit, net::within_give_up(courtesy_time_limit, limits.give_up_at));
    }
  } catch (const Failure&) {
    // A failed QUIT changes nothing.
  }
  try {
    transport.close();
  } catch (const Failure&) {
    // Nor does a failed TLS close_notify.
  }
}

}  // namespace

smtp::Outcome deliver(net::Transport& transport, smtp::Session& session,
                      const MessageChunks& message, const DeliveryLimits& limits) {
  ReadBuffer buffer{};
  ReplyClock clock(session, limits);
  try {
    while (true) {
      switch (session.next_step()) {
        case smtp::Step::write_then_read:
          if (write_pending(transport, session)) {
            clock.restart();
          }
          receive(transport, session, clock, buffer);
          break;
        case smtp::Step::start_tls:
          write_pending(transport, session);
          transport.start_tls();
          report_tls_warnings(transport);
          session.tls_started();
          clock.restart();
          break;
        case smtp::Step::send_body:
          send_body(transport, session, message, limits, buffer);
          clock.restart();
          break;
        case smtp::Step::finished:
          finish(transport, session, limits);
          return session.outcome();
      }
    }
  } catch (const MessageStreamFailure& failure) {
    // The message cannot be sent as it is. Closing the connection in the middle of DATA, without
    // the final dot, makes the server discard what it received (RFC 5321 §4.1.1.4); the error is
    // the stream's own, so its kind decides the exit code.
    try {
      transport.close();
    } catch (const Failure&) {
    }
    smtp::Outcome outcome = session.outcome();
    Error error = failure.error();
    error.message +=
        " (the connection was closed before the end of the message: the message was not "
        "sent)";
    outcome.error = std::move(error);
    return outcome;
  } catch (const Failure& failure) {
    if (session.awaiting_final_reply()) {
      // Sent but not confirmed: only the session can word that outcome (it may be delivered).
      session.connection_lost(failure.error().message);
    }
    try {
      transport.close();
    } catch (const Failure&) {
    }
    smtp::Outcome outcome = session.outcome();
    if (outcome.delivered) {
      return outcome;  // the server accepted the message; losing the connection after is harmless
    }
    if (!outcome.error) {
      Error error = failure.error();
      error.message += " (while in SMTP state '" + std::string(session.state_name()) +
                       "'; the message was not sent)";
      outcome.error = std::move(error);
    }
    return outcome;
  }
}

}  // namespace smtpsend::app
