#include "config/config_file_keys.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/error.hpp"
#include "config/config_file.hpp"

namespace smtpsend::config {
namespace {

// The value stored for `key` when an account sets it to `written` (as it appears in the file).
std::string stored(const std::string& key, const std::string& written) {
  const auto config = parse_config("account a\n" + key + " " + written + "\n", "k.rc", "/home/ann");
  const auto& settings = config.accounts.at(0).settings;
  const auto found = settings.find(key);
  return found == settings.end() ? "<unset>" : found->second.value;
}

std::string error_for(const std::string& key, const std::string& written) {
  try {
    stored(key, written);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    return failure.what();
  }
  ADD_FAILURE() << "no failure for " << key << " " << written;
  return {};
}

// Checks that every value in `bad` is refused with "invalid value 'X' for KEY: <allowed>".
void expect_refused(const std::string& key, std::initializer_list<std::string> bad,
                    const std::string& allowed) {
  for (const auto& value : bad) {
    std::string expected = "k.rc:2: invalid value '";
    expected.append(value).append("' for ").append(key).append(": ").append(allowed);
    EXPECT_EQ(error_for(key, value), expected) << key << " " << value;
  }
}

void expect_kept(const std::string& key, std::initializer_list<std::string> good) {
  for (const auto& value : good) {
    EXPECT_EQ(stored(key, value), value) << key;
  }
}

TEST(ConfigKeyTable, NamesAreUniqueAndEveryCheckedRoleHasACheck) {
  std::set<std::string_view> names;
  for (const auto& rule : keys::key_rules()) {
    EXPECT_TRUE(names.insert(rule.name).second) << rule.name;
    const bool refused =
        rule.role == keys::KeyRole::refused || rule.role == keys::KeyRole::refused_when_set;
    EXPECT_EQ(rule.check == nullptr, refused) << rule.name;
    EXPECT_EQ(rule.note.empty(), !refused && rule.role != keys::KeyRole::ignored) << rule.name;
  }
}

TEST(ConfigKeyTable, ClosestKeyNameAllowsTwoEditsAtMost) {
  EXPECT_EQ(keys::closest_key_name("hots"), "host");
  EXPECT_EQ(keys::closest_key_name("prot"), "port");
  EXPECT_EQ(keys::closest_key_name("tls_startls"), "tls_starttls");
  EXPECT_EQ(keys::closest_key_name("passwd"), "password");
  EXPECT_EQ(keys::closest_key_name("acount"), "account");
  EXPECT_EQ(keys::closest_key_name("default"), "defaults");
  EXPECT_EQ(keys::closest_key_name("xyzzy"), "");
  EXPECT_EQ(keys::closest_key_name(std::string(500, 'h')), "");
}

TEST(ConfigKeys, Host) {
  expect_kept("host", {"smtp.example.org", "192.0.2.1", "[2001:db8::1]", "localhost"});
  expect_refused("host", {""}, "a host name or IP address, without spaces");
  // Messages show the value without its quotes.
  EXPECT_EQ(error_for("host", "\"mail example\""),
            "k.rc:2: invalid value 'mail example' for host: a host name or IP address, without "
            "spaces");
}

TEST(ConfigKeys, Port) {
  expect_kept("port", {"1", "25", "587", "65535"});
  expect_refused("port", {"0", "65536", "-1", "+25", "0x19", "25a", "smtp", ""},
                 "a port number from 1 to 65535");
}

TEST(ConfigKeys, TimeoutAndMaxTime) {
  // --timeout and --max-time are these settings: decimals, as the flags always took them.
  expect_kept("timeout", {"off", "1", "30", "1.5", "0.1", "3600"});
  expect_refused("timeout", {"0", "-5", "3601", "on", "1.", ".5", "1e3", "nan", "inf", ""},
                 "'off' or a number of seconds from 0.1 to 3600");
  expect_kept("max_time", {"1", "300", "off", "86400", "2.5"});
  expect_refused("max_time", {"0", "10s", "86401", "0.05", ""},
                 "'off' or a number of seconds from 0.1 to 86400");
}

TEST(ConfigKeys, Domain) {
  expect_kept("domain", {"client.example.org", "%H", "%C"});
  expect_refused("domain", {"", "my host"},
                 "the name to send in EHLO, without spaces (msmtp's %H, %C and %M may be used)");
}

TEST(ConfigKeys, FromTakesAnAddressAPatternOrSubstitutions) {
  // -f/--from is this setting: a local name (sendmail -f root), a display name and the null
  // reverse-path are accepted; the address itself is checked where the message is made.
  expect_kept("from", {"ann@example.org", "%U@site.example", "*@example.org", "ann+?@example.org",
                       "[ab]*@example.org", "%F", "", "ann", "Ann <ann@example.org>",
                       "<ann@example.org>", "<>"});
  // The file refuses control characters in every value; a flag's value gets the same answer.
  EXPECT_FALSE(
      keys::find_key_rule("from")->check("ann@example.org\r\nRCPT TO:<x@y>", "").problem.empty());
}

TEST(ConfigKeys, UserMayBeEmptyAndPasswordEvalMayNot) {
  expect_kept("user", {"ann", "ann@example.org", "", "with space"});
  expect_kept("password", {"", "p@ss w#rd \"x\""});
  expect_kept("passwordeval", {"pass show mail", "echo x"});
  EXPECT_EQ(error_for("passwordeval", ""),
            "k.rc:2: invalid value for passwordeval: a value is required");
}

TEST(ConfigKeys, AuthAcceptsOnOffAndTheMechanismsMsmtpNames) {
  // Mechanisms are stored by their IANA names, whatever the case they were written in.
  expect_kept("auth", {"on", "off", "PLAIN", "LOGIN", "SCRAM-SHA-256", "GSSAPI"});
  EXPECT_EQ(stored("auth", ""), "on");
  EXPECT_EQ(stored("auth", "auto"), "on");
  EXPECT_EQ(stored("auth", "plain"), "PLAIN");
  EXPECT_EQ(stored("auth", "Login"), "LOGIN");
  // msmtp's manual writes them in lower case.
  EXPECT_EQ(stored("auth", "scram-sha-256"), "SCRAM-SHA-256");
  EXPECT_EQ(stored("auth", "scram-sha-256-plus"), "SCRAM-SHA-256-PLUS");
  EXPECT_EQ(stored("auth", "cram-md5"), "CRAM-MD5");
  EXPECT_EQ(stored("auth", "digest-md5"), "DIGEST-MD5");
  EXPECT_EQ(stored("auth", "external"), "EXTERNAL");
  EXPECT_EQ(stored("auth", "ntlm"), "NTLM");
  expect_refused(
      "auth", {"yes", "sasl"},
      "on, off, or a mechanism: PLAIN, LOGIN, SCRAM-SHA-256-PLUS, SCRAM-SHA-256, SCRAM-SHA-1-PLUS, "
      "SCRAM-SHA-1, CRAM-MD5, DIGEST-MD5, GSSAPI, GS2-KRB5, EXTERNAL, NTLM, OAUTHBEARER, XOAUTH2");
}

// msmtp's `auth oauthbearer` and `auth xoauth2`, with passwordeval printing the token.
TEST(ConfigKeys, AuthTakesTheOAuthMechanismsAsMsmtpWritesThem) {
  EXPECT_EQ(stored("auth", "oauthbearer"), "OAUTHBEARER");
  EXPECT_EQ(stored("auth", "xoauth2"), "XOAUTH2");
}

TEST(ConfigKeys, OnOffKeysAcceptExactlyOnAndOffAndReadEmptyAsOn) {
  for (const std::string key :
       {"tls_starttls", "tls_certcheck", "remove_bcc_headers", "undisclosed_recipients",
        "allow_from_override", "auto_from", "allow_plaintext_auth"}) {
    expect_kept(key, {"on", "off"});
    EXPECT_EQ(stored(key, ""), "on") << key;
    EXPECT_EQ(stored(key, "\"\""), "on") << key;
    expect_refused(key, {"yes", "ON", "1", "true"}, "on or off");
  }
}

// tls is msmtp's on/off and --tls's modes, in any case: one setting.
TEST(ConfigKeys, TlsTakesOnOffAndTheModesOfTheFlag) {
  expect_kept("tls", {"on", "off", "auto", "starttls", "smtps", "none"});
  EXPECT_EQ(stored("tls", ""), "on");
  EXPECT_EQ(stored("tls", "ON"), "on");
  EXPECT_EQ(stored("tls", "SMTPS"), "smtps");
  expect_refused("tls", {"yes", "1", "true", "tls"}, "on, off, auto, starttls, smtps or none");
}

TEST(ConfigKeys, HeaderPolicies) {
  expect_kept("set_from_header", {"auto", "on", "off"});
  EXPECT_EQ(stored("set_from_header", ""), "auto");
  expect_refused("set_from_header", {"yes"}, "auto, on or off");
  for (const std::string key : {"set_date_header", "set_msgid_header"}) {
    expect_kept(key, {"auto", "off"});
    EXPECT_EQ(stored(key, ""), "auto");
    expect_refused(key, {"on", "always"}, "auto or off");
  }
}

TEST(ConfigKeys, TrustFile) {
  expect_kept("tls_trust_file", {"system", "", "/etc/ssl/certs/ca-certificates.crt"});
  EXPECT_EQ(stored("tls_trust_file", "~/ca.pem"), "/home/ann/ca.pem");
}

TEST(ConfigKeys, FileNames) {
  for (const std::string key : {"tls_key_file", "tls_cert_file", "aliases"}) {
    expect_kept(key, {"", "/etc/key.pem", "relative.pem"});
    EXPECT_EQ(stored(key, "~/x"), "/home/ann/x") << key;
  }
  expect_kept("logfile", {"-", "", "/var/log/smtpsend.log"});
  EXPECT_EQ(stored("logfile", "~/log"), "/home/ann/log");
}

TEST(ConfigKeys, FingerprintInMsmtpsFormIsStoredAsSha256Hex) {
  const std::string colons =
      "3F:A0:19:C2:55:0B:7E:D4:81:6C:2A:F3:90:4E:BB:17:05:D9:68:E1:C4:3A:72:0F:9B:26:58:AD:E3:11:"
      "40:8C";
  const std::string hex = "3fa019c2550b7ed4816c2af3904ebb1705d968e1c43a720f9b2658ade311408c";
  EXPECT_EQ(stored("tls_fingerprint", colons), "sha256:" + hex);
  EXPECT_EQ(stored("tls_fingerprint", "sha256:" + hex), "sha256:" + hex);
  EXPECT_EQ(stored("tls_fingerprint", "SHA256:" + colons), "sha256:" + hex);
  EXPECT_EQ(stored("tls_fingerprint", ""), "");
}

// --tls-fingerprint is this setting, and takes several pins (a certificate and its successor).
TEST(ConfigKeys, SeveralFingerprintsAreSeparatedByCommas) {
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  EXPECT_EQ(stored("tls_fingerprint", "sha256:" + a + ", SHA256:" + b),
            "sha256:" + a + ",sha256:" + b);
  expect_refused("tls_fingerprint", {"sha256:" + a + ","},
                 "fingerprints separated by single commas");
  EXPECT_NE(error_for("tls_fingerprint", "sha256:" + a + ",,sha256:" + b)
                .find("fingerprints separated by single commas"),
            std::string::npos);
}

TEST(ConfigKeys, Sha1FingerprintInMsmtpsOlderFormIsStoredAsColonSeparatedBytes) {
  EXPECT_EQ(
      stored("tls_fingerprint", "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"),
      "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33");
  EXPECT_EQ(
      stored("tls_fingerprint", "00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 00 11 22 33"),
      "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33");
}

TEST(ConfigKeys, Md5AndOtherFingerprintsAreRefused) {
  const std::string sha1 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33";
  const std::string md5 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  expect_refused("tls_fingerprint", {md5},
                 "this is an MD5 fingerprint, which no longer identifies a certificate safely; "
                 "write the certificate's SHA-256 fingerprint (32 hex bytes separated by colons, "
                 "or sha256:HEX)");
  expect_refused("tls_fingerprint",
                 {"sha256:abc", "00:11", "zz:11:22", "0011:22", "sha1:" + sha1, "sha256:" + sha1,
                  "sha256:" + std::string(63, 'a') + "g"},
                 "the SHA-256 fingerprint of the server's certificate, as 32 hex bytes separated "
                 "by colons (AB:CD:...) or as sha256:HEX");
}

TEST(ConfigKeys, TlsTextValues) {
  expect_kept("tls_priorities", {"", "SECURE256:-VERS-TLS1.2", "NORMAL:%COMPAT"});
  expect_kept("tls_host_override", {"", "mail.example.org"});
  EXPECT_EQ(error_for("tls_host_override", "\"a b\""),
            "k.rc:2: invalid value 'a b' for tls_host_override: a host name or IP address, "
            "without spaces");
}

TEST(ConfigKeys, Syslog) {
  expect_kept("syslog", {"on", "off", "LOG_USER", "LOG_MAIL", "LOG_LOCAL0", "LOG_LOCAL7"});
  EXPECT_EQ(stored("syslog", ""), "on");
  expect_refused("syslog", {"LOG_LOCAL8", "LOG_DAEMON", "log_mail", "mail"},
                 "on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7");
}

TEST(ConfigKeys, DsnNotify) {
  expect_kept("dsn_notify", {"off", "never", "success", "failure,delay", "delay,success,failure"});
  expect_refused("dsn_notify",
                 {"", "always", "failure,failure", "failure, delay", "failure,", ",delay",
                  "never,failure", "FAILURE"},
                 "off, never, or a comma-separated list (no spaces) of success, failure and delay");
}

TEST(ConfigKeys, DsnReturn) {
  expect_kept("dsn_return", {"off", "headers", "full"});
  expect_refused("dsn_return", {"", "hdrs", "body"}, "off, headers or full");
}

TEST(ConfigKeys, ProtocolIsSmtpOnly) {
  expect_kept("protocol", {"smtp"});
  expect_refused("protocol", {"lmtp"},
                 "smtpsend speaks SMTP only; LMTP (RFC 2033) is not supported");
  expect_refused("protocol", {"esmtp", ""}, "smtp");
}

TEST(ConfigKeys, DeprecatedMsmtpKeysAreAccepted) {
  expect_kept("logfile_time_format", {"%Y-%m-%d %H:%M:%S", "none", ""});
}

TEST(ConfigKeys, Charset) {
  expect_kept("charset", {"UTF-8", "ISO-8859-1", "windows-1252", "x-user_defined"});
  expect_refused("charset", {"", "UTF 8", "utf8;", std::string(41, 'a')},
                 "a charset name such as UTF-8 or ISO-8859-1");
}

TEST(ConfigKeys, HeaderNeedsANameAndAColon) {
  EXPECT_EQ(stored("header", "X-Mailer: smtpsend"), "<unset>");  // headers are not single
  const auto config =
      parse_config("account a\nheader X-Mailer: smtpsend\nheader X-Empty:\n", "k.rc", "");
  ASSERT_EQ(config.accounts[0].headers.size(), 2U);
  EXPECT_EQ(config.accounts[0].headers[0].value, "X-Mailer: smtpsend");
  EXPECT_EQ(config.accounts[0].headers[1].value, "X-Empty:");
  expect_refused("header", {"X-Mailer smtpsend", ": no name", "X Mailer: x", ""},
                 "a header field 'Name: value', the name without spaces");
}

}  // namespace
}  // namespace smtpsend::config
