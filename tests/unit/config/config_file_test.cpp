#include "config/config_file.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "config_test_lookups.hpp"

namespace smtpsend::config {
namespace {

constexpr const char* test_path = "test.rc";
constexpr const char* test_home = "/home/ann";

ConfigFile parse(std::string_view text) {
  return parse_config(text, test_path, test_home);
}

// The message of the config failure that parsing `text` raises.
std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config) << failure.what();
    return failure.what();
  }
  ADD_FAILURE() << "no failure for:\n" << text;
  return {};
}

using testing::account_of;
using testing::value_of;

int line_of(const AccountSettings& account, const std::string& key) {
  const auto found = account.settings.find(key);
  return found == account.settings.end() ? -1 : found->second.origin.line;
}

std::vector<std::string> header_values(const AccountSettings& account) {
  std::vector<std::string> values;
  for (const auto& header : account.headers) {
    values.push_back(header.value);
  }
  return values;
}

// ---- lines, comments and quoting --------------------------------------------------------------

TEST(ConfigFileSyntax, DescribeNamesFileAndLine) {
  EXPECT_EQ(describe(Origin{"/etc/msmtprc", 12}), "/etc/msmtprc:12");
  EXPECT_EQ(describe(Origin{"/etc/msmtprc", 0}), "/etc/msmtprc");
}

TEST(ConfigFileSyntax, CommentsAndBlankLinesAreSkipped) {
  const auto config = parse(
      "# a comment\n"
      "\n"
      "   \t\n"
      "  # an indented comment\n"
      "account a\n"
      "\t# another\n"
      "host mail.example\n");
  ASSERT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(value_of(config.accounts[0], "host"), "mail.example");
  EXPECT_EQ(line_of(config.accounts[0], "host"), 7);
  EXPECT_EQ(config.accounts[0].origin.line, 5);
  EXPECT_EQ(config.accounts[0].origin.file, test_path);
}

TEST(ConfigFileSyntax, AHashAfterTheKeyBelongsToTheValue) {
  const auto config = parse("account a\npassword se#cret # not a comment\n");
  EXPECT_EQ(value_of(config.accounts[0], "password"), "se#cret # not a comment");
}

TEST(ConfigFileSyntax, BlanksAroundKeyAndValueAreTrimmed) {
  const auto config = parse("account a\n  \tuser \t an example user \t \n");
  EXPECT_EQ(value_of(config.accounts[0], "user"), "an example user");
}

TEST(ConfigFileSyntax, CrlfLineEndsAndAMissingFinalNewlineAreAccepted) {
  const auto config = parse("account a\r\nhost mail.example\r\nport 2525");
  EXPECT_EQ(value_of(config.accounts[0], "host"), "mail.example");
  EXPECT_EQ(value_of(config.accounts[0], "port"), "2525");
}

TEST(ConfigFileSyntax, AByteOrderMarkAtTheStartIsSkipped) {
  const auto config = parse(
      "\xEF\xBB\xBF"
      "account a\nhost mail.example\n");
  ASSERT_NE(config.find("a"), nullptr);
}

TEST(ConfigFileSyntax, DoubleQuotesAroundAValueAreRemoved) {
  const auto config = parse("account a\nuser \" spaced out \"\nlogfile_time_format \"\"\n");
  EXPECT_EQ(value_of(config.accounts[0], "user"), " spaced out ");
  EXPECT_EQ(value_of(config.accounts[0], "logfile_time_format"), "");
}

TEST(ConfigFileSyntax, BackslashEscapesQuoteAndBackslashInsideQuotes) {
  const auto config = parse(R"(account a
password "say \"hi\" \\ bye"
)");
  EXPECT_EQ(value_of(config.accounts[0], "password"), R"(say "hi" \ bye)");
}

TEST(ConfigFileSyntax, OtherBackslashesAreKeptAsWritten) {
  const auto config = parse(R"(account a
password "a\nb\t"
passwordeval printf '%s\n' "C:\\x"
)");
  EXPECT_EQ(value_of(config.accounts[0], "password"), R"(a\nb\t)");
  // Unquoted values are taken literally, as msmtp takes them.
  EXPECT_EQ(value_of(config.accounts[0], "passwordeval"), R"(printf '%s\n' "C:\\x")");
}

