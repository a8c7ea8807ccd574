// AUTH in the dialog: mechanism choice, the PLAIN and LOGIN exchanges, refusals, and that no
// secret reaches the trace.

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "dialog_runner.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::contains;
using dialog::DialogRuns;
using dialog::envelope_to;
using dialog::expect_dialog;
using dialog::short_body;

// base64("\0alice\0s3cret-pa55"), base64("s3cret-pa55")
constexpr std::string_view plain_response = "AGFsaWNlAHMzY3JldC1wYTU1";
constexpr std::string_view password_base64 = "czNjcmV0LXBhNTU=";
constexpr std::string_view password = "s3cret-pa55";

SessionConfig implicit_tls_with_credentials() {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::smtps;
  config.credentials = Credentials{"alice", std::string(password)};
  return config;
}

void expect_no_secret_in_trace(const DialogRuns& runs) {
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    const std::string trace = run->trace.text();
    EXPECT_FALSE(contains(trace, password)) << trace;
    EXPECT_FALSE(contains(trace, password_base64)) << trace;
    EXPECT_FALSE(contains(trace, plain_response)) << trace;
    if (run->outcome.error) {
      EXPECT_FALSE(contains(run->outcome.error->message, password));
    }
  }
}

TEST(SessionAuth, PlainSendsTheInitialResponseAndRedactsItInTheTrace) {
  DialogRuns runs;
  expect_dialog(OFFERING("LOGIN PLAIN") R"(C: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYTU1
S: 235 2.7.0 Authentication successful
)" TRANSACTION,
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  // Not even the length: it would give away the length of the password.
  EXPECT_TRUE(contains(runs.whole.trace.text(), "C~ AUTH PLAIN <redacted>\n"))
      << runs.whole.trace.text();
  expect_no_secret_in_trace(runs);
}

TEST(SessionAuth, LoginAnswersTheUserNameAndPasswordPrompts) {
  DialogRuns runs;
  expect_dialog(OFFERING("LOGIN") R"(C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: YWxpY2U=
S: 334 UGFzc3dvcmQ6
C: czNjcmV0LXBhNTU=
S: 235 2.7.0 Authentication successful
)" TRANSACTION,
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  const std::string trace = runs.whole.trace.text();
  EXPECT_TRUE(contains(trace, "C~ AUTH LOGIN\nS~ 334 VXNlcm5hbWU6\nC~ <redacted>\n")) << trace;
  expect_no_secret_in_trace(runs);
}

TEST(SessionAuth, LoginAnswersWhateverThePromptsSayInOrder) {
  DialogRuns runs;
  expect_dialog(OFFERING("LOGIN") R"(C: AUTH LOGIN
S: 334
C: YWxpY2U=
S: 334 SGVsbG8=
C: czNjcmV0LXBhNTU=
S: 235 ok
)" TRANSACTION,
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(SessionAuth, LoginWithAThirdPromptIsAProtocolError) {
  DialogRuns runs;
  expect_dialog(OFFERING("LOGIN") R"(C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: YWxpY2U=
S: 334 UGFzc3dvcmQ6
C: czNjcmV0LXBhNTU=
S: 334 UGFzc3dvcmQ6
-- closed
)",
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::protocol, runs.whole.outcome.error->kind);
}

TEST(SessionAuth, ConfiguredLoginIsUsedEvenWhenPlainIsOffered) {
  SessionConfig config = implicit_tls_with_credentials();
  config.auth_mechanism = "LOGIN";
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN LOGIN") R"(C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: YWxpY2U=
S: 334 UGFzc3dvcmQ6
C: czNjcmV0LXBhNTU=
S: 235 ok
)" TRANSACTION,
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(SessionAuth, ConfiguredMechanismNotOfferedNamesWhatTheServerOffers) {
  SessionConfig config = implicit_tls_with_credentials();
  config.auth_mechanism = "LOGIN";
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN CRAM-MD5") R"(C: QUIT
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::config, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "PLAIN, CRAM-MD5"));
}

TEST(SessionAuth, ServerWithoutAuthIsRefusedBeforeMail) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: QUIT
-- closed
)",
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::unavailable, runs.whole.outcome.error->kind);
}

