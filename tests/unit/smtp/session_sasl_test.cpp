// Each SASL mechanism's whole exchange against a real SASL server side (GNU SASL's, in
// sasl_server.hpp), through the driver loop, fed whole and one byte at a time: the mechanisms
// whose messages carry random nonces cannot be scripted line by line. The scripted dialogs of
// session_auth_test.cpp cover the deterministic ones.

#include <gtest/gtest.h>

#include "app/driver.hpp"
#include "dialog_runner.hpp"
#include "sasl_server.hpp"
#include "smtp/sasl_gsasl.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::contains;
using dialog::RecordingSink;
using testing::SaslServer;
using testing::SaslServerOptions;

constexpr std::string_view password = "s3cret-pa55";

class OneMessage final : public app::Transactions {
 public:
  std::optional<Envelope> next() override {
    if (started_) {
      return std::nullopt;
    }
    started_ = true;
    Envelope envelope;
    envelope.mail_from = "alice@example.org";
    envelope.recipients = {"bob@example.net"};
    return envelope;
  }
  bool body(std::string& chunk) override {
    if (body_sent_) {
      return false;
    }
    body_sent_ = true;
    chunk = "Subject: hi\r\n\r\nHello.\r\n";
    return true;
  }
  void ended(TransactionOutcome outcome) override { outcome_ = std::move(outcome); }
  std::optional<TransactionOutcome> outcome_;

 private:
  bool started_ = false;
  bool body_sent_ = false;
};

struct SaslRun {
  std::optional<TransactionOutcome> outcome;
  std::optional<Error> error;  // the session's (authentication ends it before any transaction)
  std::string trace;
  std::vector<std::string> client_lines;
  std::string mechanism;
  std::string first_client_message;
  int messages = 0;

  bool delivered() const { return outcome && outcome->accepted() && messages == 1; }
  // Whatever ended the run: the transaction's error or the session's.
  std::string error_text() const {
    if (error) {
      return error->message;
    }
    return outcome && outcome->error ? outcome->error->message : "";
  }
  ErrorKind error_kind() const {
    return error ? error->kind
                 : (outcome && outcome->error ? outcome->error->kind : ErrorKind::internal);
  }
  bool sent_mail() const {
    return std::any_of(client_lines.begin(), client_lines.end(),
                       [](const std::string& line) { return line.rfind("MAIL ", 0) == 0; });
  }
};

SaslRun run_once(const SaslServerOptions& options, std::string_view mechanism,
                 std::string_view client_password, std::size_t piece) {
  SaslServer server(options);
  SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = options.implicit_tls ? TlsMode::smtps : TlsMode::none;
  config.allow_plaintext_auth = true;
  config.credentials = Credentials{"alice", std::string(client_password)};
  config.auth_mechanism = std::string(mechanism);
  config.server_host = "mx.example.net";
  RecordingSink trace;
  Session session(config, trace);
  OneMessage messages;
  app::drive(server, session, messages, {}, piece);
  SaslRun run;
  run.outcome = messages.outcome_;
  run.error = session.error();
  run.trace = trace.text();
  run.client_lines = server.client_lines();
  run.mechanism = server.mechanism();
  run.first_client_message = server.first_client_message();
  run.messages = server.messages_received();
  return run;
}

// Runs whole and byte by byte; both must end alike. Returns the byte-by-byte run.
SaslRun run_both(const SaslServerOptions& options, std::string_view mechanism,
                 std::string_view client_password = password) {
  const SaslRun whole = run_once(options, mechanism, client_password, 0);
  SaslRun bytewise = run_once(options, mechanism, client_password, 1);
  EXPECT_EQ(whole.delivered(), bytewise.delivered());
  // The texts may differ: SCRAM's nonces are new each time.
  EXPECT_EQ(whole.error_kind(), bytewise.error_kind());
  EXPECT_EQ(whole.mechanism, bytewise.mechanism);
  return bytewise;
}

void expect_no_secret(const SaslRun& run) {
  EXPECT_FALSE(contains(run.trace, password)) << run.trace;
  EXPECT_FALSE(contains(run.error_text(), password)) << run.error_text();
  // No payload the client sent appears in the trace, not even SCRAM's (it names the user).
  for (const auto& line : run.client_lines) {
    if (line.size() >= 8 && line.find(' ') == std::string::npos) {
      EXPECT_FALSE(contains(run.trace, line)) << line << "\n" << run.trace;
    }
  }
}

