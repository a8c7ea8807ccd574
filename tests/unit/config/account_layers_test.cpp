// Account resolution through its layers: flag > environment > configuration account > default,
// which account is chosen, and where --show-config says each value came from.

#include <gtest/gtest.h>

#include <map>

#include "command_lines.hpp"
#include "common/error.hpp"
#include "config/account.hpp"
#include "config/config_file.hpp"

namespace smtpsend::config {
namespace {

using testing::environment_of;
using testing::flags;

const char* const config_text = R"(defaults
port 2525
tls off
logfile /var/log/smtpsend.log

account base
host base.example.org
from base@example.org
user base-user
allow_plaintext_auth on
passwordeval echo secret

account work : base
host work.example.org
from *@work.example.org
header X-Team: ops

account default : base
)";

ConfigFile sample() {
  return parse_config(config_text, "/etc/test.conf", "/home/u");
}

Account resolve(const CommandLine& command_line,
                const std::map<std::string, std::string>& env = {}) {
  const ConfigFile file = sample();
  return resolve_account(command_line, environment_of(env), &file);
}

Error failure_of(const CommandLine& command_line) {
  const ConfigFile file = sample();
  return testing::failure_of(command_line, environment_of({}), &file);
}

// The first problem of an account resolved from `file` alone, with USER=u.
Error problem_of(const ConfigFile& file) {
  return testing::failure_of({}, environment_of({{"USER", "u"}}), &file);
}

TEST(AccountLayers, TheDefaultAccountInheritsDefaultsAndItsBase) {
  const Account account = resolve({});
  EXPECT_EQ("default", account.account_name);
  EXPECT_EQ("base.example.org", account.host);
  EXPECT_EQ(2525, account.port);
  EXPECT_EQ(TlsMode::none, account.tls);
  EXPECT_EQ("base@example.org", account.from);
  EXPECT_EQ("/var/log/smtpsend.log", account.settings.text("logfile"));
  EXPECT_EQ("/etc/test.conf:7", account.settings.origin("host"));
  EXPECT_EQ("/etc/test.conf:2", account.settings.origin("port"));
}

TEST(AccountLayers, FlagBeatsEnvironmentBeatsAccount) {
  EXPECT_EQ("env.example.org", resolve({}, {{"SMTPSEND_SERVER", "env.example.org"}}).host);
  const Account account = resolve(flags({{"host", "flag.example.org", "--server"}}),
                                  {{"SMTPSEND_SERVER", "env.example.org"}});
  EXPECT_EQ("flag.example.org", account.host);
  EXPECT_EQ("--server", account.settings.origin("host"));
  EXPECT_EQ("env SMTPSEND_SERVER",
            resolve({}, {{"SMTPSEND_SERVER", "env.example.org"}}).settings.origin("host"));
}

// An account named with -A is a deliberate choice; SMTPSEND_SERVER may be ambient (a CI job's
// environment), so the account's values win over the environment's.
TEST(AccountLayers, AnAccountChosenWithDashABeatsTheEnvironment) {
  CommandLine command_line;
  command_line.account = "work";
  const Account account =
      resolve(command_line, {{"SMTPSEND_SERVER", "env.example.org"}, {"SMTPSEND_PORT", "2600"}});
  EXPECT_EQ("work.example.org", account.host);
  EXPECT_EQ("/etc/test.conf:14", account.settings.origin("host"));
  EXPECT_EQ(2525, account.port);
  command_line.overrides = {{"host", "flag.example.org", "--server"}};
  EXPECT_EQ("flag.example.org",
            resolve(command_line, {{"SMTPSEND_SERVER", "env.example.org"}}).host);
}

TEST(AccountLayers, ThePortMayComeFromTheEnvironmentOrWithTheHost) {
  Account account = resolve(flags({{"host", "flag.example.org:2600", "--server"}}));
  EXPECT_EQ("flag.example.org", account.host);
  EXPECT_EQ(2600, account.port);
  EXPECT_EQ("--server", account.settings.origin("port"));
  account = resolve(flags({{"host", "[2001:db8::1]:2601", "--server"}}));
  EXPECT_EQ("2001:db8::1", account.host);
  EXPECT_EQ(2601, account.port);
  account = resolve(flags({{"host", "2001:db8::1", "--server"}}));
  EXPECT_EQ("2001:db8::1", account.host);
  EXPECT_EQ(2525, account.port);
  // An explicit port on as high a layer wins over the host's.
  account = resolve(flags({{"host", "h.example:2600", "--server"}, {"port", "2700", "--port"}}));
  EXPECT_EQ(2700, account.port);
  account = resolve({}, {{"SMTPSEND_PORT", "2602"}});
  EXPECT_EQ(2602, account.port);
  EXPECT_EQ("env SMTPSEND_PORT", account.settings.origin("port"));
  EXPECT_EQ(ErrorKind::config,
            testing::failure_of({}, environment_of({{"SMTPSEND_PORT", "x"}})).kind);
}

TEST(AccountLayers, TheSenderPicksTheAccountWhoseFromMatches) {
  const Account account = resolve(flags({{"from", "Ann <ann@WORK.example.org>", "--from"}}));
  EXPECT_EQ("work", account.account_name);
  EXPECT_EQ("work.example.org", account.host);
  EXPECT_EQ("Ann <ann@WORK.example.org>", account.from);
  ASSERT_EQ(1U, account.headers.size());
  EXPECT_EQ("X-Team", account.headers[0].first);
  EXPECT_EQ("ops", account.headers[0].second);
  EXPECT_NE(std::string::npos, account.account_choice.find("ann@WORK.example.org"));
}

TEST(AccountLayers, AccountFlagWinsAndAnUnknownOneListsTheChoices) {
  CommandLine command_line = flags({{"from", "base@example.org", "--from"}});
  command_line.account = "work";
  EXPECT_EQ("work", resolve(command_line).account_name);
  command_line.account = "wrok";
  const Error error = failure_of(command_line);
  EXPECT_EQ(ErrorKind::config, error.kind);
  EXPECT_NE(std::string::npos, error.message.find("'wrok'")) << error.message;
  EXPECT_NE(std::string::npos, error.message.find("base, work, default")) << error.message;
}

TEST(AccountLayers, TlsOnWithoutStarttlsIsSmtpsOnItsPort) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\ntls on\ntls_starttls off\n", "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({{"USER", "u"}}), &file);
  EXPECT_EQ(TlsMode::smtps, account.tls);
  EXPECT_EQ(465, account.port);
}