TEST(SessionAuth, OldAuthEqualsAnnouncementIsUnderstood) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("AUTH=PLAIN") R"(C: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYTU1
S: 235 ok
)" TRANSACTION,
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(SessionAuth, FailureIsAPermissionErrorWithoutTheSecret) {
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN") R"(C: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYTU1
S: 535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6
C: QUIT
-- closed
)",
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::permission, error->kind);
  EXPECT_EQ(
      "authentication failed for user 'alice' (AUTH PLAIN): 535 5.7.8 Error: authentication "
      "failed: UGFzc3dvcmQ6; check the user name and password",
      error->message);
  ASSERT_TRUE(error->reply.has_value());
  EXPECT_EQ("5.7.8", error->reply->enhanced);
  expect_no_secret_in_trace(runs);
}

TEST(SessionAuth, PlaintextAuthIsRefusedBeforeAnythingSecretIsSent) {
  SessionConfig config = cleartext_config();
  config.credentials = Credentials{"alice", std::string(password)};
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN LOGIN") R"(C: QUIT
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::permission, error->kind);
  EXPECT_TRUE(contains(error->message, "unencrypted")) << error->message;
  expect_no_secret_in_trace(runs);
}

TEST(SessionAuth, PlaintextAuthWhenExplicitlyAllowed) {
  SessionConfig config = cleartext_config();
  config.credentials = Credentials{"alice", std::string(password)};
  config.allow_plaintext_auth = true;
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN LOGIN") R"(C: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYTU1
S: 235 ok
)" TRANSACTION,
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  expect_no_secret_in_trace(runs);
}

