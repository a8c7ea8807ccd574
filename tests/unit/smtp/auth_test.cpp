// The mechanism choice table: what --auth on picks from what the server offers, and the errors
// for a configured mechanism that cannot be used.

#include "smtp/auth.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace smtpsend::smtp {
namespace {

constexpr AuthSituation tls_with_binding{.tls = true, .channel_binding = true};
constexpr AuthSituation tls_without_binding{.tls = true, .channel_binding = false};
constexpr AuthSituation cleartext{.tls = false, .channel_binding = false};

std::string automatic(const std::vector<std::string>& offered, AuthSituation situation) {
  return choose_auth_mechanism("", offered, situation).mechanism;
}

Error choice_failure(std::string_view configured, const std::vector<std::string>& offered,
                     AuthSituation situation = tls_with_binding) {
  try {
    choose_auth_mechanism(configured, offered, situation);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no failure";
  return {};
}

const std::vector<std::string> everything{
    "PLAIN",       "LOGIN",         "CRAM-MD5",         "DIGEST-MD5",
    "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS",
    "GSSAPI",      "EXTERNAL",      "XOAUTH2",          "OAUTHBEARER"};

struct Row {
  std::vector<std::string> offered;
  AuthSituation situation;
  std::string chosen;
};

TEST(AuthChoice, TheStrongestOfferedThatTheConnectionAllows) {
  const std::vector<Row> table{
      {everything, tls_with_binding, "SCRAM-SHA-256-PLUS"},
      // Without channel binding the -PLUS variants cannot run.
      {everything, tls_without_binding, "SCRAM-SHA-256"},
      {everything, cleartext, "SCRAM-SHA-256"},
      {{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-256"}, tls_with_binding, "SCRAM-SHA-1-PLUS"},
      {{"SCRAM-SHA-1", "PLAIN"}, tls_with_binding, "SCRAM-SHA-1"},
      // Over TLS, PLAIN beats the challenge-response mechanisms that keep the password stored
      // in a reversible form on the server; in the clear, those beat sending it.
      {{"CRAM-MD5", "DIGEST-MD5", "LOGIN", "PLAIN"}, tls_with_binding, "PLAIN"},
      {{"CRAM-MD5", "DIGEST-MD5", "LOGIN"}, tls_without_binding, "LOGIN"},
      {{"CRAM-MD5", "DIGEST-MD5", "LOGIN", "PLAIN"}, cleartext, "CRAM-MD5"},
      {{"DIGEST-MD5", "PLAIN"}, cleartext, "DIGEST-MD5"},
      {{"DIGEST-MD5", "CRAM-MD5"}, tls_with_binding, "CRAM-MD5"},
      {{"PLAIN", "LOGIN"}, cleartext, "PLAIN"},
      {{"LOGIN"}, cleartext, "LOGIN"},
  };
  for (const auto& row : table) {
    EXPECT_EQ(row.chosen, automatic(row.offered, row.situation))
        << "offered " << ::testing::PrintToString(row.offered) << ", tls " << row.situation.tls
        << ", binding " << row.situation.channel_binding;
  }
}

TEST(AuthChoice, MechanismsForOtherCredentialsAreUsedOnlyWhenNamed) {
  const Error error = choice_failure("", {"GSSAPI", "EXTERNAL", "XOAUTH2", "OAUTHBEARER"});
  EXPECT_EQ(ErrorKind::unavailable, error.kind);
  EXPECT_NE(std::string::npos, error.message.find("GSSAPI, EXTERNAL, XOAUTH2, OAUTHBEARER"))
      << error.message;
  EXPECT_NE(std::string::npos, error.message.find("--auth")) << error.message;
}

TEST(AuthChoice, TheChoiceSaysWhy) {
  const AuthChoice choice = choose_auth_mechanism("", {"PLAIN", "SCRAM-SHA-1"}, tls_with_binding);
  EXPECT_EQ("SCRAM-SHA-1", choice.mechanism);
  EXPECT_EQ("the strongest of those offered (PLAIN, SCRAM-SHA-1)", choice.reason);
  EXPECT_EQ("configured",
            choose_auth_mechanism("plain", {"PLAIN", "SCRAM-SHA-1"}, tls_with_binding).reason);
}

TEST(AuthChoice, ConfiguredMechanismIsUsedWhenOfferedWhateverItsRank) {
  EXPECT_EQ("LOGIN", choose_auth_mechanism("login", everything, tls_with_binding).mechanism);
  EXPECT_EQ("CRAM-MD5", choose_auth_mechanism("CRAM-MD5", everything, cleartext).mechanism);
  EXPECT_EQ("GSSAPI", choose_auth_mechanism("gssapi", everything, cleartext).mechanism);
}

TEST(AuthChoice, ConfiguredMechanismNotOfferedNamesWhatIs) {
  const Error error = choice_failure("LOGIN", {"PLAIN", "CRAM-MD5"});
  EXPECT_EQ(ErrorKind::config, error.kind);
  EXPECT_NE(std::string::npos, error.message.find("it offers: PLAIN, CRAM-MD5")) << error.message;
}

TEST(AuthChoice, ConfiguredPlusNeedsChannelBinding) {
  const Error error =
      choice_failure("SCRAM-SHA-256-PLUS", {"SCRAM-SHA-256-PLUS"}, tls_without_binding);
  EXPECT_EQ(ErrorKind::config, error.kind);
  EXPECT_NE(std::string::npos, error.message.find("choose SCRAM-SHA-256 without -PLUS"))
      << error.message;
  EXPECT_NE(std::string::npos, choice_failure("SCRAM-SHA-1-PLUS", {"SCRAM-SHA-1-PLUS"}, cleartext)
                                   .message.find("not encrypted"));
}

TEST(AuthChoice, UnknownConfiguredMechanismIsAConfigError) {
  EXPECT_EQ(ErrorKind::config, choice_failure("KERBEROS_V4", {"KERBEROS_V4"}).kind);
}

TEST(AuthChoice, NothingOfferedIsUnavailable) {
  const Error error = choice_failure("", {});
  EXPECT_EQ(ErrorKind::unavailable, error.kind);
  EXPECT_NE(std::string::npos, error.message.find("no AUTH in its EHLO reply")) << error.message;
}

TEST(AuthChoice, TheAutomaticOrderIsDocumentedAsImplemented) {
  EXPECT_EQ(8U, automatic_auth_order(true).size());
  EXPECT_EQ("SCRAM-SHA-256-PLUS", automatic_auth_order(true).front());
  EXPECT_EQ("LOGIN", automatic_auth_order(false).back());
}

}  // namespace
}  // namespace smtpsend::smtp
