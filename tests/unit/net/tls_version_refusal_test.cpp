#include "net/tls_version_refusal.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtpsend::net {
namespace {

// The first bytes of a ServerHello record: record header, handshake header, then the version.
std::string server_hello_start(unsigned char minor) {
  const unsigned char bytes[] = {22, 3, minor, 0, 0x2a, 2, 0, 0, 0x26, 3, minor};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

VersionRefusal default_refusal() {
  VersionRefusal refusal;
  refusal.host = "'mail.example.org'";
  refusal.offered = {GNUTLS_TLS1_3, GNUTLS_TLS1_2};
  return refusal;
}

TEST(DeprecatedServerHelloVersion, ReadsTheVersionOfAnOldServerHello) {
  EXPECT_EQ(deprecated_server_hello_version(server_hello_start(2)), GNUTLS_TLS1_1);
  EXPECT_EQ(deprecated_server_hello_version(server_hello_start(1)), GNUTLS_TLS1_0);
  EXPECT_EQ(deprecated_server_hello_version(server_hello_start(0)), GNUTLS_SSL3);
}

TEST(DeprecatedServerHelloVersion, SaysNothingOfTls12OrOfWhatIsNotAServerHello) {
  EXPECT_EQ(deprecated_server_hello_version(server_hello_start(3)), std::nullopt);
  EXPECT_EQ(deprecated_server_hello_version("220 mail.example.org ESMTP\r\n"), std::nullopt);
  EXPECT_EQ(deprecated_server_hello_version(server_hello_start(2).substr(0, 10)), std::nullopt);
  std::string alert = server_hello_start(2);
  alert[0] = 21;  // an alert record, not a handshake
  EXPECT_EQ(deprecated_server_hello_version(alert), std::nullopt);
}

TEST(VersionRefusalMessage, AServerAnsweringWithTls11IsNamedWithItAndBothWaysOut) {
  VersionRefusal refusal = default_refusal();
  refusal.chosen = GNUTLS_TLS1_1;
  EXPECT_EQ(version_refusal_message(refusal),
            "'mail.example.org' answered with TLS 1.1, the newest TLS version it speaks, which "
            "smtpsend does not use unless --tls-priorities names it (RFC 8996 deprecates TLS 1.0 "
            "and 1.1); ask the server's administrator to enable TLS 1.2 or later, or allow TLS "
            "1.1 with --tls-priorities 'NORMAL:+VERS-TLS1.1' at your own risk");
}

TEST(VersionRefusalMessage, TheAdviceBuildsOnTheUsersOwnString) {
  VersionRefusal refusal = default_refusal();
  refusal.user_priorities = "SECURE256";
  refusal.chosen = GNUTLS_TLS1_0;
  EXPECT_NE(version_refusal_message(refusal)->find("'SECURE256:+VERS-TLS1.0' at your own risk"),
            std::string::npos);
}

TEST(VersionRefusalMessage, SslIsNeverSuggested) {
  VersionRefusal refusal = default_refusal();
  refusal.chosen = GNUTLS_SSL3;
  std::string message = version_refusal_message(refusal).value_or("");
  EXPECT_NE(message.find("answered with SSL 3.0"), std::string::npos) << message;
  EXPECT_EQ(message.find("--tls-priorities '"), std::string::npos) << message;
}

TEST(VersionRefusalMessage, AProtocolVersionAlertAgainstTls12AndLaterPointsAtOldTls) {
  VersionRefusal refusal = default_refusal();
  refusal.protocol_version_alert = true;
  EXPECT_EQ(version_refusal_message(refusal),
            "'mail.example.org' refused every TLS version smtpsend offered (TLS 1.3, TLS 1.2) "
            "with a protocol_version alert: it probably speaks only TLS 1.0 or 1.1 (or SSL 3.0), "
            "which smtpsend does not use unless --tls-priorities names them (RFC 8996 deprecates "
            "TLS 1.0 and 1.1); ask the server's administrator to enable TLS 1.2 or later, or "
            "allow TLS 1.1 with --tls-priorities 'NORMAL:+VERS-TLS1.1' at your own risk");
}

TEST(VersionRefusalMessage, AProtocolVersionAlertAgainstANarrowUserStringPointsAtIt) {
  VersionRefusal refusal = default_refusal();
  refusal.user_priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
  refusal.offered = {GNUTLS_TLS1_3};
  refusal.protocol_version_alert = true;
  EXPECT_EQ(version_refusal_message(refusal),
            "'mail.example.org' supports none of the TLS versions smtpsend offered (TLS 1.3; "
            "protocol_version alert); check --tls-priorities 'NORMAL:-VERS-ALL:+VERS-TLS1.3'");
}

TEST(VersionRefusalMessage, OtherFailuresAreNotAboutVersions) {
  EXPECT_EQ(version_refusal_message(default_refusal()), std::nullopt);
  VersionRefusal offered_and_chosen = default_refusal();
  offered_and_chosen.offered.push_back(GNUTLS_TLS1_1);
  offered_and_chosen.chosen = GNUTLS_TLS1_1;  // allowed: the failure was something else
  EXPECT_EQ(version_refusal_message(offered_and_chosen), std::nullopt);
}

}  // namespace
}  // namespace smtpsend::net