TEST(SessionSasl, EveryPasswordMechanismDelivers) {
  for (const std::string_view mechanism :
       {"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "DIGEST-MD5", "PLAIN", "LOGIN"}) {
    SCOPED_TRACE(mechanism);
    const SaslRun run = run_both({}, mechanism);
    EXPECT_TRUE(run.delivered()) << run.error_text() << "\n" << run.trace;
    EXPECT_EQ(mechanism, run.mechanism);
    EXPECT_TRUE(contains(run.trace, fmt::format("AUTH mechanism: {} (configured)", mechanism)))
        << run.trace;
    EXPECT_TRUE(contains(run.trace, fmt::format("authenticated with {}", mechanism)));
    expect_no_secret(run);
  }
}

TEST(SessionSasl, AutomaticChoiceTakesScramSha256AndSaysWhy) {
  const SaslRun run = run_both({}, "");
  EXPECT_TRUE(run.delivered()) << run.error_text();
  EXPECT_EQ("SCRAM-SHA-256", run.mechanism);
  EXPECT_TRUE(contains(run.trace, "AUTH mechanism: SCRAM-SHA-256 (the strongest of those offered"))
      << run.trace;
}

TEST(SessionSasl, WrongPasswordIsAPermissionErrorWithNothingSentAfterAuth) {
  for (const std::string_view mechanism : {"SCRAM-SHA-256", "CRAM-MD5", "PLAIN"}) {
    SCOPED_TRACE(mechanism);
    const SaslRun run = run_both({}, mechanism, "not-the-password");
    EXPECT_FALSE(run.delivered());
    EXPECT_EQ(ErrorKind::permission, run.error_kind()) << run.error_text();
    EXPECT_TRUE(contains(run.error_text(), "authentication failed for user 'alice'"))
        << run.error_text();
    EXPECT_FALSE(run.sent_mail());
    EXPECT_FALSE(contains(run.trace, "not-the-password"));
  }
}

TEST(SessionSasl, ScramPlusBindsToTheTlsConnection) {
  SaslServerOptions options;
  options.offered = "SCRAM-SHA-256 SCRAM-SHA-256-PLUS PLAIN";
  options.client_binding = "finished-message-octets";
  const SaslRun run = run_both(options, "");
  EXPECT_TRUE(run.delivered()) << run.error_text() << "\n" << run.trace;
  EXPECT_EQ("SCRAM-SHA-256-PLUS", run.mechanism);
  // RFC 5802 §7: the gs2 header names the binding type; the binding itself never shows.
  EXPECT_EQ(0U, run.first_client_message.rfind("p=tls-unique,,n=alice,", 0))
      << run.first_client_message;
  EXPECT_FALSE(contains(run.trace, "finished-message-octets"));
  expect_no_secret(run);
}

TEST(SessionSasl, ScramPlusFailsWhenTheServerSeesAnotherConnection) {
  // A man in the middle terminates our TLS and opens its own to the server: the bindings differ.
  SaslServerOptions options;
  options.offered = "SCRAM-SHA-256-PLUS";
  options.client_binding = "the-connection-we-made";
  options.server_binding = "the-proxy-s-connection";
  const SaslRun run = run_both(options, "SCRAM-SHA-256-PLUS");
  EXPECT_FALSE(run.delivered());
  EXPECT_EQ(ErrorKind::permission, run.error_kind()) << run.error_text();
  EXPECT_FALSE(run.sent_mail());
}

TEST(SessionSasl, PlainScramWithABindingAtHandSaysN) {
  // RFC 5802 §6 would send "y" here (the client could bind, the server offered no -PLUS), but
  // GNU SASL 2.2 fails its first step with "y"; "n" is what a client without a binding sends.
  SaslServerOptions options;
  options.offered = "SCRAM-SHA-256";
  options.client_binding = "finished-message-octets";
  const SaslRun run = run_both(options, "");
  EXPECT_TRUE(run.delivered()) << run.error_text();
  EXPECT_EQ(0U, run.first_client_message.rfind("n,,n=alice,", 0)) << run.first_client_message;
}

TEST(SessionSasl, WrongScramServerSignatureEndsBeforeMail) {
  SaslServerOptions options;
  options.tamper_final = [](std::string& final_message) {
    // "v=<base64 signature>": one character changed is another signature.
    final_message[2] = final_message[2] == 'A' ? 'B' : 'A';
  };
  for (const std::string_view mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-1"}) {
    SCOPED_TRACE(mechanism);
    const SaslRun run = run_both(options, mechanism);
    EXPECT_FALSE(run.delivered());
    EXPECT_EQ(ErrorKind::permission, run.error_kind());
    EXPECT_TRUE(contains(run.error_text(), "failed to prove its identity")) << run.error_text();
    EXPECT_FALSE(run.sent_mail());
    // Not even the empty answer to the final message went out.
    EXPECT_EQ("QUIT", run.client_lines.back());
  }
}

TEST(SessionSasl, ScramServerNonceThatDoesNotContinueOursEndsBeforeMail) {
  // RFC 5802 §5.1: "r=" must start with the client's nonce; another answers someone else.
  SaslServerOptions options;
  options.tamper_first = [](std::string& server_first) {
    server_first[2] = server_first[2] == 'A' ? 'B' : 'A';  // the first octet after "r="
  };
  const SaslRun run = run_both(options, "SCRAM-SHA-256");
  EXPECT_FALSE(run.delivered());
  EXPECT_EQ(ErrorKind::protocol, run.error_kind()) << run.error_text();
  EXPECT_TRUE(contains(run.error_text(), "does not continue the nonce")) << run.error_text();
  EXPECT_FALSE(run.sent_mail());
}

TEST(SessionSasl, ScramServerThatSkipsItsSignatureIsRefused) {
  SaslServerOptions options;
  options.skip_final = true;
  const SaslRun run = run_both(options, "SCRAM-SHA-256");
  EXPECT_FALSE(run.delivered());
  EXPECT_EQ(ErrorKind::permission, run.error_kind());
  EXPECT_TRUE(contains(run.error_text(), "never proved that it knows the password"))
      << run.error_text();
  EXPECT_FALSE(run.sent_mail());
}

TEST(SessionSasl, ScramIterationCountIsBounded) {
  SaslServerOptions options;
  options.scram_iterations = std::to_string(max_scram_iterations + 1);
  const SaslRun run = run_both(options, "SCRAM-SHA-1");
  EXPECT_FALSE(run.delivered());
  EXPECT_EQ(ErrorKind::protocol, run.error_kind());
  EXPECT_TRUE(contains(run.error_text(), "SCRAM iterations")) << run.error_text();
  EXPECT_FALSE(run.sent_mail());
}

TEST(SessionSasl, AServerQuotingThePayloadBackNeverShowsIt) {
  SaslServerOptions options;
  options.echo_payload_in_refusal = true;
  for (const std::string_view mechanism : {"PLAIN", "LOGIN", "SCRAM-SHA-256"}) {
    SCOPED_TRACE(mechanism);
    const SaslRun run = run_both(options, mechanism, "wrong-pa55word");
    EXPECT_EQ(ErrorKind::permission, run.error_kind());
    EXPECT_TRUE(contains(run.error_text(), "<redacted>")) << run.error_text();
    EXPECT_FALSE(contains(run.error_text(), "wrong-pa55word")) << run.error_text();
    EXPECT_FALSE(contains(run.trace, "wrong-pa55word")) << run.trace;
    for (const auto& line : run.client_lines) {
      if (line.size() >= 8 && line.find(' ') == std::string::npos) {
        EXPECT_FALSE(contains(run.error_text(), line)) << run.error_text();
        EXPECT_FALSE(contains(run.trace, line)) << run.trace;
      }
    }
  }
}

TEST(SessionSasl, ExternalSendsAnEmptyInitialResponse) {
  SaslServerOptions options;
  options.offered = "EXTERNAL PLAIN";
  const SaslRun run = run_both(options, "EXTERNAL", "");
  EXPECT_TRUE(run.delivered()) << run.error_text();
  EXPECT_TRUE(std::find(run.client_lines.begin(), run.client_lines.end(), "AUTH EXTERNAL =") !=
              run.client_lines.end());
}

}  // namespace
}  // namespace smtpsend::smtp