TEST(SessionAuth, AuthAfterStartTlsUsesTheCapabilitiesLearnedInsideTls) {
  // Postfix with smtpd_tls_auth_only: AUTH appears only in the EHLO reply after STARTTLS. PLAIN
  // is named, since on its own the session would take the SCRAM-SHA-256 it offers.
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::starttls;
  config.credentials = Credentials{"alice", std::string(password)};
  config.auth_mechanism = "PLAIN";
  DialogRuns runs;
  expect_dialog(R"(
S: 220 mta.lab.test ESMTP Postfix (Debian/GNU)
C: EHLO client.example
S: 250-mta.lab.test
S: 250-PIPELINING
S: 250-SIZE 1100000000
S: 250-STARTTLS
S: 250 ENHANCEDSTATUSCODES
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
-- tls
C: EHLO client.example
S: 250-mta.lab.test
S: 250-PIPELINING
S: 250-SIZE 1100000000
S: 250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256
S: 250 ENHANCEDSTATUSCODES
C: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYTU1
S: 235 2.7.0 Authentication successful
)" MAIL_RCPT_DATA_PIPELINED R"(S: 250 2.1.0 Ok
S: 250 2.1.5 Ok
S: 354 End data with <CR><LF>.<CR><LF>
)" SHORT_BODY_SENT R"(C: QUIT
S: 250 2.0.0 Ok: queued as 4XYZ
S: 221 2.0.0 Bye
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  expect_no_secret_in_trace(runs);
}

TEST(SessionAuth, CramMd5AnswersTheChallengeAsRfc2195Shows) {
  // RFC 2195 §2's example: the digest of the server's timestamp keyed with the password.
  SessionConfig config = implicit_tls_with_credentials();
  config.credentials = Credentials{"tim", "tanstaaftanstaaf"};
  config.auth_mechanism = "CRAM-MD5";
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN CRAM-MD5") R"(C: AUTH CRAM-MD5
S: 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+
C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw
S: 235 2.7.0 Authentication successful
)" TRANSACTION,
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_TRUE(contains(runs.whole.trace.text(), "C~ <redacted>\n")) << runs.whole.trace.text();
  EXPECT_FALSE(contains(runs.whole.trace.text(), "dGltIGI5MTNh"));
}

TEST(SessionAuth, ExternalSendsAnEmptyInitialResponseAsEquals) {
  // RFC 4954 §4: "=" is an initial response of zero length; EXTERNAL's identity is the TLS
  // client certificate's, so it needs no user name and no password.
  SessionConfig config = implicit_tls_with_credentials();
  config.credentials = Credentials{"", ""};
  config.auth_mechanism = "EXTERNAL";
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN EXTERNAL") R"(C: AUTH EXTERNAL =
S: 235 2.7.0 Authentication successful
)" TRANSACTION,
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(SessionAuth, AnInitialResponseTooLongForTheAuthLineFollowsAnEmptyChallenge) {
  // RFC 4954 §4: the AUTH line keeps to 512 octets; a longer response waits for "334 ", whole.
  SessionConfig config = implicit_tls_with_credentials();
  const std::string long_password(400, 'x');
  config.credentials = Credentials{"alice", long_password};
  const std::string payload = encode_base64(std::string("\0alice\0", 7) + long_password);
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN") R"(C: AUTH PLAIN
S: 334
C: )" + payload + R"(
S: 235 2.7.0 Authentication successful
)" TRANSACTION,
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_FALSE(contains(runs.whole.trace.text(), payload));
}

TEST(SessionAuth, ARefusalThatQuotesThePayloadIsRedactedInTraceAndError) {
  // Seen in the wild: a server that repeats the client's AUTH line in its refusal.
  DialogRuns runs;
  expect_dialog(OFFERING("PLAIN") R"(C: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYTU1
S: 535 5.7.8 bad credentials AGFsaWNlAHMzY3JldC1wYTU1 for alice/s3cret-pa55
C: QUIT
-- closed
)",
                implicit_tls_with_credentials(), envelope_to({"bob@example.net"}), short_body,
                runs);
  const std::string message = runs.whole.outcome.error->message;
  EXPECT_TRUE(contains(message, "bad credentials <redacted> for alice/<redacted>")) << message;
  EXPECT_TRUE(contains(runs.whole.trace.text(),
                       "S~ 535 5.7.8 bad credentials <redacted> for alice/<redacted>\n"))
      << runs.whole.trace.text();
  expect_no_secret_in_trace(runs);
}

TEST(SessionAuth, AChallengeThatIsNotBase64IsAProtocolError) {
  SessionConfig config = implicit_tls_with_credentials();
  config.auth_mechanism = "LOGIN";
  DialogRuns runs;
  expect_dialog(OFFERING("LOGIN") R"(C: AUTH LOGIN
S: 334 Username:
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_EQ(ErrorKind::protocol, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "not base64"));
}

TEST(SessionAuth, NtlmSendsItsNegotiateMessageThenAnswersTheChallenge) {
  // No server here offers NTLM (Debian's Dovecot is built without it), so the exchange is pinned:
  // the negotiate message (type 1) as the initial response, the answer to a type 2 challenge
  // with the challenge 0123456789abcdef, both as GNU SASL (libntlm) makes them. Only when named.
  SessionConfig config = implicit_tls_with_credentials();
  config.auth_mechanism = "NTLM";
  DialogRuns runs;
  expect_dialog(
      OFFERING("PLAIN NTLM") R"(C: AUTH NTLM TlRMTVNTUAABAAAAB7IAAAUABQAgAAAAAAAAACUAAABhbGljZQ==
S: 334 TlRMTVNTUAACAAAAAAAAACgAAAABggAAASNFZ4mrze8AAAAAAAAAAAAAAAAAAAAA
C: TlRMTVNTUAADAAAAGAAYAFQAAAAYABgAbAAAAAAAAABAAAAACgAKAEAAAAAKAAoASgAAAAAAAACEAAAAAYIAAGEAbABpAGMAZQBhAGwAaQBjAGUAoj1BeYbms4EFHb9FqGwQZLvGvkSXvnzQUb78VtFtzpmvG+8Z83pE14bLQFuUWS69
S: 235 2.7.0 Authentication successful
)" TRANSACTION,
      config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_TRUE(contains(runs.whole.trace.text(), "C~ AUTH NTLM <redacted>\n"));
}

TEST(SessionAuth, NtlmNamesTheDomainOfNtlmdomainInItsNegotiateMessage) {
  // msmtp's ntlmdomain: the negotiate message carries "CORP" after the user name.
  SessionConfig config = implicit_tls_with_credentials();
  config.auth_mechanism = "NTLM";
  config.ntlm_domain = "CORP";
  DialogRuns runs;
  expect_dialog(
      OFFERING("NTLM") R"(C: AUTH NTLM TlRMTVNTUAABAAAAB7IAAAUABQAgAAAABAAEACUAAABhbGljZUNPUlA=
S: 535 5.7.8 no
C: QUIT
-- closed
)",
      config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_EQ(ErrorKind::permission, runs.whole.outcome.error->kind);
}

}  // namespace
}  // namespace smtpsend::smtp