TEST(ConfigFileSyntax, AQuoteClosedBeforeTheEndKeepsTheValueAsWritten) {
  const auto config = parse("account a\npasswordeval \"/opt/my tools/secret\" --id 7\n");
  EXPECT_EQ(value_of(config.accounts[0], "passwordeval"), "\"/opt/my tools/secret\" --id 7");
}

TEST(ConfigFileSyntax, AnUnterminatedQuoteIsAnErrorNamingKeyAndLine) {
  EXPECT_EQ(error_of("account a\nuser \"ann\n"),
            "test.rc:2: the value of user opens a double quote but never closes it; add the "
            "closing \"");
}

TEST(ConfigFileSyntax, AnEscapedFinalQuoteLeavesTheQuoteOpenAndTheSecretUnshown) {
  const auto message = error_of("account a\npassword \"hunter2\\\"\n");
  EXPECT_EQ(message,
            "test.rc:2: the value of password opens a double quote but never closes it; add the "
            "closing \"");
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
}

TEST(ConfigFileSyntax, ALineOfUpTo64KiBIsAcceptedAndALongerOneRefused) {
  const std::string prefix = "logfile_time_format ";
  const std::string fits = prefix + std::string(std::size_t{64} * 1024 - prefix.size(), 'x');
  EXPECT_EQ(value_of(parse("account a\n" + fits + "\n").accounts[0], "logfile_time_format").size(),
            std::size_t{64} * 1024 - prefix.size());
  EXPECT_EQ(error_of("account a\n" + fits + "x\n"),
            "test.rc:2: the line is longer than 65536 bytes; is this a configuration file?");
}

TEST(ConfigFileSyntax, ANulByteIsAnError) {
  EXPECT_EQ(error_of(std::string("account a\nhost mail\0.example\n", 27)),
            "test.rc:2: the line holds a NUL byte; is this a configuration file?");
}

TEST(ConfigFileSyntax, ControlCharactersInValuesAreRefused) {
  EXPECT_EQ(error_of("account a\nuser ann\x1b[2J\n"),
            "test.rc:2: invalid value 'ann\\x1b[2J' for user: control characters are not allowed");
  const auto message = error_of("account a\npassword pass\x07word\n");
  EXPECT_EQ(message, "test.rc:2: invalid value for password: control characters are not allowed");
}

// ---- unknown, ignored and refused keys --------------------------------------------------------

TEST(ConfigFileKeys, AnUnknownKeyIsAnErrorWithANearbySuggestion) {
  EXPECT_EQ(error_of("account a\nhots mail.example\n"),
            "test.rc:2: unknown setting 'hots'; did you mean 'host'?");
  EXPECT_EQ(error_of("account a\ntls_trustfile /x\n"),
            "test.rc:2: unknown setting 'tls_trustfile'; did you mean 'tls_trust_file'?");
  EXPECT_EQ(error_of("account a\nHost mail.example\n"),
            "test.rc:2: unknown setting 'Host'; did you mean 'host'?");
}

TEST(ConfigFileKeys, AnUnknownKeyFarFromAnyKnownOneGetsNoSuggestion) {
  EXPECT_EQ(error_of("colour blue\n"), "test.rc:1: unknown setting 'colour'");
}

TEST(ConfigFileKeys, SourceIpIsAnAddressAndConnectTimeoutSeconds) {
  const auto config =
      parse("account a\nsource_ip ::1\nconnect_timeout 5\ntls_crl_file /etc/crl.pem\n");
  EXPECT_EQ(config.accounts[0].settings.size(), 3U);
  EXPECT_TRUE(error_of("account a\nsource_ip mail.example\n")
                  .starts_with("test.rc:2: invalid value 'mail.example' for source_ip: an IPv4 "
                               "or IPv6 address"));
  EXPECT_TRUE(error_of("account a\nconnect_timeout soon\n")
                  .starts_with("test.rc:2: invalid value 'soon' for connect_timeout"));
}

