#pragma once
// Drives a Session through a scripted SMTP dialog, the way curl's test cases are data: the script
// holds what the server sends ("S: " lines) and what the client must send ("C: " lines), and the
// runner produces the transcript that actually happened in the same format, so a test compares
// the two whole.
//
// Script lines:
//   S: <line>     a server line; consecutive S lines are sent in one read (coalesced replies)
//   C: <line>     a line the client sends (CRLF-terminated); "C:" alone is an empty line
//   C! <bytes>    client bytes at the end of output that do not end in CRLF
//   -- tls        the session asked for the TLS handshake; the runner reports it done
//   -- body       the session asked for the message body; the runner streams it
//   -- lost       the session wanted a reply but the script had none: the connection is lost
//   -- closed     the session finished
//
// Each dialog runs twice: with every read and body chunk whole, and one byte at a time.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::smtp::dialog {

struct TraceLine {
  trace::Direction direction;
  std::string text;
  bool in_tls;
};

class RecordingSink final : public trace::Sink {
 public:
  bool enabled() const override { return true; }
  void line(trace::Direction direction, std::string_view text, bool in_tls) override {
    lines.push_back({direction, std::string(text), in_tls});
  }
  // Every line, one per line, prefixed with its direction: "C ", "S ", "I "; "~" after it inside
  // TLS.
  std::string text() const {
    std::string all;
    for (const auto& line : lines) {
      all += line.direction == trace::Direction::client   ? "C"
             : line.direction == trace::Direction::server ? "S"
                                                          : "I";
      all += line.in_tls ? "~ " : "  ";
      all += line.text;
      all += '\n';
    }
    return all;
  }
  std::vector<TraceLine> lines;
};

enum class Feed { whole, byte_by_byte };

struct DialogResult {
  std::string transcript;
  std::vector<std::string> flights;  // each non-empty take_output() outside the body
  Outcome outcome;
  Capabilities capabilities;
  std::string final_state;
  RecordingSink trace;
};

namespace detail {

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    lines.emplace_back(text.substr(0, newline));
    if (newline == std::string_view::npos) {
      break;
    }
    text.remove_prefix(newline + 1);
  }
  return lines;
}

// The server reads of a script: each group of consecutive S lines, CRLF-terminated.
inline std::vector<std::string> server_reads(std::string_view script) {
  std::vector<std::string> reads;
  bool in_group = false;
  for (const auto& line : split_lines(script)) {
    if (line.starts_with("S:")) {
      if (!in_group) {
        reads.emplace_back();
      }
      const std::string_view text = std::string_view(line).substr(line.size() > 2 ? 3 : 2);
      reads.back() += text;
      reads.back() += "\r\n";
      in_group = true;
    } else {
      in_group = false;
    }
  }
  return reads;
}

inline void append_lines(std::string& transcript, std::string_view prefix, std::string_view bytes,
                         std::string_view partial_prefix) {
  while (!bytes.empty()) {
    const auto end = bytes.find("\r\n");
    if (end == std::string_view::npos) {
      transcript += partial_prefix;
      transcript += ' ';
      transcript += bytes;
      transcript += '\n';
      return;
    }
    transcript += prefix;
    if (end > 0) {
      transcript += ' ';
      transcript += bytes.substr(0, end);
    }
    transcript += '\n';
    bytes.remove_prefix(end + 2);
  }
}

}  // namespace detail

