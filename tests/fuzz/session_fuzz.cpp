// libFuzzer target: smtp::Session driven by arbitrary server bytes, without a network.
//
// The session runs through the program's own driver loop (app::drive) over a transport that
// collects what is written, hands out the server's bytes in reads whose sizes come from the
// input, "completes" the TLS handshake when asked, and reports the end of the input as a closed
// connection; the message is a fixed body. The configuration asks for STARTTLS and has
// credentials, so both the TLS policy and the AUTH redaction are exercised.
//
// Checked, for every input:
// - the password and its base64 forms (LOGIN response, PLAIN initial response) never reach the
//   trace in a client line, and elsewhere only when the server itself sent them (they are then
//   in the input): a server line, or a note quoting what the server sent;
// - nothing written before the TLS handshake carries the password in any form (RFC 3207 §6:
//   STARTTLS is required, so the secret may only travel inside TLS);
// - what is written is complete CRLF-ended lines, without a bare CR or LF;
// - accepted only after a 354 reply, the final dot and then a 250 reply (or BDAT LAST and a 250
//   reply, RFC 3030), with every recipient accepted (the session never sends half a message);
//   delivery unknown only after the final dot was written;
// - a transaction that ends unaccepted carries an error, and so does a session that ends without
//   one;
// - the session finishes within a bounded number of steps once the input is used up.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/driver.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "fuzz/fuzz_splits.hpp"
#include "net/transport.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace {

namespace smtp = smtpsend::smtp;
using smtpsend::trace::Direction;

constexpr std::string_view fuzz_user = "fuzz-user";
constexpr std::string_view fuzz_password = "fuzz-secret";

// More steps than any dialog with this envelope needs; reaching the bound means a loop.
constexpr int max_steps = 10000;

// A body with what the session must rewrite: a leading dot, a bare LF, a bare CR.
constexpr std::string_view body_pieces[] = {"Subject: fuzz\r\n\r\n", ".leading dot\n", "bare CR\r",
                                            "last line without line end"};

struct TraceEvent {
  Direction direction;
  std::string line;
};

class RecordingSink final : public smtpsend::trace::Sink {
 public:
  bool enabled() const override { return true; }
  void line(Direction direction, std::string_view text, bool /*in_tls*/) override {
    events.push_back({direction, std::string(text)});
  }
  std::vector<TraceEvent> events;
};

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "session_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::vector<std::string> secret_forms() {
  std::string plain_message;
  plain_message += '\0';
  plain_message += fuzz_user;
  plain_message += '\0';
  plain_message += fuzz_password;
  return {std::string(fuzz_password), smtpsend::encode_base64(fuzz_password),
          smtpsend::encode_base64(plain_message)};
}

bool carries_secret(std::string_view text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (contains(text, secret)) {
      return true;
    }
  }
  return false;
}

// `wire` is everything written: body flights may end mid-line, the whole may not, except when the
// session abandoned the body (a reply came before the final dot): then the connection is closed
// without the dot, and what was written may stop anywhere in the body.
void check_crlf_lines(std::string_view wire, bool body_abandoned) {
  check(wire.empty() || wire.ends_with("\r\n") || body_abandoned, "what is written ends with CRLF");
  for (std::size_t i = 0; i < wire.size(); ++i) {
    if (wire[i] == '\r') {
      check(
          (i + 1 < wire.size() && wire[i + 1] == '\n') || (i + 1 == wire.size() && body_abandoned),
          "no bare CR is written");
    } else if (wire[i] == '\n') {
      check(i > 0 && wire[i - 1] == '\r', "no bare LF is written");
    }
  }
}

// True when the trace shows a 354 reply, then the final dot, then a 250 reply.
bool trace_shows_accepted_message(const std::vector<TraceEvent>& events) {
  enum { want_354, want_dot, want_250 } phase = want_354;
  for (const auto& event : events) {
    const std::string_view line = event.line;
    // RFC 3030 §2: with CHUNKING the end of the message is "BDAT n LAST", no 354 and no dot.
    const bool last_chunk = event.direction == Direction::client && line.starts_with("BDAT ") &&
                            line.ends_with(" LAST");
    if (phase != want_250 && last_chunk) {
      phase = want_250;
    } else if (phase == want_354 && event.direction == Direction::server &&
               line.starts_with("354")) {
      phase = want_dot;
    } else if (phase == want_dot && event.direction == Direction::client && line == ".") {
      phase = want_250;
    } else if (phase == want_250 && event.direction == Direction::server &&
               (line == "250" || line.starts_with("250 "))) {
      return true;
    }
  }
  return false;
}

// The server: the input's reads, one per read; a read that must not wait (the driver looking
// for early replies while it sends the body) finds nothing.
class FuzzTransport final : public smtpsend::net::Transport {
 public:
  FuzzTransport(std::vector<std::string_view> reads, const std::vector<std::string>& secrets)
      : reads_(std::move(reads)), secrets_(secrets) {}

