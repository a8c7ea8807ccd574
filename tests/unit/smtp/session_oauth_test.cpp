// XOAUTH2 and OAUTHBEARER (smtp/sasl_oauth) in the session's AUTH loop, as dialog scripts fed
// whole and byte by byte: the server's error report answered as each mechanism's spec says, one
// retry with a fresh token on the same connection, the report's status and scope in the error,
// a long token sent whole after an empty 334, and no token in the trace.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/base64.hpp"
#include "dialog_runner.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::contains;
using dialog::DialogResult;
using dialog::envelope_to;
using dialog::Feed;
using dialog::short_body;

// base64("user=alice@example.org" ^A "auth=Bearer token-1" ^A ^A), and with token-2.
#define XOAUTH2_TOKEN_1 "dXNlcj1hbGljZUBleGFtcGxlLm9yZwFhdXRoPUJlYXJlciB0b2tlbi0xAQE="
#define XOAUTH2_TOKEN_2 "dXNlcj1hbGljZUBleGFtcGxlLm9yZwFhdXRoPUJlYXJlciB0b2tlbi0yAQE="
// base64("n,a=alice@example.org," ^A "host=mx.example.net" ^A "port=587" ^A
// "auth=Bearer token-1" ^A ^A)
#define OAUTHBEARER_TOKEN_1                                                                     \
  "bixhPWFsaWNlQGV4YW1wbGUub3JnLAFob3N0PW14LmV4YW1wbGUubmV0AXBvcnQ9NTg3AWF1dGg9QmVhcmVyIHRva2V" \
  "uLTEBAQ=="
// base64({"status":"401","schemes":"bearer","scope":"https://mail.google.com/"})
#define GOOGLE_401                                                                                 \
  "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ" \
  "=="
// base64({"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"})
#define GOOGLE_400                                                                                 \
  "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ" \
  "=="
// base64({"status":"invalid_token","scope":"https://mail.example.net/"})
#define RFC7628_INVALID_TOKEN \
  "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJodHRwczovL21haWwuZXhhbXBsZS5uZXQvIn0="

// The greeting and an EHLO reply that offers AUTH PLAIN, XOAUTH2 and OAUTHBEARER.
#define OFFERING_OAUTH OFFERING("PLAIN XOAUTH2 OAUTHBEARER")

SessionConfig oauth_config(std::string_view mechanism, std::string token = "token-1") {
  SessionConfig config = dialog::cleartext_config();
  config.tls = TlsMode::smtps;
  config.credentials = Credentials{"alice@example.org", std::move(token)};
  config.auth_mechanism = std::string(mechanism);
  config.server_host = "mx.example.net";
  config.server_port = 587;
  return config;
}

// One run of `script`, with `fresh` handing out the fresh tokens in turn (nullopt once they run
// out); `asked` counts the calls.
void run_with_fresh_tokens(std::string_view script, const SessionConfig& config,
                           const std::vector<std::string>& fresh, Feed feed, DialogResult& result,
                           int& asked) {
  Session session(config, result.trace);
  dialog::ScriptTransport transport(script, result);
  dialog::ScriptMessages messages({envelope_to({"bob@example.net"})}, short_body, feed, transport,
                                  result);
  asked = 0;
  const app::FreshSecret fresh_secret = [&]() -> std::optional<std::string> {
    const auto index = static_cast<std::size_t>(asked++);
    return index < fresh.size() ? std::optional<std::string>(fresh[index]) : std::nullopt;
  };
  app::drive(transport, session, messages, {}, feed == Feed::whole ? 0 : 1, fresh_secret);
  result.outcome = result.outcomes.empty() ? TransactionOutcome{} : result.outcomes.front();
  if (result.outcomes.empty()) {
    result.outcome.error = session.error();
  }
}

struct OAuthRuns {
  DialogResult whole;
  DialogResult bytewise;
  int asked_whole = 0;
  int asked_bytewise = 0;
};

// The dialog whole and byte by byte: both transcripts equal the script, the outcomes agree, and
// no token (nor its base64) reaches the trace or the error.
void expect_oauth_dialog(std::string_view script, const SessionConfig& config,
                         const std::vector<std::string>& fresh, OAuthRuns& runs) {
  const std::string expected = dialog::normalized_script(script);
  {
    SCOPED_TRACE("fed whole");
    run_with_fresh_tokens(script, config, fresh, Feed::whole, runs.whole, runs.asked_whole);
    EXPECT_EQ(expected, runs.whole.transcript);
  }
  {
    SCOPED_TRACE("fed one byte at a time");
    run_with_fresh_tokens(script, config, fresh, Feed::byte_by_byte, runs.bytewise,
                          runs.asked_bytewise);
    EXPECT_EQ(expected, runs.bytewise.transcript);
  }
  EXPECT_EQ(runs.asked_whole, runs.asked_bytewise);
  EXPECT_EQ(runs.whole.outcome.state, runs.bytewise.outcome.state);
  EXPECT_EQ(runs.whole.trace.text(), runs.bytewise.trace.text());
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    const std::string trace = run->trace.text();
    const std::string error = run->outcome.error ? run->outcome.error->message : "";
    for (const std::string_view secret :
         {std::string_view("token-1"), std::string_view("token-2"), std::string_view("dG9rZW4tMQ"),
          std::string_view("dG9rZW4tMg"), std::string_view(XOAUTH2_TOKEN_1),
          std::string_view(XOAUTH2_TOKEN_2), std::string_view(OAUTHBEARER_TOKEN_1)}) {
      EXPECT_FALSE(contains(trace, secret)) << secret << " in\n" << trace;
      EXPECT_FALSE(contains(error, secret)) << secret << " in " << error;
    }
  }
}

