// Pin lists as the user writes them, fingerprints, and pins at work in the TLS handshake.

#include "net/tls_pinning.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "loopback.hpp"
#include "net/tls_facts.hpp"
#include "net/transport.hpp"
#include "test_pki.hpp"
#include "tls_handshake_fixture.hpp"
#include "tls_test_server.hpp"

namespace smtpsend::net {
namespace {

using testing::RecordingSink;
using testing::TlsTestServer;

// 32 bytes 00 01 02 ... 1f, in the forms a user may write them.
constexpr std::string_view counting_hex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view counting_msmtp_form =
    "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:"
    "1E:1F";

Sha256Digest counting_digest() {
  Sha256Digest digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    digest[i] = static_cast<unsigned char>(i);
  }
  return digest;
}

Error failure_parsing(std::string_view list) {
  try {
    parse_pins(list);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "parsed '" << list << "'";
  return {};
}

TEST(TlsPinning, ParsesPrefixedLowercaseHex) {
  Pins pins = parse_pins("sha256:" + std::string(counting_hex));

  ASSERT_EQ(pins.sha256.size(), 1u);
  EXPECT_EQ(pins.sha256[0], counting_digest());
}

TEST(TlsPinning, ParsesUppercasePrefixAndDigitsWithColons) {
  Pins pins = parse_pins("SHA256:" + std::string(counting_msmtp_form));

  ASSERT_EQ(pins.sha256.size(), 1u);
  EXPECT_EQ(pins.sha256[0], counting_digest());
}

TEST(TlsPinning, ParsesMsmtpFormWithoutPrefix) {
  Pins pins = parse_pins(counting_msmtp_form);

  ASSERT_EQ(pins.sha256.size(), 1u);
  EXPECT_EQ(pins.sha256[0], counting_digest());
}

TEST(TlsPinning, ParsesACommaSeparatedListWithBlanks) {
  std::string second(64, 'f');
  Pins pins = parse_pins(" sha256:" + std::string(counting_hex) + " ,\tsha256:" + second + " ");

  ASSERT_EQ(pins.sha256.size(), 2u);
  EXPECT_EQ(pins.sha256[0], counting_digest());
  Sha256Digest all_ones{};
  all_ones.fill(0xff);
  EXPECT_EQ(pins.sha256[1], all_ones);
}

TEST(TlsPinning, EmptyListGivesNoPins) {
  EXPECT_TRUE(parse_pins("").empty());
  EXPECT_TRUE(parse_pins("  ").empty());
}

TEST(TlsPinning, FormatReadsBack) {
  std::string text = format_pin(counting_digest());

  EXPECT_EQ(text, "sha256:" + std::string(counting_hex));
  EXPECT_EQ(parse_pins(text).sha256.at(0), counting_digest());
}

TEST(TlsPinning, BadHexDigitIsAUsageErrorNamingThePinAndTheDigit) {
  std::string pin = "sha256:" + std::string(counting_hex.substr(0, 63)) + "g";

  Error error = failure_parsing(pin);

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("invalid TLS fingerprint pin '" + pin + "'"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("'g' is not a hex digit"), std::string::npos) << error.message;
}

TEST(TlsPinning, WrongLengthIsAUsageErrorGivingTheCount) {
  Error error = failure_parsing("sha256:" + std::string(counting_hex.substr(0, 62)));

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("it has 62 hex digits; a SHA-256 fingerprint has 64"),
            std::string::npos)
      << error.message;
}

TEST(TlsPinning, Sha1InMsmtpsOlderFormIsTaken) {
  Pins pins = parse_pins("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01");

  ASSERT_EQ(pins.sha1.size(), 1u);
  EXPECT_TRUE(pins.sha256.empty());
  EXPECT_EQ(pins.sha1[0][0], 0xab);
  EXPECT_EQ(pins.sha1[0][19], 0x01);
}

TEST(TlsPinning, Sha1LengthAfterTheSha256PrefixIsRefused) {
  Error error = failure_parsing("sha256:" + std::string(40, 'a'));

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("the length of a SHA-1 fingerprint"), std::string::npos)
      << error.message;
}

TEST(TlsPinning, Sha1WarningGivesTheSha256PinToWrite) {
  std::string warning = sha1_pin_warning(counting_digest());

  EXPECT_NE(warning.find("SHA-1 fingerprint"), std::string::npos) << warning;
  EXPECT_NE(warning.find("tls_fingerprint sha256:" + std::string(counting_hex)), std::string::npos)
      << warning;
}

