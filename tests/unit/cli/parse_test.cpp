#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "cli/options.hpp"
#include "common/error.hpp"
#include "overrides.hpp"

namespace smtpsend::cli {
namespace {

using config::Override;
using testing::find_override;
using testing::resolution_refusal;
using testing::resolve_overrides;

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

TEST(ParseCommandLine, ReadsServerTlsAndAuthSettingsAsOverridesNamingTheirFlags) {
  const auto options =
      parse({"--server", "mail.example.org", "--port", "465", "--tls", "SMTPS", "--user", "me",
             "--auth", "login", "--tls-trust-file", "/ca.pem", "--timeout", "2.5", "-s", "Hi"});
  const auto& given = options.settings.overrides;
  EXPECT_EQ(find_override(given, "host"), (Override{"host", "mail.example.org", "--server"}));
  EXPECT_EQ(find_override(given, "port"), (Override{"port", "465", "--port"}));
  EXPECT_EQ(find_override(given, "tls"), (Override{"tls", "SMTPS", "--tls"}));
  EXPECT_EQ(find_override(given, "user"), (Override{"user", "me", "--user"}));
  EXPECT_EQ(find_override(given, "auth"), (Override{"auth", "login", "--auth"}));
  EXPECT_EQ(find_override(given, "tls_trust_file"),
            (Override{"tls_trust_file", "/ca.pem", "--tls-trust-file"}));
  EXPECT_EQ(find_override(given, "timeout"), (Override{"timeout", "2.5", "--timeout"}));
  EXPECT_EQ(given.size(), 7u);
  EXPECT_EQ(options.subject, "Hi");
}

TEST(ParseCommandLine, FlagValuesAreUnderstoodAsTheConfigurationFilesAre) {
  const auto settings = resolve_overrides(
      parse({"--tls", "SMTPS", "--auth", "login", "--timeout", "2.5", "--port", "465"})
          .settings.overrides);
  EXPECT_EQ(settings.text("tls"), "smtps");
  EXPECT_EQ(settings.text("auth"), "LOGIN");  // IANA's spelling
  EXPECT_EQ(settings.text("timeout"), "2.5");
  EXPECT_EQ(settings.text("port"), "465");
  EXPECT_EQ(settings.origin("tls"), "--tls");
  EXPECT_EQ(settings.find("tls")->layer, config::Layer::command_line);
}

TEST(ParseCommandLine, ShortSpellingsAreNamedByTheirLongFlag) {
  EXPECT_EQ(find_override(parse({"-f", "me@x.test"}).settings.overrides, "from"),
            (Override{"from", "me@x.test", "--from"}));
}

TEST(ParseCommandLine, SwitchesSetTheirSettingsValue) {
  const auto given =
      parse({"--tls-insecure", "--allow-plaintext-auth", "--partial-delivery", "-t", "a@x.test"})
          .settings.overrides;
  EXPECT_EQ(find_override(given, "tls_certcheck"),
            (Override{"tls_certcheck", "off", "--tls-insecure"}));
  EXPECT_EQ(find_override(given, "allow_plaintext_auth"),
            (Override{"allow_plaintext_auth", "on", "--allow-plaintext-auth"}));
  EXPECT_EQ(find_override(given, "partial_delivery"),
            (Override{"partial_delivery", "on", "--partial-delivery"}));
}

TEST(ParseCommandLine, LeavesUnsetWhatTheConfigurationMayDecide) {
  const auto options = parse({"-t", "a@x.test"});
  EXPECT_TRUE(options.settings.overrides.empty());
  EXPECT_EQ(options.settings.config_file, "");
  EXPECT_EQ(options.settings.account, "");
  EXPECT_FALSE(options.settings.sendmail_mode);
}

TEST(ParseCommandLine, ConfigFileAndAccountAreNotSettings) {
  const auto options = parse({"-C", "/etc/rc", "-A", "work", "-t", "a@x.test"});
  EXPECT_EQ(options.settings.config_file, "/etc/rc");
  EXPECT_EQ(options.settings.account, "work");
  EXPECT_TRUE(options.settings.overrides.empty());
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

// The trace file turns the trace on where the trace is made (app/run.cpp).
TEST(ParseCommandLine, TraceFileIsASetting) {
  EXPECT_EQ(find_override(parse({"--trace-file", "/tmp/t"}).settings.overrides, "trace_file"),
            (Override{"trace_file", "/tmp/t", "--trace-file"}));
}

TEST(ParseCommandLine, UnknownFlagsAreUsageErrors) {
  EXPECT_EQ(kind_of_failure({"--no-such-flag"}), ErrorKind::usage);
  EXPECT_EQ(kind_of_failure({"--server"}), ErrorKind::usage);  // its value is missing
}

// A flag's value is checked with the configuration file's, when the settings are resolved: a
// usage error naming the flag.
TEST(ParseCommandLine, BadValuesAreUsageErrorsNamingTheFlag) {
  const auto refusal = [](std::initializer_list<const char*> arguments) {
    return resolution_refusal(parse(arguments).settings.overrides);
  };
  EXPECT_EQ(refusal({"--tls", "sometimes"}),
            "invalid value 'sometimes' for --tls: on, off, auto, starttls, smtps or none");
  EXPECT_EQ(refusal({"--port", "70000"}),
            "invalid value '70000' for --port: a port number from 1 to 65535");
  EXPECT_EQ(refusal({"--auth", "sometimes"}),
            "invalid value 'sometimes' for --auth: on, off, or a mechanism: PLAIN, LOGIN, "
            "SCRAM-SHA-256-PLUS, SCRAM-SHA-256, SCRAM-SHA-1-PLUS, SCRAM-SHA-1, CRAM-MD5, "
            "DIGEST-MD5, GSSAPI, GS2-KRB5, EXTERNAL, NTLM, OAUTHBEARER, XOAUTH2");
  EXPECT_EQ(refusal({"--server", "mail example"}),
            "invalid value 'mail example' for --server: a host name or IP address, without "
            "spaces");
}

TEST(ParseCommandLine, SecondsMustBeFiniteNumbers) {
  const std::pair<const char*, const char*> limits[] = {
      {"--timeout", "'off' or a number of seconds from 0.1 to 3600"},
      {"--max-time", "'off' or a number of seconds from 0.1 to 86400"}};
  for (const auto& [option, allowed] : limits) {
    for (const char* value : {"nan", "NaN", "inf", "-inf", "0", "1e3", "5s", ""}) {
      EXPECT_EQ(resolution_refusal(parse({option, value}).settings.overrides),
                std::string("invalid value '") + value + "' for " + option + ": " + allowed)
          << option << " " << value;
    }
  }
}

TEST(ParseCommandLine, SecondsMayHaveAFractionOrBeOff) {
  const auto settings =
      resolve_overrides(parse({"--timeout", "0.1", "--max-time", "off"}).settings.overrides);
  EXPECT_EQ(settings.text("timeout"), "0.1");
  EXPECT_EQ(settings.text("max_time"), "off");
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
