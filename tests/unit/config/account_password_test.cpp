#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "command_lines.hpp"
#include "common/error.hpp"
#include "config/account.hpp"

namespace smtpsend::config {
namespace {

using namespace std::string_literals;

using testing::environment_of;

// A user, and the password command `command` when it is not empty, as flags give them.
CommandLine with_user(const std::string& command = {}) {
  CommandLine command_line = testing::flags({{"host", "mail.example.org", "--server"},
                                             {"from", "me@example.org", "--from"},
                                             {"user", "me", "--user"}});
  if (!command.empty()) {
    command_line.overrides.push_back({"passwordeval", command, "--password-cmd"});
  }
  return command_line;
}

// Resolves the password and returns the failure it must end in.
Error password_failure(Account& account, const Environment& environment,
                       const TimeLimits& limits = {}) {
  try {
    resolve_password(account, environment, limits);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no failure; password resolved";
  return {};
}

// RFC 4616 §2: NUL separates the fields of AUTH PLAIN, so a NUL inside the password would
// add a field.
TEST(ResolvePassword, NulInCommandOutputIsAConfigErrorNamingTheSourceNotTheValue) {
  const CommandLine options = with_user("printf 'secr\\000etpart\\n'");
  auto account = resolve_account(options, environment_of({}));

  const Error error = password_failure(account, environment_of({}));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("--password-cmd"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("NUL"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("secr"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("etpart"), std::string::npos) << error.message;
  EXPECT_TRUE(account.password.empty());
}

TEST(ResolvePassword, NulInUserIsAConfigError) {
  const auto environment = environment_of({{"SMTPSEND_PASSWORD", "pw"}});
  auto account = resolve_account(with_user(), environment);
  account.user = "me\0other"s;

  const Error error = password_failure(account, environment);

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("NUL"), std::string::npos) << error.message;
}

TEST(ResolvePassword, CommandStillRunningAtTheDeadlineIsStoppedAsTemporary) {
  const CommandLine options = with_user("sleep 30");
  auto account = resolve_account(options, environment_of({}));
  account.max_time = std::chrono::milliseconds{300};
  const auto started = std::chrono::steady_clock::now();

  const Error error =
      password_failure(account, environment_of({}), TimeLimits(account.timeout, account.max_time));

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_NE(error.message.find("--max-time"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("sleep"), std::string::npos) << error.message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{10});
}

TEST(ResolvePassword, CommandReadsNothingFromOurStandardInput) {
  // `read` fails at end of input: /dev/null gives it at once, and the password is what follows.
  const CommandLine options =
      with_user("if read line; then echo from-stdin; else echo from-dev-null; fi");
  auto account = resolve_account(options, environment_of({}));

  resolve_password(account, environment_of({}));

  EXPECT_EQ(account.password, "from-dev-null");
}

TEST(ResolvePassword, ProcessIsNoLongerDumpableOnceAPasswordIsLoaded) {
  const auto environment = environment_of({{"SMTPSEND_PASSWORD", "pw"}});
  auto account = resolve_account(with_user(), environment);

  resolve_password(account, environment);

  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), 0);
}

// A Kerberos ticket or the TLS client certificate is the credential: a password command that
// would fail if it ran, and no terminal to prompt on, must not matter.
TEST(ResolvePassword, MechanismsWithoutPasswordRunNoCommandAndAskNothing) {
  for (const char* mechanism : {"GSSAPI", "GS2-KRB5", "EXTERNAL"}) {
    CommandLine options = with_user("exit 3");
    options.overrides.push_back({"auth", mechanism, "--auth"});
    auto account = resolve_account(options, environment_of({}));

    EXPECT_NO_THROW(resolve_password(account, environment_of({}))) << mechanism;
    EXPECT_TRUE(account.password.empty()) << mechanism;
    EXPECT_EQ(account.user, "me") << mechanism;
  }
}

// An OAuth 2.0 token the server found expired: the command that gave it runs once more.
TEST(FreshPassword, RunsThePasswordCommandAgain) {
  const std::string counter = ::testing::TempDir() + "fresh_password_runs";
  std::remove(counter.c_str());
  const CommandLine options = with_user("echo run >> '" + counter + "'; echo token-$(wc -l < '" +
                                        counter + "' | tr -d ' ')");
  auto account = resolve_account(options, environment_of({}));
  resolve_password(account, environment_of({}));
  ASSERT_EQ(account.password, "token-1");

  EXPECT_EQ(fresh_password(account), "token-2");
  std::remove(counter.c_str());
}

TEST(FreshPassword, FailingCommandThrowsAsResolvePasswordDoes) {
  auto account = resolve_account(with_user("exit 3"), environment_of({}));
  try {
    fresh_password(account);
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("--password-cmd"), std::string::npos)
        << failure.error().message;
  }
}

TEST(FreshPassword, PasswordGivenAsItIsHasNoRefresh) {
  const auto environment = environment_of({{"SMTPSEND_PASSWORD", "pw"}});
  auto account = resolve_account(with_user(), environment);
  resolve_password(account, environment);

  EXPECT_EQ(fresh_password(account), std::nullopt);
}

}  // namespace
}  // namespace smtpsend::config
