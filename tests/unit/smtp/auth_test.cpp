#include "smtp/auth.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace smtpsend::smtp {
namespace {

ErrorKind choice_failure(std::string_view configured, const std::vector<std::string>& offered) {
  try {
    choose_auth_mechanism(configured, offered);
  } catch (const Failure& failure) {
    return failure.error().kind;
  }
  ADD_FAILURE() << "no failure";
  return ErrorKind::internal;
}

TEST(AuthMechanism, PrefersPlainThenLogin) {
  EXPECT_EQ(AuthMechanism::plain, choose_auth_mechanism("", {"LOGIN", "PLAIN"}));
  EXPECT_EQ(AuthMechanism::login, choose_auth_mechanism("", {"CRAM-MD5", "LOGIN"}));
}

TEST(AuthMechanism, ConfiguredMechanismIsUsedWhenOffered) {
  EXPECT_EQ(AuthMechanism::login, choose_auth_mechanism("login", {"PLAIN", "LOGIN"}));
}

TEST(AuthMechanism, ConfiguredMechanismNotOfferedNamesWhatIs) {
  try {
    choose_auth_mechanism("LOGIN", {"PLAIN", "CRAM-MD5"});
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(ErrorKind::config, failure.error().kind);
    EXPECT_NE(std::string::npos, failure.error().message.find("PLAIN, CRAM-MD5"))
        << failure.error().message;
  }
}

TEST(AuthMechanism, UnsupportedConfiguredMechanismIsAConfigError) {
  EXPECT_EQ(ErrorKind::config, choice_failure("CRAM-MD5", {"CRAM-MD5"}));
}

TEST(AuthMechanism, NothingUsableOfferedIsUnavailable) {
  EXPECT_EQ(ErrorKind::unavailable, choice_failure("", {}));
  EXPECT_EQ(ErrorKind::unavailable, choice_failure("", {"CRAM-MD5", "SCRAM-SHA-256"}));
}

TEST(AuthPlain, InitialResponseIsBase64OfNulUserNulPassword) {
  // RFC 4616 §2 with an empty authorization identity.
  EXPECT_EQ("AHVzZXIAcGFzcw==", plain_initial_response(Credentials{"user", "pass"}));
  EXPECT_EQ("AHRpbQB0YW5zdGFhZnRhbmZ0YW4=",
            plain_initial_response(Credentials{"tim", "tanstaaftanftan"}));
}

TEST(AuthLogin, ChallengesAreClassifiedByTheirDecodedText) {
  EXPECT_EQ(LoginPrompt::user, classify_login_challenge("VXNlcm5hbWU6"));      // "Username:"
  EXPECT_EQ(LoginPrompt::password, classify_login_challenge("UGFzc3dvcmQ6"));  // "Password:"
  EXPECT_EQ(LoginPrompt::user, classify_login_challenge("dXNlcm5hbWU6"));      // "username:"
  EXPECT_EQ(LoginPrompt::unknown, classify_login_challenge("SGVsbG8="));       // "Hello"
  EXPECT_EQ(LoginPrompt::unknown, classify_login_challenge("not base64!"));
  EXPECT_EQ(LoginPrompt::unknown, classify_login_challenge(""));
}

}  // namespace
}  // namespace smtpsend::smtp
