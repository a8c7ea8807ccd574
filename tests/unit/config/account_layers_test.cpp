// Account resolution through its layers: flag > environment > configuration account > default,
// which account is chosen, and where --show-config says each value came from.

#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"
#include "config/account.hpp"
#include "config/config_file.hpp"

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

Account resolve(const cli::Options& options, const std::map<std::string, std::string>& env = {}) {
  const ConfigFile file = sample();
  return resolve_account(options, environment_of(env), &file);
}

Error failure_of(const cli::Options& options) {
  try {
    resolve(options);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no failure";
  return {};
}

TEST(AccountLayers, TheDefaultAccountInheritsDefaultsAndItsBase) {
  const Account account = resolve({});
  EXPECT_EQ("default", account.account_name);
  EXPECT_EQ("base.example.org", account.host);
  EXPECT_EQ(2525, account.port);
  EXPECT_EQ(Security::none, account.security);
  EXPECT_EQ("base@example.org", account.from);
  EXPECT_EQ("/var/log/smtpsend.log", account.logfile);
  EXPECT_EQ("/etc/test.conf:7", account.sources.at("host"));
  EXPECT_EQ("/etc/test.conf:2", account.sources.at("port"));
}

TEST(AccountLayers, FlagBeatsEnvironmentBeatsAccount) {
  cli::Options options;
  EXPECT_EQ("env.example.org", resolve(options, {{"SMTPSEND_SERVER", "env.example.org"}}).host);
  options.server = "flag.example.org";
  const Account account = resolve(options, {{"SMTPSEND_SERVER", "env.example.org"}});
  EXPECT_EQ("flag.example.org", account.host);
  EXPECT_EQ("--server", account.sources.at("host"));
  EXPECT_EQ("env SMTPSEND_SERVER",
            resolve({}, {{"SMTPSEND_SERVER", "env.example.org"}}).sources.at("host"));
}

TEST(AccountLayers, TheSenderPicksTheAccountWhoseFromMatches) {
  cli::Options options;
  options.from = "Ann <ann@WORK.example.org>";
  const Account account = resolve(options);
  EXPECT_EQ("work", account.account_name);
  EXPECT_EQ("work.example.org", account.host);
  EXPECT_EQ(options.from, account.from);
  ASSERT_EQ(1U, account.headers.size());
  EXPECT_EQ("X-Team", account.headers[0].first);
  EXPECT_EQ("ops", account.headers[0].second);
  EXPECT_NE(std::string::npos, account.account_choice.find("ann@WORK.example.org"));
}

TEST(AccountLayers, AccountFlagWinsAndAnUnknownOneListsTheChoices) {
  cli::Options options;
  options.account = "work";
  options.from = "base@example.org";
  EXPECT_EQ("work", resolve(options).account_name);
  options.account = "wrok";
  const Error error = failure_of(options);
  EXPECT_EQ(ErrorKind::config, error.kind);
  EXPECT_NE(std::string::npos, error.message.find("'wrok'")) << error.message;
  EXPECT_NE(std::string::npos, error.message.find("base, work, default")) << error.message;
}

TEST(AccountLayers, TlsOnWithoutStarttlsIsSmtpsOnItsPort) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\ntls on\ntls_starttls off\n", "/c", "/home/u");
  const Account account = resolve_account({}, environment_of({{"USER", "u"}}), &file);
  EXPECT_EQ(Security::smtps, account.security);
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
  cli::Options options;
  options.partial_delivery = true;
  EXPECT_TRUE(resolve_account(options, environment_of({{"USER", "u"}}), &off).partial_delivery);
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
  EXPECT_EQ(account.sources.at("from"), "/c:4");
  cli::Options options;
  options.from = "x@y.example";  // a flag still wins
  EXPECT_EQ(resolve_account(options, environment_of({{"USER", "ann"}}), &file).from, "x@y.example");
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
  cli::Options options;
  options.server = "mail.example.org\r\nMAIL FROM:<evil@example.org>";
  EXPECT_EQ(ErrorKind::usage, failure_of(options).kind);
  options.server = "mail.example.org";
  options.user = "me\nRCPT TO:<evil@example.org>";
  EXPECT_EQ(ErrorKind::usage, failure_of(options).kind);
}

TEST(AccountLayers, ShowConfigNamesSourcesAndNeverThePassword) {
  const ConfigFile file =
      parse_config("account default\nhost h.example\nuser u\npassword hunter2\n", "/c", "/home/u");
  const Environment environment = environment_of({{"USER", "u"}});
  cli::Options options;
  options.port = 2526;
  const Account account = resolve_account(options, environment, &file);
  const std::string shown = describe_settings(account, options, environment);
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
  const std::string shown = describe_settings(account, {}, environment);
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
  EXPECT_NE(std::string::npos, describe_settings(account, {}, environment)
                                   .find("password = <redacted> [/c:4 passwordeval, not run]"));
}

TEST(AccountLayers, FailingPasswordevalIsAConfigErrorNamingItsLine) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example\nuser u\npasswordeval exit 3\n", "/c", "/home/u");
  const Environment environment = environment_of({{"USER", "u"}});
  Account account = resolve_account({}, environment, &file);
  try {
    resolve_password(account, {}, environment);
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
  try {
    resolve_account({}, environment_of({{"USER", "u"}}), &file);
    ADD_FAILURE() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(ErrorKind::config, failure.error().kind);
    EXPECT_EQ(0U, failure.error().message.rfind("/c:3: auth is on but no user", 0))
        << failure.error().message;
  }
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

}  // namespace
}  // namespace smtpsend::config