TEST(ConfigFileKeys, MaildomainIsKeptForLocalNames) {
  const auto config = parse("account a\nmaildomain example.org\n");
  EXPECT_EQ(config.accounts[0].settings.at("maildomain").value, "example.org");
  EXPECT_TRUE(config.warnings.empty());
}

TEST(ConfigFileKeys, MaildomainMustBeADomain) {
  EXPECT_NE(error_of("maildomain root@example.org\n").find("test.rc:1: "), std::string::npos);
  EXPECT_NE(error_of("maildomain example .org\n").find("without '@' or spaces"), std::string::npos);
}

TEST(ConfigFileKeys, MinimumDhPrimeBitsIsIgnoredWithAWarning) {
  const auto config = parse("account a\ntls_min_dh_prime_bits 512\n");
  EXPECT_EQ(config.accounts[0].settings.count("tls_min_dh_prime_bits"), 0U);
  ASSERT_EQ(config.warnings.size(), 1U);
  EXPECT_TRUE(config.warnings[0].starts_with("test.rc:2: tls_min_dh_prime_bits is ignored: "))
      << config.warnings[0];
  EXPECT_EQ(error_of("account a\ntls_min_dh_prime_bits many\n"),
            "test.rc:2: invalid value 'many' for tls_min_dh_prime_bits: a positive number of bits");
}

TEST(ConfigFileKeys, MsmtpKeysThatWouldChangeDeliveryAreRefused) {
  for (const std::string key : {"proxy_host", "proxy_port", "socket", "eval"}) {
    const auto message = error_of("account a\n" + key + " 1\n");
    EXPECT_TRUE(message.starts_with("test.rc:2: " + key + " is not supported by smtpsend: "))
        << message;
  }
}

TEST(ConfigFileKeys, NtlmdomainIsKeptForNtlm) {
  EXPECT_EQ(value_of(parse("account a\nntlmdomain CORP\n").accounts[0], "ntlmdomain"), "CORP");
}

TEST(ConfigFileKeys, RefusedKeysWithAnEmptyValueSwitchNothingOnAndAreAccepted) {
  const auto config = parse("account a\nproxy_host\nsocket \"\"\n");
  EXPECT_TRUE(config.accounts[0].settings.empty());
  // Where an empty value means "on" or is an error in msmtp, it is refused too.
  EXPECT_EQ(error_of("account a\nset_to_header\n"),
            "test.rc:2: set_to_header is not supported by smtpsend: smtpsend does not rewrite the "
            "To header; use undisclosed_recipients on");
  EXPECT_TRUE(error_of("account a\neval\n").starts_with("test.rc:2: eval is not supported"));
}

TEST(ConfigFileKeys, OldMsmtpSpellingsNameTheirReplacement) {
  EXPECT_EQ(error_of("account a\ntls_nocertcheck\n"),
            "test.rc:2: tls_nocertcheck is not supported by smtpsend: an old msmtp name; write "
            "tls_certcheck off");
  EXPECT_NE(error_of("account a\nkeepbcc on\n").find("remove_bcc_headers off"), std::string::npos);
}

// ---- sections
// -------------------------------------------------------------------------------------

TEST(ConfigFileSections, SettingsBeforeAnySectionFormAnAccountNamedDefault) {
  const auto config = parse("\nhost mail.example\nport 2525\n");
  ASSERT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(config.accounts[0].name, "default");
  EXPECT_EQ(config.accounts[0].origin.line, 2);
  EXPECT_EQ(value_of(config.accounts[0], "port"), "2525");
  EXPECT_TRUE(config.defaults.settings.empty());
}

TEST(ConfigFileSections, TheImplicitDefaultAccountCannotBeDefinedAgain) {
  EXPECT_EQ(error_of("host mail.example\naccount default\n"),
            "test.rc:2: account 'default' is already defined at test.rc:1; give this one another "
            "name");
}