TEST(TlsPinning, Md5LengthIsRefusedAskingForSha256) {
  Error error = failure_parsing("sha256:" + std::string(32, 'a'));

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("the length of a MD5 fingerprint; MD5 is not accepted"),
            std::string::npos)
      << error.message;
}

TEST(TlsPinning, Sha1PrefixIsRefused) {
  Error error = failure_parsing("sha1:" + std::string(40, 'a'));

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("a prefix other than \"sha256:\" is not accepted"),
            std::string::npos)
      << error.message;
}

TEST(TlsPinning, BareHexWithoutPrefixIsRefusedAskingForThePrefix) {
  Error error = failure_parsing(counting_hex);

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("without the \"sha256:\" prefix"), std::string::npos)
      << error.message;
}

TEST(TlsPinning, OneBadPinInAListIsNamed) {
  std::string good = "sha256:" + std::string(counting_hex);

  Error error = failure_parsing(good + ",sha256:xyz");

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("pin 'sha256:xyz'"), std::string::npos) << error.message;
}

TEST(TlsPinning, EmptyPinInAListIsRefused) {
  std::string good = "sha256:" + std::string(counting_hex);

  Error error = failure_parsing(good + ",," + good);

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("empty TLS fingerprint pin"), std::string::npos) << error.message;
}

TEST(TlsPinning, FingerprintsAreTheCertificateAndPublicKeyHashes) {
  auto ca = testing::make_test_ca();
  auto server = testing::make_server_certificate(ca, testing::localhost_spec());

  CertificateFingerprints fingerprints = fingerprints_of(server.certificate.get());

  EXPECT_EQ(format_pin(fingerprints.certificate), server.certificate_pin());
  EXPECT_EQ(format_pin(fingerprints.public_key), server.public_key_pin());
  EXPECT_NE(fingerprints.certificate, fingerprints.public_key);
}

TEST(TlsPinning, MatchesAnyFingerprint) {
  CertificateFingerprints fingerprints;
  fingerprints.certificate.fill(1);
  fingerprints.public_key.fill(2);
  fingerprints.certificate_sha1.fill(4);
  Sha256Digest other{};
  other.fill(3);
  Sha1Digest other_sha1{};
  other_sha1.fill(5);

  EXPECT_EQ(match_pins({{other, fingerprints.certificate}, {}}, fingerprints),
            PinMatch::certificate);
  EXPECT_EQ(match_pins({{fingerprints.public_key}, {}}, fingerprints), PinMatch::public_key);
  EXPECT_EQ(match_pins({{other}, {other_sha1, fingerprints.certificate_sha1}}, fingerprints),
            PinMatch::certificate_sha1);
  EXPECT_EQ(match_pins({{other}, {other_sha1}}, fingerprints), PinMatch::none);
  EXPECT_EQ(match_pins({}, fingerprints), PinMatch::none);
}

TEST(TlsPinning, Sha1FingerprintIsGnutlsFingerprintOfTheCertificate) {
  auto ca = testing::make_test_ca();
  auto server = testing::make_server_certificate(ca, testing::localhost_spec());

  CertificateFingerprints fingerprints = fingerprints_of(server.certificate.get());

  EXPECT_EQ(match_pins(parse_pins(server.certificate_sha1_pin()), fingerprints),
            PinMatch::certificate_sha1);
}

TEST(TlsPinning, MismatchMessageGivesBothFingerprints) {
  CertificateFingerprints fingerprints;
  fingerprints.certificate = counting_digest();
  fingerprints.public_key.fill(0xab);
  std::string ab_hex;
  for (int i = 0; i < 32; ++i) {
    ab_hex += "ab";
  }

  std::string message = pin_mismatch_message("mail.example.com", fingerprints);

  EXPECT_TRUE(message.starts_with(
      "the TLS certificate of 'mail.example.com' matches no pin given with --tls-fingerprint: the "
      "certificate's fingerprint is sha256:" +
      std::string(counting_hex) + " and its public key's is sha256:" + ab_hex + "; "))
      << message;
}

// --- In the handshake, against a GnuTLS server on a thread of the test ---------------------------

class PinnedHandshake : public testing::TlsHandshakeFixture {};