TEST(SessionOAuth, ExpiredTokenIsRefreshedOnceAndTheRetryDelivers) {
  OAuthRuns runs;
  expect_oauth_dialog(OFFERING_OAUTH
                      "C: AUTH XOAUTH2 " XOAUTH2_TOKEN_1
                      "\n"
                      "S: 334 " GOOGLE_401
                      "\n"
                      "C:\n"
                      "S: 535-5.7.8 Username and Password not accepted.\n"
                      "S: 535 5.7.8 https://support.google.com/mail/?p=BadCredentials\n"
                      "C: AUTH XOAUTH2 " XOAUTH2_TOKEN_2
                      "\n"
                      "S: 235 2.7.0 Accepted\n" TRANSACTION,
                      oauth_config("XOAUTH2"), {"token-2"}, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_EQ(1, runs.asked_whole);
  EXPECT_TRUE(contains(runs.whole.trace.text(), "C~ AUTH XOAUTH2 <redacted>\n"))
      << runs.whole.trace.text();
}

TEST(SessionOAuth, ABareRefusalAsMicrosoft365SendsItGetsOneFreshToken) {
  // Microsoft 365 refuses an expired XOAUTH2 token with a 535 and no error report.
  OAuthRuns runs;
  expect_oauth_dialog(OFFERING_OAUTH "C: AUTH XOAUTH2 " XOAUTH2_TOKEN_1
                                     "\n"
                                     "S: 535 5.7.3 Authentication unsuccessful\n"
                                     "C: AUTH XOAUTH2 " XOAUTH2_TOKEN_2
                                     "\n"
                                     "S: 235 2.7.0 Authentication successful\n" TRANSACTION,
                      oauth_config("XOAUTH2"), {"token-2"}, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_EQ(1, runs.asked_whole);
}

TEST(SessionOAuth, OAuthBearerAnswersTheErrorWithCtrlAAndStandsWithoutAFreshToken) {
  OAuthRuns runs;
  expect_oauth_dialog(OFFERING_OAUTH "C: AUTH OAUTHBEARER " OAUTHBEARER_TOKEN_1
                                     "\n"
                                     "S: 334 " RFC7628_INVALID_TOKEN
                                     "\n"
                                     "C: AQ==\n"
                                     "S: 535 5.7.8 Authentication credentials invalid\n"
                                     "C: QUIT\n"
                                     "-- closed\n",
                      oauth_config("OAUTHBEARER"), {}, runs);
  EXPECT_EQ(1, runs.asked_whole);  // asked, and there was none (a password given as it is)
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::permission, error->kind);
  EXPECT_TRUE(contains(error->message,
                       "(the server said: status invalid_token, scope https://mail.example.net/)"))
      << error->message;
}

TEST(SessionOAuth, RefreshedTokenRefusedTooEndsWithTheSecondReport) {
  OAuthRuns runs;
  expect_oauth_dialog(OFFERING_OAUTH "C: AUTH XOAUTH2 " XOAUTH2_TOKEN_1
                                     "\n"
                                     "S: 334 " GOOGLE_401
                                     "\n"
                                     "C:\n"
                                     "S: 535 5.7.8 Username and Password not accepted\n"
                                     "C: AUTH XOAUTH2 " XOAUTH2_TOKEN_2
                                     "\n"
                                     "S: 334 " GOOGLE_400
                                     "\n"
                                     "C:\n"
                                     "S: 535 5.7.8 Username and Password not accepted\n"
                                     "C: QUIT\n"
                                     "-- closed\n",
                      oauth_config("XOAUTH2"), {"token-2", "token-3"}, runs);
  EXPECT_EQ(1, runs.asked_whole);  // one retry, no more
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::permission, error->kind);
  EXPECT_TRUE(contains(error->message,
                       "status 400 (invalid_request), scope "
                       "https://mail.google.com/"))
      << error->message;
  // The hint names what an OAuth user can check, not a password.
  EXPECT_TRUE(contains(error->message, "check the user name and the OAuth 2.0 access token"))
      << error->message;
}

TEST(SessionOAuth, ReportThatAFreshTokenCannotHelpIsNotRetried) {
  OAuthRuns runs;
  expect_oauth_dialog(OFFERING_OAUTH "C: AUTH XOAUTH2 " XOAUTH2_TOKEN_1
                                     "\n"
                                     "S: 334 " GOOGLE_400
                                     "\n"
                                     "C:\n"
                                     "S: 535 5.7.8 Username and Password not accepted\n"
                                     "C: QUIT\n"
                                     "-- closed\n",
                      oauth_config("XOAUTH2"), {"token-2"}, runs);
  EXPECT_EQ(0, runs.asked_whole);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::permission, runs.whole.outcome.error->kind);
}

TEST(SessionOAuth, TokenLongerThanAnAuthLineGoesWholeAfterAnEmpty334) {
  // Microsoft's access tokens run to a few kilobytes: past RFC 4954 §4's AUTH line, so the
  // response waits for the server's empty challenge, whole (12288 octets are allowed there).
  const std::string token = "eyJ0eXAi." + std::string(1500, 'x') + ".sig";
  const std::string response = encode_base64(
      "user=alice@example.org\x01"
      "auth=Bearer " +
      token + "\x01\x01");
  OAuthRuns runs;
  const std::string script = OFFERING_OAUTH
                             "C: AUTH XOAUTH2\n"
                             "S: 334 \n"
                             "C: " +
                             response +
                             "\n"
                             "S: 235 2.7.0 Accepted\n" TRANSACTION;
  expect_oauth_dialog(script, oauth_config("XOAUTH2", token), {}, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_FALSE(contains(runs.whole.trace.text(), token));
  EXPECT_FALSE(contains(runs.whole.trace.text(), response));
}

}  // namespace
}  // namespace smtpsend::smtp