TEST(ConfigFileSections, DefaultsFillInOnlyTheAccountsDefinedAfterThem) {
  const auto config = parse(
      "account early\nhost early.example\n"
      "defaults\nport 2525\n"
      "account late\nhost late.example\n");
  EXPECT_EQ(value_of(account_of(config, "early"), "port"), "<unset>");
  EXPECT_EQ(value_of(account_of(config, "late"), "port"), "2525");
  EXPECT_EQ(line_of(account_of(config, "late"), "port"), 4);
}

TEST(ConfigFileSections, DefaultsSectionsAccumulateAndLaterValuesWin) {
  const auto config = parse(
      "defaults\nport 2525\ntls on\n"
      "account a\n"
      "defaults\nport 465\n"
      "account b\n");
  EXPECT_EQ(value_of(account_of(config, "a"), "port"), "2525");
  EXPECT_EQ(value_of(account_of(config, "b"), "port"), "465");
  EXPECT_EQ(value_of(account_of(config, "b"), "tls"), "on");
  EXPECT_EQ(config.defaults.name, "");
  EXPECT_EQ(config.defaults.origin.line, 1);
  EXPECT_EQ(value_of(config.defaults, "port"), "465");
  EXPECT_EQ(value_of(config.defaults, "tls"), "on");
}

TEST(ConfigFileSections, WithoutDefaultsTheDefaultsAreEmptyAndWrittenNowhere) {
  const auto config = parse("account a\nhost mail.example\n");
  EXPECT_TRUE(config.defaults.settings.empty());
  EXPECT_EQ(config.defaults.origin.line, 0);
  EXPECT_EQ(config.path, test_path);
}

TEST(ConfigFileSections, DefaultsTakesNoValue) {
  EXPECT_EQ(error_of("defaults all\n"),
            "test.rc:1: defaults takes no value; put each default setting on its own line after "
            "it");
}

TEST(ConfigFileSections, ALaterLineReplacesAnEarlierOneInTheSameAccount) {
  const auto config = parse("account a\nport 25\nport 2525\n");
  EXPECT_EQ(value_of(config.accounts[0], "port"), "2525");
  EXPECT_EQ(line_of(config.accounts[0], "port"), 3);
}

TEST(ConfigFileSections, SettingsStayInTheirAccount) {
  const auto config = parse("account a\nuser ann\naccount b\nhost b.example\n");
  EXPECT_EQ(value_of(account_of(config, "b"), "user"), "<unset>");
  EXPECT_EQ(value_of(account_of(config, "a"), "host"), "<unset>");
}

TEST(ConfigFileSections, AccountsKeepFileOrderAndFindReturnsNullForAbsentOnes) {
  const auto config = parse("account b\naccount \"a\"\naccount c\n");
  ASSERT_EQ(config.accounts.size(), 3U);
  EXPECT_EQ(config.accounts[0].name, "b");
  EXPECT_EQ(config.accounts[1].name, "a");
  EXPECT_EQ(config.accounts[2].name, "c");
  EXPECT_EQ(config.find("d"), nullptr);
  EXPECT_EQ(config.find(""), nullptr);
}

TEST(ConfigFileSections, AnAccountNeedsAName) {
  const std::string expected =
      "test.rc:1: account needs a name: account NAME, or account NAME : BASE to inherit from BASE";
  EXPECT_EQ(error_of("account\n"), expected);
  EXPECT_EQ(error_of("account \"\"\n"), expected);
  EXPECT_EQ(error_of("account a\naccount : a\n"),
            "test.rc:2: account needs a name: account NAME, or account NAME : BASE to inherit "
            "from BASE");
}

TEST(ConfigFileSections, AnAccountNameCannotHoldAComma) {
  EXPECT_EQ(error_of("account a,b\n"),
            "test.rc:1: invalid account name 'a,b': an account name cannot contain a comma or a "
            "colon");
}

TEST(ConfigFileSections, AnAccountNameCannotHoldControlCharacters) {
  EXPECT_EQ(error_of("account a\x1b[1m\n"),
            "test.rc:1: invalid account name 'a\\x1b[1m': control characters are not allowed");
}

