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
// Each dialog runs twice: with every read and body chunk whole, and one byte at a time. The
// session runs through app::drive(), the driver loop of the program itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/driver.hpp"
#include "net/transport.hpp"
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
  std::vector<std::string> flights;  // each write of the driver
  // The first transaction's outcome; when none began, not sent with the session's error.
  TransactionOutcome outcome;
  std::vector<TransactionOutcome> outcomes;  // every transaction's, in order
  std::optional<Error> connection_error;     // the session's own error
  // Round trips counted from the TCP connect: the connect, each TLS handshake after STARTTLS, and
  // each server read the client waited for (an implicit TLS handshake is the caller's to add).
  int round_trips = 1;
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

// The server of a script, as a transport for the one driver loop (app/driver.hpp): each read
// hands out the next group of S lines (which the driver passes on whole, or one byte at a time),
// and what the client writes
// goes to the transcript when the server speaks next or an event happens. A read that must not
// wait (the driver looking for early replies while it sends the body) finds nothing.
class ScriptTransport final : public net::Transport {
 public:
  ScriptTransport(std::string_view script, DialogResult& result)
      : reads_(detail::server_reads(script)), result_(result) {}

  void write(std::string_view bytes) override {
    result_.flights.emplace_back(bytes);
    client_bytes_ += bytes;
  }
  void write(std::string_view bytes, std::chrono::milliseconds /*timeout*/) override {
    write(bytes);
  }
  std::size_t read(char* buffer, std::size_t size) override {
    return read(buffer, size, std::chrono::minutes(5));
  }
  std::size_t read(char* buffer, std::size_t size, std::chrono::milliseconds timeout) override {
    if (current_.empty() && timeout.count() == 0) {
      throw Failure(ErrorKind::temporary, "script: nothing has arrived yet");
    }
    if (current_.empty()) {
      if (next_read_ == reads_.size()) {
        event("-- lost");
        return 0;
      }
      flush_client();
      ++result_.round_trips;
      current_ = reads_[next_read_++];
      detail::append_lines(result_.transcript, "S:", current_, "S!");
    }
    const std::size_t n = std::min(size, current_.size());
    current_.copy(buffer, n);
    current_.erase(0, n);
    return n;
  }
  void start_tls() override {
    ++result_.round_trips;
    event("-- tls");
  }
  bool tls_active() const override { return false; }
  void close() override { event("-- closed"); }

  // The session asked for the body: the transcript says so where it happened.
  void body_begins() { event("-- body"); }

 private:
  void flush_client() {
    detail::append_lines(result_.transcript, "C:", client_bytes_, "C!");
    client_bytes_.clear();
  }
  void event(std::string_view marker) {
    flush_client();
    result_.transcript += marker;
    result_.transcript += '\n';
  }

  std::vector<std::string> reads_;
  std::size_t next_read_ = 0;
  std::string current_;  // the rest of the read being handed out
  DialogResult& result_;
  std::string client_bytes_;  // written since the last server read or event
};

// The envelopes of a dialog, each with the same body, streamed whole or one byte per piece.
class ScriptMessages final : public app::Transactions {
 public:
  ScriptMessages(std::vector<Envelope> envelopes, std::string_view body, Feed feed,
                 ScriptTransport& transport, DialogResult& result)
      : envelopes_(std::move(envelopes)),
        body_(body),
        feed_(feed),
        transport_(transport),
        result_(result) {}

  std::optional<Envelope> next() override {
    if (next_ == envelopes_.size()) {
      return std::nullopt;
    }
    position_ = 0;
    return envelopes_[next_++];
  }
  bool body(std::string& chunk) override {
    if (position_ == 0) {
      transport_.body_begins();
    }
    if (position_ >= body_.size()) {
      position_ = 0;
      return false;
    }
    const std::size_t n = feed_ == Feed::whole ? body_.size() : 1;
    chunk.assign(body_.substr(position_, n));
    position_ += n;
    return true;
  }
  void ended(TransactionOutcome outcome) override {
    result_.outcomes.push_back(std::move(outcome));
  }

 private:
  std::vector<Envelope> envelopes_;
  std::size_t next_ = 0;
  std::string_view body_;
  std::size_t position_ = 0;
  Feed feed_;
  ScriptTransport& transport_;
  DialogResult& result_;
};

