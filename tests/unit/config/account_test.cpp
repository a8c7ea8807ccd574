#include "config/account.hpp"

#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"

namespace smtpsend::config {
namespace {

Environment environment_of(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    if (auto found = variables.find(name); found != variables.end()) {
      return found->second;
    }
    return std::nullopt;
  };
}

cli::Options base_options() {
  cli::Options options;
  options.server = "mail.example.org";
  options.from = "me@example.org";
  return options;
}

ErrorKind kind_of_failure(const cli::Options& options, const Environment& environment) {
  try {
    resolve_account(options, environment);
  } catch (const Failure& failure) {
    return failure.error().kind;
  }
  ADD_FAILURE() << "no failure";
  return ErrorKind::internal;
}

TEST(ResolveAccount, AutoTlsIsStarttlsOnSubmissionAndSmtpsOn465) {
  auto options = base_options();
  auto account = resolve_account(options, environment_of({}));
  EXPECT_EQ(account.port, 587);
  EXPECT_EQ(account.security, Security::starttls);

  options.port = 465;
  account = resolve_account(options, environment_of({}));
  EXPECT_EQ(account.security, Security::smtps);

  options.port = 25;
  account = resolve_account(options, environment_of({}));
  EXPECT_EQ(account.security, Security::starttls);
}

TEST(ResolveAccount, ExplicitModesPickTheirStandardPorts) {
  auto options = base_options();
  options.tls = cli::TlsMode::smtps;
  EXPECT_EQ(resolve_account(options, environment_of({})).port, 465);
  options.tls = cli::TlsMode::none;
  EXPECT_EQ(resolve_account(options, environment_of({})).port, 25);
  options.tls = cli::TlsMode::starttls;
  EXPECT_EQ(resolve_account(options, environment_of({})).port, 587);
}

TEST(ResolveAccount, FlagsWinOverEnvironment) {
  auto options = base_options();
  const auto environment = environment_of(
      {{"SMTPSEND_SERVER", "env.example.org"}, {"SMTPSEND_FROM", "env@example.org"}});
  EXPECT_EQ(resolve_account(options, environment).host, "mail.example.org");
  options.server.clear();
  options.from.clear();
  const auto account = resolve_account(options, environment);
  EXPECT_EQ(account.host, "env.example.org");
  EXPECT_EQ(account.from, "env@example.org");
}

TEST(ResolveAccount, MissingServerIsAUsageError) {
  auto options = base_options();
  options.server.clear();
  EXPECT_EQ(kind_of_failure(options, environment_of({})), ErrorKind::usage);
}

TEST(ResolveAccount, CredentialsOverPlaintextAreRefusedUnlessAllowed) {
  auto options = base_options();
  options.tls = cli::TlsMode::none;
  options.user = "me";
  EXPECT_EQ(kind_of_failure(options, environment_of({})), ErrorKind::permission);
  options.allow_plaintext_auth = true;
  EXPECT_EQ(resolve_account(options, environment_of({})).user, "me");
}

TEST(ResolveAccount, EhloNameMustBeADomainOrAnAddressLiteral) {
  auto options = base_options();
  for (const char* good :
       {"mail.example.org", "host_1.example", "[192.0.2.1]", "[IPv6:2001:db8::1]"}) {
    options.ehlo = good;
    EXPECT_EQ(resolve_account(options, environment_of({})).ehlo_domain, good);
  }
  for (const char* bad : {"foo\r\nMAIL FROM:<x@y>", "two words", "[]", "a\tb", "bad>"}) {
    options.ehlo = bad;
    EXPECT_EQ(kind_of_failure(options, environment_of({})), ErrorKind::usage) << bad;
  }
}

TEST(ResolveAccount, DefaultEhloNameIsQualifiedOrLocalhost) {
  const auto account = resolve_account(base_options(), environment_of({}));
  EXPECT_TRUE(account.ehlo_domain == "localhost" ||
              account.ehlo_domain.find('.') != std::string::npos)
      << account.ehlo_domain;
}

TEST(ResolvePassword, EmptyPasswordIsAConfigErrorNamingItsSource) {
  auto options = base_options();
  options.user = "me";
  auto account = resolve_account(options, environment_of({}));
  try {
    resolve_password(account, options, environment_of({{"SMTPSEND_PASSWORD", ""}}));
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("SMTPSEND_PASSWORD"), std::string::npos);
  }
}

TEST(ResolvePassword, CommandWinsOverEnvironment) {
  auto options = base_options();
  options.user = "me";
  options.password_cmd = "printf 'from-command\\nsecond line\\n'";
  auto account = resolve_account(options, environment_of({}));
  resolve_password(account, options, environment_of({{"SMTPSEND_PASSWORD", "from-env"}}));
  EXPECT_EQ(account.password, "from-command");
}

TEST(ResolvePassword, EnvironmentIsUsedWithoutACommand) {
  auto options = base_options();
  options.user = "me";
  auto account = resolve_account(options, environment_of({}));
  resolve_password(account, options, environment_of({{"SMTPSEND_PASSWORD", "from-env"}}));
  EXPECT_EQ(account.password, "from-env");
}

TEST(ResolvePassword, FailingCommandIsAConfigErrorThatDoesNotLeakItsOutput) {
  auto options = base_options();
  options.user = "me";
  options.password_cmd = "printf '%s-%s' hid den; exit 3";
  auto account = resolve_account(options, environment_of({}));
  try {
    resolve_password(account, options, environment_of({}));
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("exit status 3"), std::string::npos);
    // The command text is named (it is not secret), but never what it printed.
    EXPECT_EQ(failure.error().message.find("hid-den"), std::string::npos);
  }
}

TEST(ResolvePassword, NothingIsResolvedWithoutAUser) {
  auto options = base_options();
  auto account = resolve_account(options, environment_of({}));
  resolve_password(account, options, environment_of({{"SMTPSEND_PASSWORD", "x"}}));
  EXPECT_TRUE(account.password.empty());
}

}  // namespace
}  // namespace smtpsend::config