TEST(ConfigFileSections, DuplicateAccountNamesAreAnError) {
  EXPECT_EQ(error_of("account a\nhost x.example\n\naccount a\n"),
            "test.rc:4: account 'a' is already defined at test.rc:1; give this one another name");
}

// ---- inheritance ------------------------------------------------------------------------------

TEST(ConfigFileInheritance, DefaultsThenBaseThenDerivedEachOverride) {
  const auto config = parse(
      "defaults\n"                // 1
      "port 587\n"                // 2
      "tls on\n"                  // 3
      "auth on\n"                 // 4
      "account base\n"            // 5
      "host base.example\n"       // 6
      "port 2525\n"               // 7
      "user ann\n"                // 8
      "account derived : base\n"  // 9
      "user bob\n");              // 10
  const auto& derived = account_of(config, "derived");
  EXPECT_EQ(derived.origin.line, 9);
  EXPECT_EQ(value_of(derived, "tls"), "on");
  EXPECT_EQ(line_of(derived, "tls"), 3);
  EXPECT_EQ(value_of(derived, "port"), "2525");
  EXPECT_EQ(line_of(derived, "port"), 7);
  EXPECT_EQ(value_of(derived, "host"), "base.example");
  EXPECT_EQ(value_of(derived, "user"), "bob");
  EXPECT_EQ(line_of(derived, "user"), 10);
  EXPECT_EQ(value_of(account_of(config, "base"), "user"), "ann");
}

TEST(ConfigFileInheritance, ChainsPassOnWhatEachLinkSet) {
  const auto config = parse(
      "account a\nhost a.example\nport 1001\n"
      "account b : a\nport 1002\nuser b\n"
      "account c : b\nuser c\n");
  const auto& c = account_of(config, "c");
  EXPECT_EQ(value_of(c, "host"), "a.example");
  EXPECT_EQ(value_of(c, "port"), "1002");
  EXPECT_EQ(value_of(c, "user"), "c");
}

TEST(ConfigFileInheritance, LaterBasesInTheListWin) {
  const auto config = parse(
      "account a\nhost a.example\nport 1001\n"
      "account b\nport 1002\nuser b\n"
      "account c :a , b\n"
      "account d : b,a\n");
  EXPECT_EQ(value_of(account_of(config, "c"), "port"), "1002");
  EXPECT_EQ(value_of(account_of(config, "c"), "host"), "a.example");
  EXPECT_EQ(value_of(account_of(config, "c"), "user"), "b");
  EXPECT_EQ(value_of(account_of(config, "d"), "port"), "1001");
}

// msmtp copies what a base set itself over the current defaults, not the defaults the base got.
TEST(ConfigFileInheritance, ABasePassesOnItsOwnSettingsNotTheDefaultsItReceived) {
  const auto config = parse(
      "defaults\nport 587\n"
      "account a\nhost a.example\n"
      "defaults\nport 465\n"
      "account b : a\n");
  EXPECT_EQ(value_of(account_of(config, "a"), "port"), "587");
  EXPECT_EQ(value_of(account_of(config, "b"), "port"), "465");
  EXPECT_EQ(value_of(account_of(config, "b"), "host"), "a.example");
}

TEST(ConfigFileInheritance, HeadersAccumulateInheritedOnesFirst) {
  const auto config = parse(
      "defaults\nheader X-Site: one\n"
      "account base\nheader X-Base: two\n"
      "account derived : base\nheader X-Derived: three\nheader X-Derived: four\n");
  const auto& derived = account_of(config, "derived");
  EXPECT_EQ(header_values(derived),
            (std::vector<std::string>{"X-Site: one", "X-Base: two", "X-Derived: three",
                                      "X-Derived: four"}));
  EXPECT_EQ(derived.headers[1].origin.line, 4);
  EXPECT_EQ(header_values(account_of(config, "base")),
            (std::vector<std::string>{"X-Site: one", "X-Base: two"}));
  EXPECT_EQ(header_values(config.defaults), (std::vector<std::string>{"X-Site: one"}));
}

