#include "net/tls_verification.hpp"

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

namespace smtpsend::net {
namespace {

PeerCertificate mail_example_certificate() {
  PeerCertificate certificate;
  certificate.subject = "CN=mail.example.com";
  certificate.issuer = "CN=Example Private CA,O=Example";
  certificate.alt_names = {"mail.example.com", "smtp.example.com"};
  certificate.not_before = 1700000000;  // 2023-11-14 22:13:20 UTC
  certificate.not_after = 1710000000;   // 2024-03-09 16:00:00 UTC
  return certificate;
}

TEST(TlsVerification, UnknownIssuerNamesTheIssuerAndTheWayOut) {
  std::string message = verification_failure_message(
      GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, "mail.example.com",
      mail_example_certificate(), "the system trust store", false);

  EXPECT_EQ(message.rfind("the TLS certificate of 'mail.example.com' is not trusted: its issuer "
                          "'CN=Example Private CA,O=Example' is not trusted by the system trust "
                          "store (GnuTLS: ",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("The certificate issuer is unknown.); "), std::string::npos) << message;
  EXPECT_TRUE(message.ends_with(std::string("); ") + std::string(trust_advice))) << message;
}

TEST(TlsVerification, EmptyTrustStoreSaysSo) {
  std::string message = verification_failure_message(
      GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, "mail.example.com",
      mail_example_certificate(), "the system trust store", true);

  EXPECT_NE(message.find("is the ca-certificates package installed?"), std::string::npos)
      << message;
}

TEST(TlsVerification, SelfSignedCertificateIsCalledThat) {
  PeerCertificate certificate = mail_example_certificate();
  certificate.issuer = certificate.subject;

  std::string message = verification_failure_message(
      GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, "mail.example.com", certificate,
      "the trust file '/etc/ca.pem'", false);

  EXPECT_NE(message.find("the certificate is self-signed ('CN=mail.example.com') and not in the "
                         "trust file '/etc/ca.pem'"),
            std::string::npos)
      << message;
}

TEST(TlsVerification, WrongNameNamesBothAndAdvisesTheRightName) {
  std::string message = verification_failure_message(
      GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER, "mx.example.net",
      mail_example_certificate(), "the system trust store", false);

  EXPECT_NE(message.find("it is for 'CN=mail.example.com' (names: mail.example.com, "
                         "smtp.example.com), not for 'mx.example.net'"),
            std::string::npos)
      << message;
  EXPECT_TRUE(
      message.ends_with("connect using a name the certificate lists, or use "
                        "--tls-insecure to skip verification (unsafe)"))
      << message;
}

TEST(TlsVerification, ExpiredAndNotYetValidGiveTheDates) {
  std::string expired =
      verification_failure_message(GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED, "mail.example.com",
                                   mail_example_certificate(), "the system trust store", false);
  std::string early = verification_failure_message(GNUTLS_CERT_INVALID | GNUTLS_CERT_NOT_ACTIVATED,
                                                   "mail.example.com", mail_example_certificate(),
                                                   "the system trust store", false);

  EXPECT_NE(expired.find("it expired on 2024-03-09 16:00:00 UTC"), std::string::npos) << expired;
  EXPECT_NE(early.find("it is not valid before 2023-11-14 22:13:20 UTC"), std::string::npos)
      << early;
}

TEST(TlsVerification, SeveralReasonsAreAllListed) {
  std::string message = verification_failure_message(
      GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_UNEXPECTED_OWNER,
      "mx.example.net", mail_example_certificate(), "the system trust store", false);

  EXPECT_NE(message.find("is not trusted by the system trust store; it is for"), std::string::npos)
      << message;
  EXPECT_NE(message.find(std::string(trust_advice)), std::string::npos) << message;
}

TEST(TlsVerification, WithoutACertificateTheReasonsStillRead) {
  std::string message = verification_failure_message(
      GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, "mail.example.com", std::nullopt,
      "the system trust store", false);

  EXPECT_NE(message.find("its issuer is not trusted by the system trust store"), std::string::npos)
      << message;
}

TEST(TlsVerification, FormatsTimesInUtc) {
  EXPECT_EQ(format_utc(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(format_utc(1710000000), "2024-03-09 16:00:00 UTC");
}

}  // namespace
}  // namespace smtpsend::net
