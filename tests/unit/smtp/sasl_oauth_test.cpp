#include "smtp/sasl_oauth.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/base64.hpp"
#include "common/error.hpp"

namespace smtpsend::smtp {
namespace {

// RFC 7628 §4's examples: the user, server and token of every one of them.
constexpr std::string_view rfc_user = "user@example.com";
constexpr std::string_view rfc_host = "server.example.com";
constexpr std::string_view rfc_token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";

SaslContext context(std::string_view user, std::string_view token, std::string_view host = "",
                    std::uint16_t port = 0) {
  SaslContext made;
  made.user = user;
  made.secret = token;
  made.host = host;
  made.port = port;
  return made;
}

std::unique_ptr<SaslMechanism> make(std::string_view name, const SaslContext& with) {
  auto mechanism = make_oauth_mechanism(name, with);
  EXPECT_NE(nullptr, mechanism) << name;
  return mechanism;
}

std::string decoded(std::string_view base64) {
  const auto text = decode_base64(base64);
  EXPECT_TRUE(text.has_value()) << base64;
  return text.value_or("");
}

// The Failure make_oauth_mechanism throws for `with`; its kind must be config.
std::string config_refusal(std::string_view name, const SaslContext& with) {
  try {
    make_oauth_mechanism(name, with);
  } catch (const Failure& failure) {
    EXPECT_EQ(ErrorKind::config, failure.error().kind) << failure.error().message;
    return failure.error().message;
  }
  ADD_FAILURE() << "no failure for " << name;
  return {};
}

// ---- which mechanisms -----------------------------------------------------------------------

TEST(SaslOAuth, MakesOnlyItsTwoMechanismsInAnyCase) {
  const auto with = context("u", "t", "h", 1);
  EXPECT_EQ("XOAUTH2", make_oauth_mechanism("XOAUTH2", with)->name());
  EXPECT_EQ("XOAUTH2", make_oauth_mechanism("xoauth2", with)->name());
  EXPECT_EQ("OAUTHBEARER", make_oauth_mechanism("oauthbearer", with)->name());
  EXPECT_EQ(nullptr, make_oauth_mechanism("PLAIN", with));
  EXPECT_EQ(nullptr, make_oauth_mechanism("XOAUTH", with));
  EXPECT_TRUE(is_oauth_mechanism("OAuthBearer"));
  EXPECT_FALSE(is_oauth_mechanism("SCRAM-SHA-256"));
}

// ---- OAUTHBEARER: RFC 7628 §4 ---------------------------------------------------------------

TEST(SaslOAuthBearer, InitialResponseIsRfc7628Section41) {
  auto mechanism = make("OAUTHBEARER", context(rfc_user, rfc_token, rfc_host, 143));
  EXPECT_FALSE(mechanism->complete());
  const auto response = mechanism->initial_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(
      "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyI"
      "HZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
      encode_base64(*response));
  EXPECT_EQ(
      "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
      "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01",
      *response);
  EXPECT_TRUE(mechanism->complete());
  EXPECT_EQ("", mechanism->refusal_details());
  // Refused now without a report, the token may have expired (Microsoft 365 says no more).
  EXPECT_TRUE(mechanism->fresh_secret_may_help());
}

TEST(SaslOAuthBearer, SmtpExampleOnPort587IsRfc7628Section44) {
  auto mechanism = make("OAUTHBEARER", context(rfc_user, rfc_token, rfc_host, 587));
  EXPECT_EQ(
      "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVyI"
      "HZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
      encode_base64(*mechanism->initial_response()));
}

TEST(SaslOAuthBearer, FailedExchangeIsRfc7628Section43) {
  auto mechanism = make("OAUTHBEARER", context(rfc_user, rfc_token, rfc_host, 143));
  mechanism->initial_response();
  const std::string answer = mechanism->step(decoded(
      "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXR"
      "pb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0="));
  // RFC 7628 §3.2.3: the client answers the error with a single ^A ("AQ==" on the wire).
  EXPECT_EQ("AQ==", encode_base64(answer));
  EXPECT_EQ(
      "status invalid_token, scope example_scope, openid-configuration "
      "https://example.com/.well-known/openid-configuration",
      mechanism->refusal_details());
  EXPECT_TRUE(mechanism->fresh_secret_may_help());
  EXPECT_FALSE(mechanism->complete());  // a 235 now would contradict the report
}

TEST(SaslOAuthBearer, SmtpFailedNegotiationIsRfc7628Section44) {
  auto mechanism = make("OAUTHBEARER", context(rfc_user, rfc_token, rfc_host, 587));
  mechanism->initial_response();
  EXPECT_EQ("\x01", mechanism->step(decoded("eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJl"
                                            "YXJlciBtYWMiLCJzY29wZSI6Imh0dHBzOi8vbWFpbC5leGFtcGxl"
                                            "LmNvbS8ifQ==")));
  EXPECT_EQ("status invalid_token, scope https://mail.example.com/", mechanism->refusal_details());
  EXPECT_TRUE(mechanism->fresh_secret_may_help());
}

TEST(SaslOAuthBearer, UserNameIsEscapedInTheGs2Header) {
  // RFC 5801 §4: "," is "=2C" and "=" is "=3D" in the authzid.
  auto mechanism = make("OAUTHBEARER", context("a,b=c", "T", "h", 25));
  EXPECT_EQ(
      "n,a=a=2Cb=3Dc,\x01host=h\x01port=25\x01"
      "auth=Bearer T\x01\x01",
      *mechanism->initial_response());
}

TEST(SaslOAuthBearer, UnknownHostPortAndUserAreLeftOut) {
  auto mechanism = make("OAUTHBEARER", context("", "T"));
  EXPECT_EQ(
      "n,,\x01"
      "auth=Bearer T\x01\x01",
      *mechanism->initial_response());
}

TEST(SaslOAuthBearer, EmptyChallengeBeforeTheResponseAsksForIt) {
  // RFC 4422 §5: a server that did not take the response on the AUTH line asks with "334 ".
  auto mechanism = make("OAUTHBEARER", context("u", "T", "h", 587));
  EXPECT_EQ(
      "n,a=u,\x01host=h\x01port=587\x01"
      "auth=Bearer T\x01\x01",
      mechanism->step(""));
  EXPECT_TRUE(mechanism->complete());
}

// ---- XOAUTH2: Google's documentation -------------------------------------------------------

TEST(SaslXOAuth2, InitialResponseIsGooglesExample) {
  // developers.google.com/gmail/imap/xoauth2-protocol, "The SASL XOAUTH2 Mechanism".
  auto mechanism = make(
      "XOAUTH2", context("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"));
  const auto response = mechanism->initial_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(
      "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSF"
      "JoZG1semRHRXVZMjl0Q2cBAQ==",
      encode_base64(*response));
  EXPECT_TRUE(mechanism->complete());
}

TEST(SaslXOAuth2, HostAndPortAreNotPartOfIt) {
  auto mechanism = make("XOAUTH2", context("u@x.test", "T", "smtp.x.test", 587));
  EXPECT_EQ(
      "user=u@x.test\x01"
      "auth=Bearer T\x01\x01",
      *mechanism->initial_response());
}

TEST(SaslXOAuth2, GooglesErrorIsAnsweredEmptyAndExplained) {
  auto mechanism = make("XOAUTH2", context("someuser@example.com", "T"));
  mechanism->initial_response();
  // Google's documented error challenge: {"status":"401","schemes":"bearer mac",
  // "scope":"https://mail.google.com/"} and a line feed.
  EXPECT_EQ("", mechanism->step(decoded("eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNj"
                                        "b3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K")));
  EXPECT_EQ("status 401 (invalid_token), scope https://mail.google.com/",
            mechanism->refusal_details());
  EXPECT_TRUE(mechanism->fresh_secret_may_help());
}

TEST(SaslXOAuth2, GooglesStatus400IsNotHelpedByAFreshToken) {
  // Seen for a token without the mail scope, or issued for another user: a fresh token of the
  // same grant fails the same way.
  auto mechanism = make("XOAUTH2", context("someuser@example.com", "T"));
  mechanism->initial_response();
  mechanism->step(R"({"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"})");
  EXPECT_EQ("status 400 (invalid_request), scope https://mail.google.com/",
            mechanism->refusal_details());
  EXPECT_FALSE(mechanism->fresh_secret_may_help());
}

TEST(SaslXOAuth2, InsufficientScopeIsNotHelpedByAFreshToken) {
  auto mechanism = make("XOAUTH2", context("u", "ya29.token"));
  mechanism->initial_response();
  mechanism->step(
      R"({"status":"insufficient_scope","scope":"https://outlook.office.com/SMTP.Send"})");
  EXPECT_EQ("status insufficient_scope, scope https://outlook.office.com/SMTP.Send",
            mechanism->refusal_details());
  EXPECT_FALSE(mechanism->fresh_secret_may_help());
}

TEST(SaslXOAuth2, NumericStatusCounts) {
  auto mechanism = make("XOAUTH2", context("u", "T"));
  mechanism->initial_response();
  mechanism->step(R"({"status":401})");
  EXPECT_EQ("status 401 (invalid_token)", mechanism->refusal_details());
  EXPECT_TRUE(mechanism->fresh_secret_may_help());
}

// ---- error reports that are not what they should be ------------------------------------------

TEST(SaslOAuth, ReportThatIsNotJsonIsAnsweredAndSaidSo) {
  for (const std::string_view challenge :
       {std::string_view("not json"), std::string_view(""),
        std::string_view(R"({"status":"401","error":{"nested":"x"}})")}) {
    auto mechanism = make("OAUTHBEARER", context("u", "T", "h", 587));
    mechanism->initial_response();
    EXPECT_EQ("\x01", mechanism->step(challenge)) << challenge;
    EXPECT_EQ("its error report is not the JSON object of RFC 7628 §3.2.2",
              mechanism->refusal_details());
    EXPECT_FALSE(mechanism->fresh_secret_may_help());
  }
}

TEST(SaslOAuth, HugeReportIsNotRead) {
  auto mechanism = make("XOAUTH2", context("u", "T"));
  mechanism->initial_response();
  const std::string huge = R"({"status":"401","scope":")" + std::string(100000, 'a') + "\"}";
  EXPECT_EQ("", mechanism->step(huge));
  EXPECT_EQ("its error report is not the JSON object of RFC 7628 §3.2.2",
            mechanism->refusal_details());
  EXPECT_FALSE(mechanism->fresh_secret_may_help());
}

TEST(SaslOAuth, ReportWithoutStatusOrScopeSaysSo) {
  auto mechanism = make("XOAUTH2", context("u", "T"));
  mechanism->initial_response();
  mechanism->step(R"({"schemes":"bearer"})");
  EXPECT_EQ("its error report names no status or scope", mechanism->refusal_details());
  EXPECT_FALSE(mechanism->fresh_secret_may_help());
}

TEST(SaslOAuth, ControlCharactersInTheReportAreEscaped) {
  auto mechanism = make("XOAUTH2", context("u", "T"));
  mechanism->initial_response();
  mechanism->step(R"({"status":"bad\r\nline","scope":"a b"})");
  EXPECT_EQ(R"(status 'bad\r\nline', scope 'a b')", mechanism->refusal_details());
}

TEST(SaslOAuth, TokenQuotedBackInTheReportIsRedacted) {
  const std::string token = "ya29.secret-token";
  auto mechanism = make("XOAUTH2", context("u", token));
  mechanism->initial_response();
  mechanism->step(R"({"status":"401","scope":"bad token ya29.secret-token"})");
  EXPECT_EQ("status 401 (invalid_token), scope <redacted>", mechanism->refusal_details());
}

TEST(SaslOAuth, SecondChallengeIsAProtocolError) {
  auto mechanism = make("XOAUTH2", context("u", "T"));
  mechanism->initial_response();
  mechanism->step(R"({"status":"401"})");
  try {
    mechanism->step(R"({"status":"401"})");
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(ErrorKind::protocol, failure.error().kind);
    EXPECT_EQ(
        "the server sent a further AUTH XOAUTH2 challenge after its error report (status 401 "
        "(invalid_token)) instead of ending the exchange",
        failure.error().message);
  }
}

TEST(SaslOAuth, ChallengeBeforeTheTokenIsAProtocolError) {
  auto mechanism = make("OAUTHBEARER", context("u", "T"));
  try {
    mechanism->step("hello");
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(ErrorKind::protocol, failure.error().kind);
  }
}

// ---- credentials the mechanisms cannot carry -----------------------------------------------

TEST(SaslOAuth, ControlCharactersInTheTokenAreRefusedWithoutShowingIt) {
  for (const std::string_view name : {"XOAUTH2", "OAUTHBEARER"}) {
    for (const std::string_view token :
         {std::string_view("ab\x01"
                           "s3cr3t"),
          std::string_view("abs3cr3t\n"), std::string_view("ab\rs3cr3t"),
          std::string_view("ab\0s3cr3t", 9)}) {
      const std::string message = config_refusal(name, context("u", token, "h", 1));
      EXPECT_NE(std::string::npos, message.find("control character")) << message;
      EXPECT_EQ(std::string::npos, message.find("s3cr3t")) << message;
    }
  }
}

TEST(SaslOAuth, ControlCharactersInTheUserAreRefused) {
  for (const std::string_view name : {"XOAUTH2", "OAUTHBEARER"}) {
    for (const std::string_view user :
         {std::string_view("me\x01@x.test"), std::string_view("me@x.test\r\n")}) {
      const std::string message = config_refusal(name, context(user, "T", "h", 1));
      EXPECT_NE(std::string::npos, message.find("user name")) << message;
    }
  }
}

TEST(SaslOAuth, EmptyTokenIsRefused) {
  EXPECT_NE(std::string::npos, config_refusal("XOAUTH2", context("u", "")).find("empty"));
  EXPECT_NE(std::string::npos, config_refusal("OAUTHBEARER", context("u", "")).find("empty"));
}

TEST(SaslXOAuth2, NeedsAUserName) {
  EXPECT_NE(std::string::npos, config_refusal("XOAUTH2", context("", "T")).find("user name"));
}

TEST(SaslOAuth, LongTokenGoesWhole) {
  // Microsoft's tokens run to a few kilobytes; the session splits the line, never the token.
  const std::string token(5000, 'x');
  auto mechanism = make("XOAUTH2", context("u", token));
  EXPECT_EQ(
      "user=u\x01"
      "auth=Bearer " +
          token + "\x01\x01",
      *mechanism->initial_response());
}

}  // namespace
}  // namespace smtpsend::smtp