// Runs `script` against a session made from `config` and `envelope`; `body` is what the runner
// streams when the session asks for the message.
inline void run_dialog(std::string_view script, const SessionConfig& config,
                       const Envelope& envelope, std::string_view body, Feed feed,
                       DialogResult& result) {
  Session session(config, envelope, result.trace);
  const auto reads = detail::server_reads(script);
  std::size_t next_read = 0;
  std::string client_bytes;  // written since the last server read or event
  auto flush_client = [&] {
    detail::append_lines(result.transcript, "C:", client_bytes, "C!");
    client_bytes.clear();
  };
  auto take_flight = [&] {
    std::string flight = session.take_output();
    if (!flight.empty()) {
      result.flights.push_back(flight);
      client_bytes += flight;
    }
  };
  // Bounded: every iteration consumes a read or ends the dialog; a stuck session fails the test.
  constexpr int max_iterations = 1000;
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    const Step step = session.next_step();
    take_flight();
    if (step == Step::finished) {
      flush_client();
      result.transcript += "-- closed\n";
      break;
    }
    if (step == Step::start_tls) {
      flush_client();
      result.transcript += "-- tls\n";
      session.tls_started();
      continue;
    }
    if (step == Step::send_body) {
      flush_client();
      result.transcript += "-- body\n";
      if (feed == Feed::whole) {
        session.body(body);
      } else {
        for (char c : body) {
          session.body(std::string_view(&c, 1));
          client_bytes += session.take_output();  // the driver writes as the body streams
        }
      }
      client_bytes += session.take_output();
      session.end_of_body();
      continue;
    }
    if (next_read == reads.size()) {
      flush_client();
      result.transcript += "-- lost\n";
      session.connection_lost("the server closed the connection");
      continue;
    }
    flush_client();
    const std::string& read = reads[next_read++];
    detail::append_lines(result.transcript, "S:", read, "S!");
    if (feed == Feed::whole) {
      session.receive(read);
    } else {
      for (char c : read) {
        session.receive(std::string_view(&c, 1));
      }
    }
  }
  result.outcome = session.outcome();
  result.capabilities = session.capabilities();
  result.final_state = std::string(session.state_name());
}

inline std::string normalized_script(std::string_view script) {
  std::string text;
  for (const auto& line : detail::split_lines(script)) {
    if (!line.empty()) {
      text += line;
      text += '\n';
    }
  }
  return text;
}

// Runs the dialog whole and byte by byte, expects both transcripts to equal the script and the
// two runs to agree on the outcome; returns the byte-by-byte run's result in `bytewise` and the
// whole run's in `whole`.
struct DialogRuns {
  DialogResult whole;
  DialogResult bytewise;
};

inline void expect_dialog(std::string_view script, const SessionConfig& config,
                          const Envelope& envelope, std::string_view body, DialogRuns& runs) {
  const std::string expected = normalized_script(script);
  {
    SCOPED_TRACE("fed whole");
    run_dialog(script, config, envelope, body, Feed::whole, runs.whole);
    EXPECT_EQ(expected, runs.whole.transcript);
  }
  {
    SCOPED_TRACE("fed one byte at a time");
    run_dialog(script, config, envelope, body, Feed::byte_by_byte, runs.bytewise);
    EXPECT_EQ(expected, runs.bytewise.transcript);
  }
  EXPECT_EQ(runs.whole.outcome.delivered, runs.bytewise.outcome.delivered);
  EXPECT_EQ(runs.whole.outcome.error.has_value(), runs.bytewise.outcome.error.has_value());
  if (runs.whole.outcome.error && runs.bytewise.outcome.error) {
    EXPECT_EQ(runs.whole.outcome.error->message, runs.bytewise.outcome.error->message);
  }
  EXPECT_EQ(runs.whole.trace.text(), runs.bytewise.trace.text());
}

}  // namespace smtpsend::smtp::dialog

namespace smtpsend::smtp::dialog {

// A session without TLS or AUTH, introducing itself as client.example.
inline SessionConfig cleartext_config() {
  SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = TlsPolicy::none;
  return config;
}

inline Envelope envelope_to(std::vector<std::string> recipients) {
  Envelope envelope;
  envelope.mail_from = "alice@example.org";
  envelope.recipients = std::move(recipients);
  return envelope;
}

inline constexpr std::string_view short_body = "Subject: hi\r\n\r\nHello.\r\n";

// Whether `text` contains `part`; for messages checked piecewise.
inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace smtpsend::smtp::dialog
