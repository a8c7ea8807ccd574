// libFuzzer target: smtp::Session driven by arbitrary server bytes, without a network.
//
// The driver steps the session as app/deliver.cpp does: it writes (here: collects) what
// take_output() returns, hands the server's bytes to receive() in reads whose sizes come from the
// input, "completes" the TLS handshake when asked, streams a fixed body, and reports end of
// stream as a closed connection. The configuration asks for STARTTLS and has credentials, so
// both the TLS policy and the AUTH redaction are exercised.
//
// Checked, for every input:
// - the password and its base64 forms (LOGIN response, PLAIN initial response) never reach the
//   trace in a client line, and elsewhere only when the server itself sent them (they are then
//   in the input): a server line, or a note quoting what the server sent;
// - nothing written before the TLS handshake carries the password in any form (RFC 3207 §6:
//   STARTTLS is required, so the secret may only travel inside TLS);
// - what is written is complete CRLF-ended lines, without a bare CR or LF;
// - delivered is true only after a 354 reply, the final dot and then a 250 reply, with every
//   recipient accepted (the session never sends half a message);
// - a session that ends undelivered carries an error;
// - the session finishes within a bounded number of steps once the input is used up.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/base64.hpp"
#include "fuzz/fuzz_splits.hpp"
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
    if (phase == want_354 && event.direction == Direction::server && line.starts_with("354")) {
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> secrets = secret_forms();

  smtp::SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = smtp::TlsPolicy::starttls;
  config.credentials = smtp::Credentials{std::string(fuzz_user), std::string(fuzz_password)};
  smtp::Envelope envelope;
  envelope.mail_from = "sender@example.com";
  envelope.recipients = {"one@example.com", "two@example.org"};
  envelope.size = 1234;

  RecordingSink sink;
  smtp::Session session(config, envelope, sink);

  const std::vector<std::string_view> reads = smtpsend::fuzz::split_by_hash(input);
  std::size_t next_read = 0;
  bool tls_up = false;
  bool finished = false;
  std::string wire;
  const auto write = [&] {
    const std::string flight = session.take_output();
    wire += flight;
    if (!tls_up) {
      check(!carries_secret(flight, secrets), "no secret written before TLS");
    }
  };

  for (int step = 0; step < max_steps && !finished; ++step) {
    switch (session.next_step()) {
      case smtp::Step::write_then_read:
        write();
        if (next_read < reads.size()) {
          session.receive(reads[next_read++]);
        } else {
          session.connection_lost("the server closed the connection");
        }
        break;
      case smtp::Step::start_tls:
        write();
        tls_up = true;
        session.tls_started();
        break;
      case smtp::Step::send_body:
        for (const auto piece : body_pieces) {
          session.body(piece);
          write();
        }
        session.end_of_body();
        write();
        break;
      case smtp::Step::finished:
        write();
        finished = true;
        break;
    }
  }
  check(finished, "the session finishes in a bounded number of steps");
  check(session.next_step() == smtp::Step::finished, "a finished session stays finished");
  const smtp::Outcome& outcome = session.outcome();
  // Body pieces are dot-stuffed, so CRLF "." CRLF on the wire is the final dot and nothing else.
  const bool body_abandoned = !outcome.delivered && !contains(wire, "\r\n.\r\n");
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
  if (outcome.delivered) {
    check(trace_shows_accepted_message(sink.events), "delivered only after 354, '.', 250");
    check(contains(input, "354"), "delivered only if the server sent 354");
    check(outcome.recipients.size() == envelope.recipients.size(), "every recipient answered");
    for (const auto& recipient : outcome.recipients) {
      check(recipient.accepted, "delivered only when every recipient was accepted");
    }
    // Once delivered, nothing that happens around QUIT adds an error: the outcome stands.
    check(!outcome.error.has_value(), "no error beside a delivered outcome");
  } else {
    check(outcome.error.has_value(), "an undelivered session carries an error");
  }
  return 0;
}
