// What configuration-file errors may show of a line that may hold a secret: file:line and the key,
// never the value.

#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "config/config_file.hpp"

namespace smtpsend::config {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_config(text, "test.rc", "/home/ann");
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config) << failure.what();
    return failure.what();
  }
  ADD_FAILURE() << "no failure for:\n" << text;
  return {};
}

TEST(ConfigFileSecrets, PasswordWrittenWithEqualsSignIsNotQuoted) {
  const std::string message = error_of("account a\npassword=hunter2\n");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(message.find("test.rc:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("'password'"), std::string::npos) << message;
}

TEST(ConfigFileSecrets, PasswordWrittenWithColonIsNotQuoted) {
  const std::string message = error_of("password:hunter2\n");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(message.find("test.rc:1:"), std::string::npos) << message;
}

TEST(ConfigFileSecrets, UnknownKeyStartingLikePasswordIsNotQuoted) {
  const std::string message = error_of("passwordhunter2\n");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(message.find("test.rc:1:"), std::string::npos) << message;
}

TEST(ConfigFileSecrets, AnyUnknownKeyIsQuotedOnlyUpToAnEqualsSign) {
  const std::string message = error_of("pass=hunter2\n");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(message.find("'pass'"), std::string::npos) << message;
}

TEST(ConfigFileSecrets, PasswordevalWithControlCharacterIsNotQuoted) {
  const std::string message = error_of("passwordeval echo hunter2\x1b\n");
  EXPECT_EQ(message,
            "test.rc:1: invalid value for passwordeval: control characters are not allowed");
}

TEST(ConfigFileSecrets, OrdinaryMisspeltKeyIsStillQuotedWithASuggestion) {
  EXPECT_EQ(error_of("hots example.org\n"),
            "test.rc:1: unknown setting 'hots'; did you mean 'host'?");
}

}  // namespace
}  // namespace smtpsend::config
