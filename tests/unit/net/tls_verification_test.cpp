#include "net/tls_verification.hpp"

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

#include <ctime>

#include "test_pki.hpp"

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

// The certificate as a client sees it: parsed from DER. (GnuTLS's name checks do not see the
// subjectAltName entries of a certificate object that was built in memory and only signed.)
testing::KeyAndCertificate as_received(testing::KeyAndCertificate built) {
  gnutls_datum_t der{};
  testing::check_gnutls(gnutls_x509_crt_export2(built.certificate.get(), GNUTLS_X509_FMT_DER, &der),
                        "export");
  std::string bytes = take_datum(der);
  gnutls_datum_t data{reinterpret_cast<unsigned char*>(bytes.data()),
                      static_cast<unsigned>(bytes.size())};
  gnutls_x509_crt_t raw = nullptr;
  testing::check_gnutls(gnutls_x509_crt_init(&raw), "init");
  built.certificate.reset(raw);
  testing::check_gnutls(gnutls_x509_crt_import(raw, &data, GNUTLS_X509_FMT_DER), "import");
  return built;
}

class PinnedCertificateStatus : public ::testing::Test {
 protected:
  testing::KeyAndCertificate ca_ = testing::make_test_ca();
  testing::KeyAndCertificate server_ =
      as_received(testing::make_server_certificate(ca_, testing::localhost_spec()));
  std::time_t now_ = std::time(nullptr);
};

TEST_F(PinnedCertificateStatus, UnknownIssuerIsWaived) {
  unsigned ca_status = GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND;

  EXPECT_EQ(pinned_certificate_status(ca_status, server_.certificate.get(), "localhost", now_), 0u);
}

TEST_F(PinnedCertificateStatus, IpLiteralIsMatchedAgainstTheAddresses) {
  EXPECT_EQ(pinned_certificate_status(0, server_.certificate.get(), "127.0.0.1", now_), 0u);
  EXPECT_EQ(pinned_certificate_status(0, server_.certificate.get(), "192.0.2.1", now_),
            GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER);
}

TEST_F(PinnedCertificateStatus, WrongNameIsKeptEvenIfGnutlsDidNotReportIt) {
  unsigned ca_status = GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND;

  EXPECT_EQ(pinned_certificate_status(ca_status, server_.certificate.get(), "wrong.example", now_),
            GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER);
}

TEST_F(PinnedCertificateStatus, TheLeafsOwnDatesAreChecked) {
  std::time_t after_expiry = gnutls_x509_crt_get_expiration_time(server_.certificate.get()) + 1;
  std::time_t before_activation =
      gnutls_x509_crt_get_activation_time(server_.certificate.get()) - 1;

  EXPECT_EQ(pinned_certificate_status(0, server_.certificate.get(), "localhost", after_expiry),
            GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED);
  EXPECT_EQ(pinned_certificate_status(0, server_.certificate.get(), "localhost", before_activation),
            GNUTLS_CERT_INVALID | GNUTLS_CERT_NOT_ACTIVATED);
}

TEST_F(PinnedCertificateStatus, AnExpiredIssuerIsWaivedWhenTheLeafIsValid) {
  unsigned ca_status = GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED;

  EXPECT_EQ(pinned_certificate_status(ca_status, server_.certificate.get(), "localhost", now_), 0u);
}

TEST_F(PinnedCertificateStatus, RevocationIsKept) {
  unsigned ca_status = GNUTLS_CERT_INVALID | GNUTLS_CERT_REVOKED;

  EXPECT_EQ(pinned_certificate_status(ca_status, server_.certificate.get(), "localhost", now_),
            GNUTLS_CERT_INVALID | GNUTLS_CERT_REVOKED);
}

TEST(TlsVerification, PinnedFailureSaysThePinMatchedAndWhatIsWrong) {
  std::string message =
      pinned_verification_failure_message(GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER,
                                          "mx.example.net", mail_example_certificate());

  EXPECT_NE(message.find("the TLS certificate of 'mx.example.net' matches the pin given with "
                         "--tls-fingerprint but is not valid: it is for 'CN=mail.example.com'"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("connect using a name the certificate lists"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("--tls-trust-file"), std::string::npos) << message;
}

}  // namespace
}  // namespace smtpsend::net
