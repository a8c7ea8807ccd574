#include "config/account.hpp"

#include <gtest/gtest.h>

#include <map>

#include "command_lines.hpp"
#include "common/error.hpp"

namespace smtpsend::config {
namespace {

using testing::environment_of;

// A server and a sender, as flags give them, and `more`.
CommandLine base_options(std::vector<Override> more = {}) {
  CommandLine command_line = testing::flags(
      {{"host", "mail.example.org", "--server"}, {"from", "me@example.org", "--from"}});
  command_line.overrides.insert(command_line.overrides.end(), more.begin(), more.end());
  return command_line;
}

ErrorKind kind_of_failure(const CommandLine& command_line, const Environment& environment) {
  return testing::failure_of(command_line, environment).kind;
}

TEST(ResolveAccount, AutoTlsIsStarttlsOnSubmissionAndSmtpsOn465) {
  auto account = resolve_account(base_options(), environment_of({}));
  EXPECT_EQ(account.port, 587);
  EXPECT_EQ(account.tls, TlsMode::starttls);

  account = resolve_account(base_options({{"port", "465", "--port"}}), environment_of({}));
  EXPECT_EQ(account.tls, TlsMode::smtps);

  account = resolve_account(base_options({{"port", "25", "--port"}}), environment_of({}));
  EXPECT_EQ(account.tls, TlsMode::starttls);
}

TEST(ResolveAccount, ExplicitModesPickTheirStandardPorts) {
  const auto port_with = [](const char* mode) {
    return resolve_account(base_options({{"tls", mode, "--tls"}}), environment_of({})).port;
  };
  EXPECT_EQ(port_with("smtps"), 465);
  EXPECT_EQ(port_with("none"), 25);
  EXPECT_EQ(port_with("starttls"), 587);
  EXPECT_EQ(port_with("SMTPS"), 465);  // any case, as CLI11 took it
}

TEST(ResolveAccount, FlagValuesAreCheckedByTheTable) {
  const Error error =
      testing::failure_of(base_options({{"tls", "sometimes", "--tls"}}), environment_of({}));
  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_EQ(error.message,
            "invalid value 'sometimes' for --tls: on, off, auto, starttls, smtps or none");
  for (const char* bad : {"nan", "inf", "0", "-1", "1e3", "3601", "0x10", ""}) {
    EXPECT_EQ(kind_of_failure(base_options({{"timeout", bad, "--timeout"}}), environment_of({})),
              ErrorKind::usage)
        << bad;
  }
  const auto account = resolve_account(
      base_options({{"timeout", "2.5", "--timeout"}, {"max_time", "60", "--max-time"}}),
      environment_of({}));
  EXPECT_EQ(account.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(account.max_time, std::chrono::milliseconds(60000));
}

TEST(ResolveAccount, AuthMechanismsAreNamedAsIanaRegistersThem) {
  const auto auth_with = [](const char* mechanism) {
    return resolve_account(base_options({{"user", "me", "--user"}, {"auth", mechanism, "--auth"}}),
                           environment_of({}))
        .auth;
  };
  EXPECT_EQ(auth_with("plain"), "PLAIN");
  EXPECT_EQ(auth_with("Login"), "LOGIN");
  EXPECT_EQ(auth_with("scram-sha-256"), "SCRAM-SHA-256");
  EXPECT_EQ(auth_with("auto"), "");
  EXPECT_EQ(auth_with("on"), "");
  const Error error = testing::failure_of(
      base_options({{"user", "me", "--user"}, {"auth", "sasl", "--auth"}}), environment_of({}));
  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("a mechanism: PLAIN, LOGIN, SCRAM-SHA-256-PLUS"), std::string::npos)
      << error.message;
}

TEST(ResolveAccount, FlagsWinOverEnvironment) {
  const auto environment = environment_of(
      {{"SMTPSEND_SERVER", "env.example.org"}, {"SMTPSEND_FROM", "env@example.org"}});
  EXPECT_EQ(resolve_account(base_options(), environment).host, "mail.example.org");
  const auto account = resolve_account({}, environment);
  EXPECT_EQ(account.host, "env.example.org");
  EXPECT_EQ(account.from, "env@example.org");
}

TEST(ResolveAccount, MissingServerIsAUsageError) {
  EXPECT_EQ(
      kind_of_failure(testing::flags({{"from", "me@example.org", "--from"}}), environment_of({})),
      ErrorKind::usage);
}

TEST(ResolveAccount, MissingServerInSendmailModeNamesWhatThatModeCanUse) {
  CommandLine command_line;
  command_line.sendmail_mode = true;
  const Error error = testing::failure_of(command_line, environment_of({{"USER", "u"}}));
  EXPECT_EQ(error.message.find("--server"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("SMTPSEND_SERVER"), std::string::npos) << error.message;
}

TEST(ResolveAccount, CredentialsOverPlaintextAreRefusedUnlessAllowed) {
  const auto options = base_options({{"tls", "none", "--tls"}, {"user", "me", "--user"}});
  EXPECT_EQ(kind_of_failure(options, environment_of({})), ErrorKind::permission);
  auto allowed = options;
  allowed.overrides.push_back({"allow_plaintext_auth", "on", "--allow-plaintext-auth"});
  const auto account = resolve_account(allowed, environment_of({}));
  EXPECT_TRUE(account.problems.empty());
  EXPECT_EQ(account.user, "me");
}

TEST(ResolveAccount, EhloNameMustBeADomainOrAnAddressLiteral) {
  for (const char* good :
       {"mail.example.org", "host_1.example", "[192.0.2.1]", "[IPv6:2001:db8::1]"}) {
    EXPECT_EQ(
        resolve_account(base_options({{"domain", good, "--ehlo"}}), environment_of({})).ehlo_domain,
        good);
  }
  for (const char* bad : {"foo\r\nMAIL FROM:<x@y>", "two words", "[]", "a\tb", "bad>"}) {
    EXPECT_EQ(kind_of_failure(base_options({{"domain", bad, "--ehlo"}}), environment_of({})),
              ErrorKind::usage)
        << bad;
  }
}

TEST(ResolveAccount, DefaultEhloNameIsQualifiedOrLocalhost) {
  const auto account = resolve_account(base_options(), environment_of({}));
  EXPECT_TRUE(account.ehlo_domain == "localhost" ||
              account.ehlo_domain.find('.') != std::string::npos)
      << account.ehlo_domain;
}

// The password: resolved with the environment the account was resolved with.
Error password_failure(const CommandLine& command_line, const Environment& environment) {
  auto account = resolve_account(command_line, environment);
  try {
    resolve_password(account, environment);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no failure";
  return {};
}

std::string password_of(const CommandLine& command_line, const Environment& environment) {
  auto account = resolve_account(command_line, environment);
  resolve_password(account, environment);
  return account.password;
}

TEST(ResolvePassword, EmptyPasswordIsAConfigErrorNamingItsSource) {
  // An empty variable is as good as unset; the empty password comes from a command here.
  const Error empty = password_failure(
      base_options({{"user", "me", "--user"}, {"passwordeval", "printf ''", "--password-cmd"}}),
      environment_of({}));
  EXPECT_EQ(empty.kind, ErrorKind::config);
  EXPECT_NE(empty.message.find("--password-cmd"), std::string::npos) << empty.message;
}

TEST(ResolvePassword, CommandWinsOverEnvironment) {
  EXPECT_EQ(password_of(base_options({{"user", "me", "--user"},
                                      {"passwordeval", "printf 'from-command\\nsecond line\\n'",
                                       "--password-cmd"}}),
                        environment_of({{"SMTPSEND_PASSWORD", "from-env"}})),
            "from-command");
}

TEST(ResolvePassword, EnvironmentIsUsedWithoutACommand) {
  EXPECT_EQ(password_of(base_options({{"user", "me", "--user"}}),
                        environment_of({{"SMTPSEND_PASSWORD", "from-env"}})),
            "from-env");
}

TEST(ResolvePassword, FailingCommandIsAConfigErrorThatDoesNotLeakItsOutput) {
  const Error error = password_failure(
      base_options({{"user", "me", "--user"},
                    {"passwordeval", "printf '%s-%s' hid den; exit 3", "--password-cmd"}}),
      environment_of({}));
  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("exit status 3"), std::string::npos);
  // The command text is named (it is not secret), but never what it printed.
  EXPECT_EQ(error.message.find("hid-den"), std::string::npos);
}

TEST(ResolvePassword, NothingIsResolvedWithoutAUser) {
  EXPECT_TRUE(password_of(base_options(), environment_of({{"SMTPSEND_PASSWORD", "x"}})).empty());
}

TEST(ResolvePassword, APasswordCommandWithoutAUserIsAUsageError) {
  const Error error = testing::failure_of(
      base_options({{"passwordeval", "echo x", "--password-cmd"}}), environment_of({}));
  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("--password-cmd needs a user name"), std::string::npos)
      << error.message;
}

}  // namespace
}  // namespace smtpsend::config
