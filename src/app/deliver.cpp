#include "app/deliver.hpp"

#include <array>

namespace smtpsend::app {

namespace {

// Large enough to carry a whole flight or several replies in one read.
constexpr std::size_t read_buffer_size = std::size_t{16} * 1024;
// Body output is written in pieces of about this size: big TLS records, constant memory.
constexpr std::size_t body_flush_threshold = 64 * 1024;

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

}  // namespace

smtp::Outcome deliver(net::Transport& transport, smtp::Session& session,
                      const MessageChunks& message) {
  std::array<char, read_buffer_size> buffer{};
  try {
    while (true) {
      switch (session.next_step()) {
        case smtp::Step::write_then_read: {
          write_pending(transport, session);
          const std::size_t got = transport.read(buffer.data(), buffer.size());
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
          transport.close();
          return session.outcome();
      }
    }
  } catch (const Failure& failure) {
    transport.close();
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
