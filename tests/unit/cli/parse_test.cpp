#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "common/error.hpp"

namespace smtpsend::cli {
namespace {

Options parse(std::initializer_list<const char*> arguments) {
  std::vector<const char*> argv{"smtpsend"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

ErrorKind kind_of_failure(std::initializer_list<const char*> arguments) {
  try {
    parse(arguments);
  } catch (const Failure& failure) {
    return failure.error().kind;
  }
  ADD_FAILURE() << "no failure";
  return ErrorKind::internal;
}

TEST(ParseCommandLine, CollectsRepeatedAndPositionalRecipients) {
  const auto options = parse({"-t", "a@x.test", "--to", "b@x.test,c@x.test", "-c", "d@x.test", "-b",
                              "e@x.test", "f@x.test"});
  EXPECT_EQ(options.to, (std::vector<std::string>{"a@x.test", "b@x.test,c@x.test", "f@x.test"}));
  EXPECT_EQ(options.cc, std::vector<std::string>{"d@x.test"});
  EXPECT_EQ(options.bcc, std::vector<std::string>{"e@x.test"});
}

TEST(ParseCommandLine, ReadsServerTlsAndAuthSettings) {
  const auto options =
      parse({"--server", "mail.example.org", "--port", "465", "--tls", "SMTPS", "--user", "me",
             "--auth", "login", "--tls-trust-file", "/ca.pem", "--timeout", "2.5", "-s", "Hi"});
  EXPECT_EQ(options.server, "mail.example.org");
  EXPECT_EQ(options.port, 465);
  EXPECT_EQ(options.tls, TlsMode::smtps);
  EXPECT_EQ(options.user, "me");
  EXPECT_EQ(options.auth, AuthMechanism::login);
  EXPECT_EQ(options.tls_trust_file, "/ca.pem");
  EXPECT_DOUBLE_EQ(options.timeout_seconds.value_or(0), 2.5);
  EXPECT_EQ(options.subject, "Hi");
}

TEST(ParseCommandLine, LeavesUnsetWhatTheConfigurationMayDecide) {
  const auto options = parse({"-t", "a@x.test"});
  EXPECT_FALSE(options.tls.has_value());
  EXPECT_FALSE(options.auth.has_value());
  EXPECT_FALSE(options.timeout_seconds.has_value());
  EXPECT_FALSE(options.charset.has_value());
  EXPECT_FALSE(options.tls_insecure);
  EXPECT_FALSE(options.allow_plaintext_auth);
  EXPECT_FALSE(options.partial_delivery);
  EXPECT_FALSE(options.port.has_value());
}

TEST(ParseCommandLine, PartialDeliveryIsAFlag) {
  EXPECT_TRUE(parse({"--partial-delivery", "-t", "a@x.test"}).partial_delivery);
}

TEST(ParseCommandLine, BatchTakesEveryPathThatFollows) {
  const auto options = parse({"--batch", "one.eml", "spool", "--server", "mx", "--batch", "two"});
  EXPECT_EQ(options.batch, (std::vector<std::string>{"one.eml", "spool", "two"}));
  EXPECT_TRUE(options.to.empty());
}

TEST(ParseCommandLine, BatchRefusesWhatWouldMakeOrAddressOneMessage) {
  for (const auto& arguments : std::vector<std::vector<const char*>>{
           {"--batch", "d", "--to", "a@x.test"},
           {"a@x.test", "--batch", "d"},
           {"--batch", "d", "-b", "a@x.test"},
           {"--batch", "d", "--message", "m"},
           {"--batch", "d", "--text", "t"},
           {"--batch", "d", "--attach", "f"},
           {"--batch", "d", "--subject", "s"},
           {"--batch", "d", "--dry-run"},
       }) {
    std::vector<const char*> argv{"smtpsend"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    try {
      parse_command_line(static_cast<int>(argv.size()), argv.data());
      ADD_FAILURE() << "accepted: " << arguments.back();
    } catch (const Failure& failure) {
      EXPECT_EQ(failure.error().kind, ErrorKind::usage);
      EXPECT_NE(failure.error().message.find("--batch"), std::string::npos)
          << failure.error().message;
    }
  }
}

TEST(ParseCommandLine, TraceFileImpliesTrace) {
  EXPECT_TRUE(parse({"--trace-file", "/tmp/t"}).trace);
}

TEST(ParseCommandLine, UnknownFlagsAndBadValuesAreUsageErrors) {
  EXPECT_EQ(kind_of_failure({"--no-such-flag"}), ErrorKind::usage);
  EXPECT_EQ(kind_of_failure({"--tls", "sometimes"}), ErrorKind::usage);
  EXPECT_EQ(kind_of_failure({"--port", "70000"}), ErrorKind::usage);
  EXPECT_EQ(kind_of_failure({"--auth", "cram-md5"}), ErrorKind::usage);
}

TEST(ParseCommandLine, SecondsMustBeFiniteNumbers) {
  for (const char* option : {"--timeout", "--max-time"}) {
    for (const char* value : {"nan", "NaN", "inf", "-inf"}) {
      EXPECT_EQ(kind_of_failure({option, value}), ErrorKind::usage) << option << " " << value;
    }
  }
}

TEST(ParseCommandLine, HasNoPasswordFlagSoSecretsStayOffTheProcessList) {
  EXPECT_EQ(kind_of_failure({"--password", "secret"}), ErrorKind::usage);
}

TEST(ParseCommandLine, HelpIsReturnedAsTextNamingEveryGroup) {
  const auto options = parse({"--help"});
  for (const char* expected : {"--server", "--tls", "--user", "--password-cmd", "--trace",
                               "--dry-run", "SMTPSEND_PASSWORD", "Exit status"}) {
    EXPECT_NE(options.help_text.find(expected), std::string::npos) << expected;
  }
}

}  // namespace
}  // namespace smtpsend::cli