TEST(AccountLayers, AuthOffIgnoresTheAccountsUser) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nuser u\nauth off\n", "/c", "/home/u");
  EXPECT_EQ("", resolve_account({}, environment_of({{"USER", "u"}}), &file).user);
}

TEST(AccountLayers, PartialDeliveryComesFromTheKeyOrTheFlag) {
  const ConfigFile off = parse_config("account default\nhost h.example\n", "/c", "/home/u");
  EXPECT_FALSE(resolve_account({}, environment_of({{"USER", "u"}}), &off).partial_delivery);
  const ConfigFile on =
      parse_config("account default\nhost h.example\npartial_delivery on\n", "/c", "/home/u");
  EXPECT_TRUE(resolve_account({}, environment_of({{"USER", "u"}}), &on).partial_delivery);
  EXPECT_TRUE(resolve_account(flags({{"partial_delivery", "on", "--partial-delivery"}}),
                              environment_of({{"USER", "u"}}), &off)
                  .partial_delivery);
}

TEST(AccountLayers, SetFromHeaderOnReplacesTheFromField) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nset_from_header on\n", "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({{"USER", "u"}}), &file);
  EXPECT_TRUE(account.add_from_header);
  EXPECT_TRUE(account.replace_from_header);
}

TEST(AccountLayers, UndisclosedRecipientsOnIsKept) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nundisclosed_recipients on\n", "/c", "/home/u");
  EXPECT_TRUE(resolve_account({}, environment_of({{"USER", "u"}}), &file).undisclosed_recipients);
}

TEST(AccountLayers, AutoFromMakesTheSenderUserAtMaildomain) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example\nfrom a@b.example\nauto_from on\nmaildomain "
      "mail.example\n",
      "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({{"USER", "ann"}}), &file);
  EXPECT_EQ(account.from, "ann@mail.example");
  EXPECT_EQ(account.settings.origin("from"), "/c:4 (auto_from)");
  // A flag still wins.
  EXPECT_EQ(resolve_account(flags({{"from", "x@y.example", "--from"}}),
                            environment_of({{"USER", "ann"}}), &file)
                .from,
            "x@y.example");
}

TEST(AccountLayers, AutoFromWithoutMaildomainIsTheUserName) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nauto_from on\n", "/c", "/home/u");
  EXPECT_EQ(resolve_account({}, environment_of({{"USER", "ann"}}), &file).from, "ann");
}

TEST(AccountLayers, ConnectTimeoutSourceIpAndCrlFileAreKept) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example\nconnect_timeout 7\nsource_ip 127.0.0.2\n"
      "tls_crl_file /etc/crl.pem\n",
      "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({{"USER", "u"}}), &file);
  EXPECT_EQ(account.connect_timeout, std::chrono::milliseconds(7000));
  EXPECT_EQ(account.timeout, std::nullopt);
  EXPECT_EQ(account.source_ip, "127.0.0.2");
  EXPECT_EQ(account.tls_crl_file, "/etc/crl.pem");
}

TEST(AccountLayers, LineBreaksInTheServerOrUserAreRefused) {
  EXPECT_EQ(
      ErrorKind::usage,
      failure_of(flags({{"host", "mail.example.org\r\nMAIL FROM:<evil@example.org>", "--server"}}))
          .kind);
  EXPECT_EQ(ErrorKind::usage,
            failure_of(flags({{"host", "mail.example.org", "--server"},
                              {"user", "me\nRCPT TO:<evil@example.org>", "--user"}}))
                .kind);
}

