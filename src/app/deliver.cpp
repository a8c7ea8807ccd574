#include "app/deliver.hpp"

#include <algorithm>
#include <array>

namespace smtpsend::app {

namespace {

// Large enough to carry a whole flight or several replies in one read.
constexpr std::size_t read_buffer_size = std::size_t{16} * 1024;
// Body output is written in pieces of about this size: big TLS records, constant memory.
constexpr std::size_t body_flush_threshold = std::size_t{64} * 1024;
// RFC 5321 §4.5.3.2.6: the server may take 10 minutes to answer the final dot (content scanning,
// delivery to slow backends). Giving up sooner would turn a delivered message into a "failure"
// that the user then sends again.
constexpr std::chrono::minutes final_reply_timeout{10};
// Once the message is accepted, the reply to QUIT is a courtesy: a server that never sends it
// must not hold the program up for the whole reply timeout.
constexpr std::chrono::seconds courtesy_reply_timeout{5};

std::chrono::milliseconds timeout_for_next_reply(const smtp::Session& session,
                                                 std::chrono::milliseconds reply_timeout) {
  if (session.awaiting_final_reply()) {
    return std::max<std::chrono::milliseconds>(final_reply_timeout, reply_timeout);
  }
  if (session.outcome().delivered) {
    return std::min<std::chrono::milliseconds>(courtesy_reply_timeout, reply_timeout);
  }
  return reply_timeout;
}

void write_pending(net::Transport& transport, smtp::Session& session) {
  if (std::string flight = session.take_output(); !flight.empty()) {
    transport.write(flight);
  }
}

void send_body(net::Transport& transport, smtp::Session& session, const MessageChunks& message) {
  std::string chunk;
  std::string pending;
  while (true) {
    chunk.clear();
    if (!message(chunk)) {
      break;
    }
    session.body(chunk);
    pending += session.take_output();
    if (pending.size() >= body_flush_threshold) {
      transport.write(pending);
      pending.clear();
    }
  }
  session.end_of_body();
  pending += session.take_output();
  transport.write(pending);
}

// Closing is best effort once the outcome is decided: a failed TLS close_notify changes nothing.
void close_quietly(net::Transport& transport) {
  try {
    transport.close();
  } catch (const Failure&) {
  }
}

}  // namespace

smtp::Outcome deliver(net::Transport& transport, smtp::Session& session,
                      const MessageChunks& message, std::chrono::milliseconds reply_timeout) {
  std::array<char, read_buffer_size> buffer{};
  try {
    while (true) {
      switch (session.next_step()) {
        case smtp::Step::write_then_read: {
          write_pending(transport, session);
          const std::size_t got = transport.read(buffer.data(), buffer.size(),
                                                 timeout_for_next_reply(session, reply_timeout));
          if (got == 0) {
            session.connection_lost("the server closed the connection");
          } else {
            session.receive(std::string_view(buffer.data(), got));
          }
          break;
        }
        case smtp::Step::start_tls:
          write_pending(transport, session);
          transport.start_tls();
          session.tls_started();
          break;
        case smtp::Step::send_body:
          send_body(transport, session, message);
          break;
        case smtp::Step::finished:
          try {
            write_pending(transport, session);
          } catch (const Failure&) {
            // A failed QUIT changes nothing: the outcome is already decided.
          }
          close_quietly(transport);
          return session.outcome();
      }
    }
  } catch (const Failure& failure) {
    if (session.awaiting_final_reply()) {
      // Sent but not confirmed: only the session can word that outcome (it may be delivered).
      session.connection_lost(failure.error().message);
    }
    close_quietly(transport);
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