  void write(std::string_view bytes) override {
    check(!closed, "nothing is written after the close");
    if (!tls_up) {
      check(!carries_secret(bytes, secrets_), "no secret written before TLS");
    }
    wire += bytes;
  }
  void write(std::string_view bytes, std::chrono::milliseconds /*timeout*/) override {
    write(bytes);
  }
  std::size_t read(char* buffer, std::size_t size) override {
    return read(buffer, size, std::chrono::minutes(5));
  }
  std::size_t read(char* buffer, std::size_t size, std::chrono::milliseconds timeout) override {
    check(++reads < max_steps, "the session finishes in a bounded number of steps");
    if (timeout.count() == 0) {
      throw smtpsend::Failure(smtpsend::ErrorKind::temporary, "nothing has arrived yet");
    }
    if (current_.empty()) {
      if (next_ == reads_.size()) {
        return 0;
      }
      current_ = reads_[next_++];
    }
    const std::size_t n = std::min(size, current_.size());
    current_.copy(buffer, n);
    current_.remove_prefix(n);
    return n;
  }
  void start_tls() override { tls_up = true; }
  bool tls_active() const override { return tls_up; }
  void close() override { closed = true; }

  std::string wire;  // everything written
  bool tls_up = false;
  bool closed = false;
  int reads = 0;

 private:
  std::vector<std::string_view> reads_;
  std::size_t next_ = 0;
  std::string_view current_;
  const std::vector<std::string>& secrets_;
};

// One message with the fixed body.
class FuzzMessage final : public smtpsend::app::Transactions {
 public:
  explicit FuzzMessage(smtp::Envelope envelope) : envelope_(std::move(envelope)) {}

  std::optional<smtp::Envelope> next() override {
    if (started_) {
      return std::nullopt;
    }
    started_ = true;
    return envelope_;
  }
  bool body(std::string& chunk) override {
    if (piece_ == std::size(body_pieces)) {
      return false;
    }
    chunk = body_pieces[piece_++];
    return true;
  }
  void ended(smtp::TransactionOutcome outcome) override {
    check(!outcome_.has_value(), "one outcome per transaction");
    outcome_ = std::move(outcome);
  }

  std::optional<smtp::TransactionOutcome> outcome_;

 private:
  smtp::Envelope envelope_;
  bool started_ = false;
  std::size_t piece_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> secrets = secret_forms();

  smtp::SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = smtpsend::TlsMode::starttls;
  config.credentials = smtp::Credentials{std::string(fuzz_user), std::string(fuzz_password)};
  smtp::Envelope envelope;
  envelope.mail_from = "sender@example.com";
  envelope.recipients = {"one@example.com", "two@example.org"};
  envelope.size = 1234;

  RecordingSink sink;
  smtp::Session session(config, sink);
  FuzzTransport transport(smtpsend::fuzz::split_by_hash(input), secrets);
  FuzzMessage message(envelope);
  smtpsend::app::drive(transport, session, message, {});

  check(transport.closed, "the driver closes the connection at the end");
  check(session.next_step() == smtp::Step::finished, "a finished session stays finished");
  smtp::TransactionOutcome outcome;
  if (message.outcome_) {
    outcome = *message.outcome_;
  } else {
    check(session.error().has_value(), "a session that ends without a transaction has an error");
    outcome.error = session.error();
  }
  const std::string& wire = transport.wire;
  // Body pieces are dot-stuffed, so CRLF "." CRLF on the wire is the final dot and nothing else.
  // RFC 3030: with CHUNKING, "BDAT n LAST" ends the message instead of the dot.
  const bool dot_written = contains(wire, "\r\n.\r\n") || contains(wire, " LAST\r\n");
  const bool body_abandoned = !outcome.accepted() && !dot_written;
  check_crlf_lines(wire, body_abandoned);

  const bool input_has_secret = carries_secret(input, secrets);
  for (const auto& event : sink.events) {
    if (carries_secret(event.line, secrets)) {
      check(event.direction != Direction::client && input_has_secret,
            "a secret in the trace only where the server sent it");
    }
  }

  if (outcome.error) {
    // Error messages quote the server with bytes escaped as "\xNN", whose last two characters
    // may begin a secret form that the server sent the rest of.
    std::vector<std::string> secret_tails;
    for (const auto& secret : secrets) {
      secret_tails.push_back(secret.substr(2));
    }
    if (!carries_secret(input, secret_tails)) {
      check(!carries_secret(outcome.error->message, secrets), "no secret in the error message");
    }
  }
  if (outcome.state == smtp::TransactionState::delivery_unknown) {
    check(dot_written, "delivery unknown only after the final dot was written");
  }
  if (outcome.accepted()) {
    check(trace_shows_accepted_message(sink.events),
          "accepted only after 354, '.', 250 (or BDAT LAST, 250)");
    check(contains(input, "354") || contains(wire, " LAST\r\n"),
          "accepted only if the server sent 354 (or BDAT LAST went out)");
    check(outcome.recipients.size() == envelope.recipients.size(), "every recipient answered");
    for (const auto& recipient : outcome.recipients) {
      check(recipient.accepted, "accepted only when every recipient was accepted");
    }
    // Once accepted, nothing that happens around QUIT adds an error: the outcome stands.
    check(!outcome.error.has_value(), "no error beside an accepted outcome");
  } else {
    check(outcome.error.has_value(), "an unaccepted transaction carries an error");
  }
  return 0;
}