TEST(ConfigFileInheritance, AccountDefaultColonNameMakesADefaultAccountFromAnother) {
  const auto config = parse(
      "account work\nhost work.example\nfrom me@work.example\n"
      "account default : work\n");
  const auto& chosen = account_of(config, "default");
  EXPECT_EQ(value_of(chosen, "host"), "work.example");
  EXPECT_EQ(value_of(chosen, "from"), "me@work.example");
  EXPECT_EQ(chosen.origin.line, 4);
}

TEST(ConfigFileInheritance, AnUnknownOrLaterBaseIsAnError) {
  EXPECT_EQ(error_of("account a : nowhere\n"),
            "test.rc:1: account 'nowhere' is not defined above this line; an account can inherit "
            "only from accounts defined before it");
  EXPECT_EQ(error_of("account a : b\naccount b\n"),
            "test.rc:1: account 'b' is not defined above this line; an account can inherit only "
            "from accounts defined before it");
  EXPECT_EQ(error_of("account a : a\n"),
            "test.rc:1: account 'a' is not defined above this line; an account can inherit only "
            "from accounts defined before it");
}

TEST(ConfigFileInheritance, AnEmptyNameInTheBaseListIsAnError) {
  const std::string expected =
      "test.rc:2: account: a name is missing in the list of accounts to inherit from after ':'";
  EXPECT_EQ(error_of("account a\naccount b : a,,a\n"), expected);
  EXPECT_EQ(error_of("account a\naccount b :\n"), expected);
}

TEST(ConfigFileInheritance, TooManyHeadersForOneAccountAreAnError) {
  std::string text = "account a\n";
  for (int i = 0; i < 1000; ++i) {
    text += "header X-N: " + std::to_string(i) + "\n";
  }
  EXPECT_EQ(parse(text).accounts[0].headers.size(), 1000U);
  EXPECT_EQ(error_of(text + "header X-N: more\n"),
            "test.rc:1002: more than 1000 header settings apply to account 'a' (inherited ones "
            "included); remove some");
}

TEST(ConfigFileInheritance, ExpansionThroughInheritanceIsBounded) {
  // One long default copied into many accounts: small file, huge result.
  std::string text = "defaults\nlogfile_time_format " + std::string(60000, 'x') + "\n";
  for (int i = 0; i < 600; ++i) {
    text += "account a" + std::to_string(i) + "\n";
  }
  const auto message = error_of(text);
  EXPECT_NE(message.find(" expand to more than 32 MiB of settings"), std::string::npos) << message;
}

// ---- ~ expansion
// ----------------------------------------------------------------------------------

TEST(ConfigFileHome, ATildeStartingAFileNameIsTheHomeDirectory) {
  const auto config = parse(
      "account a\n"
      "logfile ~/mail.log\n"
      "aliases ~\n"
      "tls_trust_file \"~/ca.pem\"\n"
      "tls_cert_file ~other/cert.pem\n"
      "tls_key_file /keys/~/key.pem\n"
      "passwordeval cat ~/secret\n");
  const auto& account = config.accounts[0];
  EXPECT_EQ(value_of(account, "logfile"), "/home/ann/mail.log");
  EXPECT_EQ(value_of(account, "aliases"), "/home/ann");
  EXPECT_EQ(value_of(account, "tls_trust_file"), "/home/ann/ca.pem");
  EXPECT_EQ(value_of(account, "tls_cert_file"), "~other/cert.pem");
  EXPECT_EQ(value_of(account, "tls_key_file"), "/keys/~/key.pem");
  // A command is the shell's to expand.
  EXPECT_EQ(value_of(account, "passwordeval"), "cat ~/secret");
}

TEST(ConfigFileHome, WithoutAHomeDirectoryATildeIsAnError) {
  try {
    parse_config("account a\nlogfile ~/mail.log\n", test_path, "");
    ADD_FAILURE() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_STREQ(failure.what(),
                 "test.rc:2: invalid value '~/mail.log' for logfile: '~' cannot be expanded "
                 "because no home directory is known; write the full path");
  }
}

}  // namespace
}  // namespace smtpsend::config