// Runs `script` against a session made from `config`, with one transaction per envelope, through
// the driver the program uses; `body` is what the runner streams when the session asks for a
// message.
inline void run_dialog(std::string_view script, const SessionConfig& config,
                       const std::vector<Envelope>& envelopes, std::string_view body, Feed feed,
                       DialogResult& result) {
  Session session(config, result.trace);
  ScriptTransport transport(script, result);
  ScriptMessages messages(envelopes, body, feed, transport, result);
  app::drive(transport, session, messages, {}, feed == Feed::whole ? 0 : 1);
  if (!result.outcomes.empty()) {
    result.outcome = result.outcomes.front();
  } else {
    result.outcome.error = session.error();
  }
  result.connection_error = session.error();
  result.capabilities = session.capabilities();
  result.final_state = std::string(session.state_name());
}

inline void run_dialog(std::string_view script, const SessionConfig& config,
                       const Envelope& envelope, std::string_view body, Feed feed,
                       DialogResult& result) {
  run_dialog(script, config, std::vector<Envelope>{envelope}, body, feed, result);
}

// A session driven by hand, for tests of what happens between the driver's steps: whenever the
// session is ready it starts the one transaction with `envelope`, then quits, as the driver
// would; it keeps the transaction's outcome.
class HandDriven {
 public:
  HandDriven(SessionConfig config, Envelope envelope, trace::Sink& sink)
      : session_(std::move(config), sink), envelope_(std::move(envelope)) {}

  void receive(std::string_view bytes) {
    session_.receive(bytes);
    settle();
  }
  void connection_lost(std::string_view what) {
    session_.connection_lost(what);
    settle();
  }
  void tls_started() {
    session_.tls_started();
    settle();
  }
  void body(std::string_view chunk) {
    session_.body(chunk);
    settle();
  }
  void end_of_body() {
    session_.end_of_body();
    settle();
  }
  std::string take_output() { return session_.take_output(); }
  Step next_step() const { return session_.next_step(); }
  bool awaiting_final_reply() const { return session_.awaiting_final_reply(); }
  std::chrono::seconds reply_time_limit() const { return session_.reply_time_limit(); }
  std::size_t replies_received() const { return session_.replies_received(); }
  std::string_view state_name() const { return session_.state_name(); }
  const Capabilities& capabilities() const { return session_.capabilities(); }
  Session& session() { return session_; }

  // The transaction's outcome; before it ended, what it has so far, or (when it never began) not
  // sent with the session's error.
  TransactionOutcome outcome() const {
    if (outcome_) {
      return *outcome_;
    }
    if (const TransactionOutcome* open = session_.open_transaction()) {
      return *open;
    }
    TransactionOutcome outcome;
    outcome.error = session_.error();
    return outcome;
  }

 private:
  void settle() {
    while (true) {
      const Step step = session_.next_step();
      if (step == Step::transaction_ended) {
        outcome_ = session_.take_transaction_outcome();
      } else if (step == Step::ready && !started_) {
        started_ = true;
        session_.start_transaction(envelope_);
      } else if (step == Step::ready) {
        session_.quit();
      } else {
        return;
      }
    }
  }

  Session session_;
  Envelope envelope_;
  bool started_ = false;
  std::optional<TransactionOutcome> outcome_;
};

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