TEST(AccountLayers, ShowConfigNamesSourcesAndNeverThePassword) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nuser u\npassword hunter2\n", "/c", "/home/u");
  const Environment environment = environment_of({{"USER", "u"}});
  const Account account = resolve_account(flags({{"port", "2526", "--port"}}), environment, &file);
  const std::string shown = describe_settings(account);
  EXPECT_NE(std::string::npos, shown.find("config = /c\n")) << shown;
  EXPECT_NE(std::string::npos, shown.find("host = h.example [/c:2]")) << shown;
  EXPECT_NE(std::string::npos, shown.find("port = 2526 [--port]")) << shown;
  EXPECT_NE(std::string::npos, shown.find("password = <redacted> [/c:4 password]")) << shown;
  EXPECT_EQ(std::string::npos, shown.find("hunter2")) << shown;
}

TEST(AccountLayers, ShowConfigSaysThePinAloneDecides) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example\ntls_fingerprint sha256:" + std::string(64, 'a') + "\n",
      "/c", "/home/u");
  const Environment environment = environment_of({{"USER", "u"}});
  const Account account = resolve_account({}, environment, &file);
  const std::string shown = describe_settings(account);
  EXPECT_NE(std::string::npos,
            shown.find("tls_certcheck = replaced by tls_fingerprint (the pin alone decides: no "
                       "CA, host name or date check)"))
      << shown;
}

TEST(AccountLayers, PasswordevalIsNamedButNotRunByShowConfig) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example\nuser u\npasswordeval false\n", "/c", "/home/u");
  const Environment environment = environment_of({{"USER", "u"}});
  const Account account = resolve_account({}, environment, &file);
  EXPECT_NE(std::string::npos,
            describe_settings(account).find("password = <redacted> [/c:4 passwordeval, not run]"));
}

TEST(AccountLayers, FailingPasswordevalIsAConfigErrorNamingItsLine) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example\nuser u\npasswordeval exit 3\n", "/c", "/home/u");
  const Environment environment = environment_of({{"USER", "u"}});
  Account account = resolve_account({}, environment, &file);
  try {
    resolve_password(account, environment);
    ADD_FAILURE() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(ErrorKind::config, failure.error().kind);
    EXPECT_EQ(0U,
              failure.error().message.rfind("/c:4: the password command of passwordeval failed", 0))
        << failure.error().message;
  }
}

TEST(AccountLayers, AuthOnWithoutAUserIsAConfigErrorNamingTheLine) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nauth on\n", "/c", "/home/u");
  const Error error = problem_of(file);
  EXPECT_EQ(ErrorKind::config, error.kind);
  EXPECT_EQ(0U, error.message.rfind("auth on at /c:3 asks for authentication but no user", 0))
      << error.message;
}

TEST(AccountLayers, MsmtpPlaceholdersInFromAndDomainAreExpanded) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example\nfrom %U@mail.example\n"
      "domain %H\n",
      "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({{"USER", "ann"}}), &file);
  EXPECT_EQ("ann@mail.example", account.from);
  EXPECT_EQ(std::string::npos, account.ehlo_domain.find('%')) << account.ehlo_domain;
  EXPECT_FALSE(account.ehlo_domain.empty());
}

// systemd units and `env -i` set neither USER nor LOGNAME: %U is the password database's name.
TEST(AccountLayers, PlaceholderUserFallsBackToThePasswordDatabase) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nfrom %U@mail.example\n", "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({}), &file);
  EXPECT_TRUE(account.problems.empty());
  EXPECT_NE(0U, account.from.find('@')) << account.from;  // something before the @
  EXPECT_EQ("@mail.example", account.from.substr(account.from.find('@')));
}

// A file with accounts but none chosen says how to choose one, naming them.
TEST(AccountLayers, NoAccountChosenNamesTheAccountsAndTheWaysToChoose) {
  const ConfigFile file = parse_config(
      "account work\nhost w.example\naccount work2\nhost w2.example\n", "/c", "/home/u");
  const Error error = problem_of(file);
  EXPECT_EQ(ErrorKind::usage, error.kind);
  EXPECT_EQ(0U, error.message.rfind("no account chosen in /c: use -A NAME (work, work2)", 0))
      << error.message;
  EXPECT_NE(std::string::npos, error.message.find("account default : NAME")) << error.message;
}

// --show-config shows what it knows, and the conflicts, naming the keys as written.
TEST(AccountLayers, ShowConfigListsConflictsByTheirKeys) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\ntls off\nuser u\n", "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({{"USER", "u"}}), &file);
  ASSERT_EQ(1U, account.problems.size());
  EXPECT_EQ(ErrorKind::permission, account.problems[0].kind);
  const std::string shown = describe_settings(account);
  EXPECT_NE(std::string::npos, shown.find("host = h.example [/c:2]")) << shown;
  EXPECT_NE(std::string::npos, shown.find("problem: refusing to send credentials over an "
                                          "unencrypted connection (tls off at /c:3)"))
      << shown;
  EXPECT_EQ(std::string::npos, shown.find("--tls")) << shown;
}

}  // namespace
}  // namespace smtpsend::config
