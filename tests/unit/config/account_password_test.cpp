#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <chrono>
#include <map>
#include <string>

#include "common/error.hpp"
#include "config/account.hpp"

namespace smtpsend::config {
namespace {

using namespace std::string_literals;

Environment environment_of(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    if (auto found = variables.find(name); found != variables.end()) {
      return found->second;
    }
    return std::nullopt;
  };
}

cli::Options options_with_user() {
  cli::Options options;
  options.server = "mail.example.org";
  options.from = "me@example.org";
  options.user = "me";
  return options;
}

// Resolves the password and returns the failure it must end in.
Error password_failure(Account& account, const cli::Options& options,
                       const Environment& environment, const TimeLimits& limits = {}) {
  try {
    resolve_password(account, options, environment, limits);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no failure; password resolved";
  return {};
}

// RFC 4616 §2: NUL separates the fields of AUTH PLAIN, so a NUL inside the password would
// add a field.
TEST(ResolvePassword, NulInCommandOutputIsAConfigErrorNamingTheSourceNotTheValue) {
  auto options = options_with_user();
  options.password_cmd = "printf 'secr\\000etpart\\n'";
  auto account = resolve_account(options, environment_of({}));

  const Error error = password_failure(account, options, environment_of({}));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("--password-cmd"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("NUL"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("secr"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("etpart"), std::string::npos) << error.message;
  EXPECT_TRUE(account.password.empty());
}

TEST(ResolvePassword, NulInUserIsAConfigError) {
  auto options = options_with_user();
  auto account = resolve_account(options, environment_of({}));
  account.user = "me\0other"s;

  const Error error =
      password_failure(account, options, environment_of({{"SMTPSEND_PASSWORD", "pw"}}));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("NUL"), std::string::npos) << error.message;
}

TEST(ResolvePassword, CommandStillRunningAtTheDeadlineIsStoppedAsTemporary) {
  auto options = options_with_user();
  options.password_cmd = "sleep 30";
  auto account = resolve_account(options, environment_of({}));
  account.max_time = std::chrono::milliseconds{300};
  const auto started = std::chrono::steady_clock::now();

  const Error error = password_failure(account, options, environment_of({}),
                                       TimeLimits(account.timeout, account.max_time));

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_NE(error.message.find("--max-time"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("sleep"), std::string::npos) << error.message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{10});
}

TEST(ResolvePassword, CommandReadsNothingFromOurStandardInput) {
  auto options = options_with_user();
  // `read` fails at end of input: /dev/null gives it at once, and the password is what follows.
  options.password_cmd = "if read line; then echo from-stdin; else echo from-dev-null; fi";
  auto account = resolve_account(options, environment_of({}));

  resolve_password(account, options, environment_of({}));

  EXPECT_EQ(account.password, "from-dev-null");
}

TEST(ResolvePassword, ProcessIsNoLongerDumpableOnceAPasswordIsLoaded) {
  auto options = options_with_user();
  auto account = resolve_account(options, environment_of({}));

  resolve_password(account, options, environment_of({{"SMTPSEND_PASSWORD", "pw"}}));

  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), 0);
}

}  // namespace
}  // namespace smtpsend::config