// The same with one transaction per envelope on the one connection; every transaction's outcome
// must agree between the two runs.
inline void expect_dialog(std::string_view script, const SessionConfig& config,
                          const std::vector<Envelope>& envelopes, std::string_view body,
                          DialogRuns& runs) {
  const std::string expected = normalized_script(script);
  {
    SCOPED_TRACE("fed whole");
    run_dialog(script, config, envelopes, body, Feed::whole, runs.whole);
    EXPECT_EQ(expected, runs.whole.transcript);
  }
  {
    SCOPED_TRACE("fed one byte at a time");
    run_dialog(script, config, envelopes, body, Feed::byte_by_byte, runs.bytewise);
    EXPECT_EQ(expected, runs.bytewise.transcript);
  }
  EXPECT_EQ(runs.whole.outcome.state, runs.bytewise.outcome.state);
  ASSERT_EQ(runs.whole.outcomes.size(), runs.bytewise.outcomes.size());
  for (std::size_t i = 0; i < runs.whole.outcomes.size(); ++i) {
    const TransactionOutcome& whole = runs.whole.outcomes[i];
    const TransactionOutcome& bytewise = runs.bytewise.outcomes[i];
    EXPECT_EQ(whole.state, bytewise.state) << "transaction " << i;
    EXPECT_EQ(whole.error.has_value(), bytewise.error.has_value()) << "transaction " << i;
    if (whole.error && bytewise.error) {
      EXPECT_EQ(whole.error->message, bytewise.error->message) << "transaction " << i;
    }
  }
  EXPECT_EQ(runs.whole.outcome.error.has_value(), runs.bytewise.outcome.error.has_value());
  if (runs.whole.outcome.error && runs.bytewise.outcome.error) {
    EXPECT_EQ(runs.whole.outcome.error->message, runs.bytewise.outcome.error->message);
  }
  EXPECT_EQ(runs.whole.trace.text(), runs.bytewise.trace.text());
}

inline void expect_dialog(std::string_view script, const SessionConfig& config,
                          const Envelope& envelope, std::string_view body, DialogRuns& runs) {
  expect_dialog(script, config, std::vector<Envelope>{envelope}, body, runs);
}

}  // namespace smtpsend::smtp::dialog

namespace smtpsend::smtp::dialog {

// A session without TLS or AUTH, introducing itself as client.example.
inline SessionConfig cleartext_config() {
  SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = TlsMode::none;
  return config;
}

inline Envelope envelope_to(std::vector<std::string> recipients) {
  Envelope envelope;
  envelope.mail_from = "alice@example.org";
  envelope.recipients = std::move(recipients);
  return envelope;
}

inline constexpr std::string_view short_body = "Subject: hi\r\n\r\nHello.\r\n";

// Script fragments that many dialogs share, as string literals to join with the raw-string script
// around them, e.g. EHLO_OFFERING("PIPELINING") R"(C: MAIL FROM:<alice@example.org>...)"
// QUIT_AND_CLOSE. Each ends in a newline.
//
// The greeting of mx.example.net and the client's EHLO, up to the EHLO reply.
#define GREETING_AND_EHLO "S: 220 mx.example.net ESMTP\nC: EHLO client.example\n"
// ... and an EHLO reply without extensions.
#define EHLO_WITHOUT_EXTENSIONS GREETING_AND_EHLO "S: 250 mx.example.net\n"
// ... and an EHLO reply that offers one extension, `extension` (a string literal).
#define EHLO_OFFERING(extension) GREETING_AND_EHLO "S: 250-mx.example.net\nS: 250 " extension "\n"
// ... and an EHLO reply that offers AUTH with `mechanisms` (a string literal), and nothing else.
#define OFFERING(mechanisms) EHLO_OFFERING("AUTH " mechanisms)
// MAIL from alice and RCPT to bob, each answered 250 in lock step, then DATA, up to its reply.
#define MAIL_RCPT_DATA_LOCKSTEP                   \
  "C: MAIL FROM:<alice@example.org>\nS: 250 Ok\n" \
  "C: RCPT TO:<bob@example.net>\nS: 250 Ok\n"     \
  "C: DATA\n"
// The same sent in one flight under PIPELINING, up to the three replies.
#define MAIL_RCPT_DATA_PIPELINED \
  "C: MAIL FROM:<alice@example.org>\nC: RCPT TO:<bob@example.net>\nC: DATA\n"
// short_body sent after 354, and the dot, up to the final reply.
#define SHORT_BODY_SENT "-- body\nC: Subject: hi\nC:\nC: Hello.\nC: .\n"
// QUIT, its 221, and the end of the session.
#define QUIT_AND_CLOSE "C: QUIT\nS: 221 Bye\n-- closed\n"
// One message from alice to bob in lock step, accepted, then QUIT.
#define TRANSACTION \
  MAIL_RCPT_DATA_LOCKSTEP "S: 354 go\n" SHORT_BODY_SENT "S: 250 Ok\n" QUIT_AND_CLOSE

// Whether `text` contains `part`; for messages checked piecewise.
inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace smtpsend::smtp::dialog