TEST_F(PinnedHandshake, PinnedCertificateHashIsTrustedWithoutATrustFile) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();  // the system store does not know our test CA
  options.tls.fingerprint = server_identity_.certificate_pin();

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  EXPECT_TRUE(trace.contains("TLS certificate's certificate matches --tls-fingerprint"))
      << trace.joined();
  EXPECT_TRUE(trace.contains("TLS certificate trusted for 'localhost' by its pin"))
      << trace.joined();
}

TEST_F(PinnedHandshake, PinnedPublicKeyHashTrustsASelfSignedCertificate) {
  auto self_signed = testing::make_self_signed_server_certificate(testing::localhost_spec());
  TlsTestServer server(self_signed, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();
  // Another pin first: a list is matched as a whole.
  options.tls.fingerprint =
      server_identity_.certificate_pin() + ", " + self_signed.public_key_pin();

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  EXPECT_TRUE(trace.contains("TLS certificate's public key matches --tls-fingerprint"))
      << trace.joined();
}

TEST_F(PinnedHandshake, WrongPinIsRefusedWithBothFingerprintsEvenForATrustedCa) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());  // the trust file would accept it
  options.tls.fingerprint = "sha256:" + std::string(64, '0');

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::permission);
  EXPECT_NE(error.message.find("the TLS certificate of 'localhost' matches no pin given with "
                               "--tls-fingerprint: the certificate's fingerprint is " +
                               server_identity_.certificate_pin() + " and its public key's is " +
                               server_identity_.public_key_pin()),
            std::string::npos)
      << error.message;
  EXPECT_FALSE(server.wait().handshake_done);
}

TEST_F(PinnedHandshake, ThePinAloneDecidesWhateverTheHostName) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();
  options.tls.server_name = "wrong.example";
  options.tls.fingerprint = server_identity_.certificate_pin();

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  EXPECT_TRUE(
      trace.contains("TLS certificate trusted for 'wrong.example' by its pin alone (no "
                     "CA, host name or dates checked)"))
      << trace.joined();
}

TEST_F(PinnedHandshake, ThePinAloneDecidesWhateverTheDates) {
  testing::CertificateSpec spec = testing::localhost_spec();
  spec.not_before = std::time(nullptr) - std::time_t{10} * 86400;
  spec.not_after = std::time(nullptr) - 86400;
  auto expired = testing::make_self_signed_server_certificate(spec);
  TlsTestServer server(expired, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.fingerprint = expired.public_key_pin();

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
}

TEST_F(PinnedHandshake, Sha1PinIsTrustedWithAWarningGivingTheSha256Pin) {
  auto self_signed = testing::make_self_signed_server_certificate(testing::localhost_spec());
  TlsTestServer server(self_signed, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();
  options.tls.fingerprint = self_signed.certificate_sha1_pin();

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  ASSERT_NE(transport->tls_facts(), nullptr);
  const auto& warnings = transport->tls_facts()->warnings;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("pin its SHA-256 fingerprint instead: tls_fingerprint " +
                             self_signed.certificate_pin()),
            std::string::npos)
      << warnings[0];
}

TEST_F(PinnedHandshake, InsecureChangesNothingWithAPin) {
  trace::NullSink trace;
  {
    TlsTestServer server(server_identity_, {});
    ConnectOptions options = options_for(server.port());
    options.tls.insecure = true;
    options.tls.server_name = "wrong.example";
    options.tls.fingerprint = server_identity_.public_key_pin();
    auto transport = connect(options, trace);
    transport->start_tls();
    EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  }
  TlsTestServer server(server_identity_, {});
  ConnectOptions options = options_for(server.port());
  options.tls.insecure = true;
  options.tls.fingerprint = "sha256:" + std::string(64, 'f');

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::permission);
  EXPECT_NE(error.message.find("matches no pin"), std::string::npos) << error.message;
}

TEST_F(PinnedHandshake, BadPinIsAUsageErrorBeforeAnyHandshake) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.fingerprint = "sha256:1234";

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::usage);
  EXPECT_NE(error.message.find("'sha256:1234'"), std::string::npos) << error.message;
}

TEST_F(PinnedHandshake, TraceShowsBothFingerprintsWithoutPins) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  auto transport = connect(options_for(server.port()), trace);

  transport->start_tls();

  EXPECT_TRUE(trace.contains("TLS certificate fingerprint: " + server_identity_.certificate_pin()))
      << trace.joined();
  EXPECT_TRUE(trace.contains("TLS public key fingerprint: " + server_identity_.public_key_pin()))
      << trace.joined();
}

}  // namespace
}  // namespace smtpsend::net
