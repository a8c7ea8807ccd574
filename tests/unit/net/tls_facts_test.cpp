// TlsFacts: the lines the trace prints for them, and what a real handshake (against a GnuTLS
// server on a thread of the test) puts in them.

#include "net/tls_facts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "loopback.hpp"
#include "net/transport.hpp"
#include "test_pki.hpp"
#include "tls_handshake_fixture.hpp"
#include "tls_test_server.hpp"

namespace smtpsend::net {
namespace {

using namespace std::chrono_literals;
using testing::RecordingSink;
using testing::TlsServerScript;
using testing::TlsTestServer;

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const std::string& line : lines) {
    all += line + "\n";
  }
  return all;
}

bool has_line(const std::vector<std::string>& lines, const std::string& expected) {
  return std::find(lines.begin(), lines.end(), expected) != lines.end();
}

std::string repeated(const std::string& text, int times) {
  std::string all;
  for (int i = 0; i < times; ++i) {
    all += text;
  }
  return all;
}

std::string hex_of(const std::vector<unsigned char>& bytes) {
  return testing::hex(bytes.data(), bytes.size());
}

// A TLS 1.3 session trusted through a CA, as a handshake would leave it.
TlsFacts tls13_facts() {
  TlsFacts facts;
  facts.protocol = "TLS1.3";
  facts.cipher = "AES-256-GCM";
  facts.group = "X25519";
  facts.description = "(TLS1.3)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)";
  facts.handshake_duration = 12345us;
  PeerCertificate leaf;
  leaf.subject = "CN=mail.example.com";
  leaf.issuer = "CN=Example CA";
  leaf.alt_names = {"mail.example.com", "192.0.2.1"};
  leaf.not_before = 1700000000;
  leaf.not_after = 1800000000;
  CertificateFingerprints fingerprints;
  fingerprints.certificate.fill(0x11);
  fingerprints.public_key.fill(0x22);
  leaf.fingerprints = fingerprints;
  facts.chain.push_back(leaf);
  facts.verification.name = "mail.example.com";
  facts.verification.trust_source = "the system trust store";
  return facts;
}

// --- Formatting
// -----------------------------------------------------------------------------------

TEST(TlsFactsLines, ShowVersionDurationSuiteCipherAndGroup) {
  std::vector<std::string> lines = tls_facts_lines(tls13_facts());

  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "TLS handshake done in 12 ms: TLS1.3");
  EXPECT_EQ(lines[1],
            "TLS cipher suite: (TLS1.3)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)");
  EXPECT_EQ(lines[2], "TLS cipher: AES-256-GCM; key exchange group: X25519");
}

TEST(TlsFactsLines, NameTheMacOfANonAeadCipherAndAResumedSession) {
  TlsFacts facts = tls13_facts();
  facts.protocol = "TLS1.2";
  facts.cipher = "AES-128-CBC";
  facts.mac = "SHA256";
  facts.group.clear();
  facts.resumed = true;

  std::vector<std::string> lines = tls_facts_lines(facts);

  EXPECT_EQ(lines[0], "TLS handshake done in 12 ms: TLS1.2 (session resumed)");
  EXPECT_TRUE(has_line(lines, "TLS cipher: AES-128-CBC, MAC SHA256; key exchange group: none"))
      << joined(lines);
}

TEST(TlsFactsLines, ShowTheLeafWithItsFingerprintsAndEachCertificateAboveIt) {
  TlsFacts facts = tls13_facts();
  PeerCertificate ca;
  ca.subject = "CN=Example CA";
  ca.issuer = "CN=Example Root";
  ca.not_before = 1600000000;
  ca.not_after = 1900000000;
  facts.chain.push_back(ca);

  std::vector<std::string> lines = tls_facts_lines(facts);

  // The whole block, in order: the leaf once, then each certificate above it once.
  const std::vector<std::string> expected = {
      "TLS certificate subject: CN=mail.example.com",
      "TLS certificate issuer: CN=Example CA",
      "TLS certificate names: mail.example.com, 192.0.2.1",
      "TLS certificate valid from 2023-11-14 22:13:20 UTC to 2027-01-15 08:00:00 UTC",
      "TLS certificate fingerprint: sha256:" + repeated("11", 32),
      "TLS public key fingerprint: sha256:" + repeated("22", 32),
      "TLS chain certificate 1: CN=Example CA, issued by CN=Example Root, valid from 2020-09-13 "
      "12:26:40 UTC to 2030-03-17 17:46:40 UTC",
  };
  const auto subject = std::find(lines.begin(), lines.end(), expected.front());
  ASSERT_GE(lines.end() - subject, std::ssize(expected)) << joined(lines);
  EXPECT_EQ(std::vector<std::string>(subject, subject + std::ssize(expected)), expected)
      << joined(lines);
}

TEST(TlsFactsLines, SayWhatTheCertificateWasVerifiedAgainst) {
  std::vector<std::string> lines = tls_facts_lines(tls13_facts());

  EXPECT_TRUE(has_line(lines,
                       "TLS certificate verified for 'mail.example.com' against the system trust "
                       "store"))
      << joined(lines);
}

TEST(TlsFactsLines, SayWhichPinMatchedAndThatItAloneDecided) {
  TlsFacts facts = tls13_facts();
  facts.verification.basis = TrustBasis::pin;
  facts.verification.pin = PinMatch::public_key;

  std::vector<std::string> lines = tls_facts_lines(facts);

  EXPECT_TRUE(has_line(lines, "TLS certificate's public key matches --tls-fingerprint"))
      << joined(lines);
  EXPECT_TRUE(has_line(lines,
                       "TLS certificate trusted for 'mail.example.com' by its pin alone (no CA, "
                       "host name or dates checked)"))
      << joined(lines);
}

TEST(TlsFactsLines, SayWhatVerificationWouldHaveFoundUnderTlsInsecure) {
  TlsFacts facts = tls13_facts();
  facts.verification.basis = TrustBasis::not_verified;
  facts.verification.insecure = true;
  facts.verification.status = 1;
  facts.verification.status_text = "The certificate is NOT trusted.";

  std::vector<std::string> lines = tls_facts_lines(facts);

  EXPECT_TRUE(has_line(lines,
                       "TLS certificate NOT verified (--tls-insecure); verification would have "
                       "failed: The certificate is NOT trusted."))
      << joined(lines);
  EXPECT_FALSE(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.starts_with("TLS certificate verified");
  })) << joined(lines);
}

TEST(TlsFactsLines, SayWhenTheServerAskedForAClientCertificateAndNoneWasSent) {
  TlsFacts facts = tls13_facts();
  facts.client_certificate.requested = true;

  std::vector<std::string> lines = tls_facts_lines(facts);

  EXPECT_TRUE(
      has_line(lines, "the server asked for a TLS client certificate; none sent (see --tls-cert)"))
      << joined(lines);
}

TEST(TlsFactsLines, NameTheChannelBindingsButNeverTheirBytes) {
  TlsFacts facts = tls13_facts();
  facts.channel_bindings.tls_exporter.assign(tls_exporter_size, 0xc7);
  facts.channel_bindings.tls_unique.assign(12, 0x5d);
  const std::string exporter_hex = hex_of(facts.channel_bindings.tls_exporter);
  const std::string unique_hex = hex_of(facts.channel_bindings.tls_unique);

  std::vector<std::string> lines = tls_facts_lines(facts);

  EXPECT_TRUE(has_line(lines, "TLS channel binding available: tls-exporter, tls-unique"))
      << joined(lines);
  const std::string all = joined(lines);
  EXPECT_EQ(all.find("c7c7"), std::string::npos) << all;
  EXPECT_EQ(all.find("C7C7"), std::string::npos) << all;
  EXPECT_EQ(all.find("5d5d"), std::string::npos) << all;
  EXPECT_EQ(all.find("\xc7\xc7"), std::string::npos) << all;
  EXPECT_EQ(all.find("]]"), std::string::npos) << all;  // 0x5d is ']'
}

TEST(TlsFactsLines, SayWhenNoChannelBindingIsAvailable) {
  std::vector<std::string> lines = tls_facts_lines(tls13_facts());

  EXPECT_TRUE(has_line(lines, "TLS channel binding: none available")) << joined(lines);
}

TEST(TlsFactsLines, LeaveTheWarningsToTheirCaller) {
  TlsFacts facts = tls13_facts();
  facts.warnings.emplace_back("a warning for the user");

  std::vector<std::string> lines = tls_facts_lines(facts);

  EXPECT_FALSE(has_line(lines, "a warning for the user")) << joined(lines);
}

// --- From a real handshake
// ------------------------------------------------------------------------

class TlsFactsHandshake : public testing::TlsHandshakeFixture {
 protected:
  // Connects with `options`, runs the handshake, and returns a copy of its facts; closes the
  // connection then, so the server's script ends at once.
  TlsFacts facts_after_handshake(const ConnectOptions& options, trace::Sink& trace) {
    transport_ = connect(options, trace);
    EXPECT_EQ(transport_->tls_facts(), nullptr);  // none before the handshake
    transport_->start_tls();
    const TlsFacts* facts = transport_->tls_facts();
    if (facts == nullptr) {
      ADD_FAILURE() << "no TLS facts after the handshake";
      return {};
    }
    TlsFacts copy = *facts;
    transport_->close();
    return copy;
  }

  std::unique_ptr<Transport> transport_;
};

TEST_F(TlsFactsHandshake, Tls13GivesTheVersionCipherGroupAndA32OctetExporter) {
  TlsServerScript script;
  script.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;

  TlsFacts facts = facts_after_handshake(options_for(server.port()), trace);
  const auto& report = server.wait();

  ASSERT_TRUE(report.handshake_done) << report.failure;
  EXPECT_EQ(facts.protocol, "TLS1.3");
  EXPECT_FALSE(facts.cipher.empty());
  EXPECT_EQ(facts.mac, "");  // TLS 1.3 ciphers are all AEAD
  EXPECT_FALSE(facts.group.empty());
  EXPECT_TRUE(facts.description.starts_with("(TLS1.3)-")) << facts.description;
  EXPECT_FALSE(facts.resumed);
  ASSERT_EQ(facts.channel_bindings.tls_exporter.size(), tls_exporter_size);
  EXPECT_EQ(hex_of(facts.channel_bindings.tls_exporter), report.tls_exporter_hex);
  EXPECT_TRUE(facts.channel_bindings.tls_unique.empty());  // not defined for TLS 1.3
  EXPECT_TRUE(facts.warnings.empty());
}

TEST_F(TlsFactsHandshake, Tls12GivesTlsUniqueAsTheServerSeesIt) {
  TlsServerScript script;
  script.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;

  TlsFacts facts = facts_after_handshake(options_for(server.port()), trace);
  const auto& report = server.wait();

  ASSERT_TRUE(report.handshake_done) << report.failure;
  EXPECT_EQ(facts.protocol, "TLS1.2");
  EXPECT_FALSE(facts.resumed);
  // RFC 5246 §7.4.9: the Finished message's verify_data is 12 octets for every TLS 1.2 suite
  // GnuTLS offers.
  ASSERT_EQ(facts.channel_bindings.tls_unique.size(), 12u);
  EXPECT_EQ(hex_of(facts.channel_bindings.tls_unique), report.tls_unique_hex);
  // GnuTLS negotiates the extended master secret (RFC 7627), which RFC 9266 §3 asks for.
  EXPECT_EQ(facts.channel_bindings.tls_exporter.size(), tls_exporter_size);
  EXPECT_EQ(hex_of(facts.channel_bindings.tls_exporter), report.tls_exporter_hex);
}

TEST_F(TlsFactsHandshake, CaVerifiedCertificateChainAndFingerprints) {
  TlsServerScript script;
  script.chain_extra = ca_.certificate.get();
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;

  TlsFacts facts = facts_after_handshake(options_for(server.port()), trace);

  EXPECT_EQ(facts.verification.basis, TrustBasis::ca);
  EXPECT_FALSE(facts.verification.insecure);
  EXPECT_EQ(facts.verification.name, "localhost");
  EXPECT_EQ(facts.verification.status, 0u);
  EXPECT_NE(facts.verification.trust_source.find(ca_file_), std::string::npos)
      << facts.verification.trust_source;
  ASSERT_EQ(facts.chain.size(), 2u);
  EXPECT_EQ(facts.chain[0].subject.find("CN=localhost"), 0u) << facts.chain[0].subject;
  EXPECT_EQ(facts.chain[0].issuer, "CN=smtpsend test CA");
  EXPECT_EQ(facts.chain[1].subject, "CN=smtpsend test CA");
  EXPECT_LT(facts.chain[0].not_before, facts.chain[0].not_after);
  ASSERT_TRUE(facts.chain[0].fingerprints.has_value());
  EXPECT_EQ(format_pin(facts.chain[0].fingerprints->certificate),
            server_identity_.certificate_pin());
  EXPECT_EQ(format_pin(facts.chain[0].fingerprints->public_key), server_identity_.public_key_pin());
  EXPECT_FALSE(facts.chain[1].fingerprints.has_value());  // the leaf's only
}

TEST_F(TlsFactsHandshake, PinnedCertificateSaysWhichPinMatched) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();
  options.tls.fingerprint = server_identity_.public_key_pin();

  TlsFacts facts = facts_after_handshake(options, trace);

  EXPECT_EQ(facts.verification.basis, TrustBasis::pin);
  EXPECT_EQ(facts.verification.pin, PinMatch::public_key);
  EXPECT_FALSE(facts.verification.insecure);
  EXPECT_EQ(facts.verification.status, 0u);
  EXPECT_TRUE(facts.warnings.empty());
}

TEST_F(TlsFactsHandshake, InsecureIsNotVerifiedSaysWhyAndCarriesTheWarning) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();  // the system store does not know the test CA
  options.tls.insecure = true;

  TlsFacts facts = facts_after_handshake(options, trace);

  EXPECT_EQ(facts.verification.basis, TrustBasis::not_verified);
  EXPECT_TRUE(facts.verification.insecure);
  EXPECT_TRUE(facts.verification.checked);
  EXPECT_NE(facts.verification.status, 0u);
  EXPECT_NE(facts.verification.status_text.find("NOT trusted"), std::string::npos)
      << facts.verification.status_text;
  ASSERT_EQ(facts.warnings.size(), 1u);
  EXPECT_EQ(facts.warnings[0],
            "TLS certificate verification is disabled (--tls-insecure): the connection can be "
            "intercepted");
}

TEST_F(TlsFactsHandshake, InsecureWithAPinChangesNothingAndWarnsOfNothing) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.fingerprint = server_identity_.certificate_pin();
  options.tls.insecure = true;

  TlsFacts facts = facts_after_handshake(options, trace);

  EXPECT_EQ(facts.verification.basis, TrustBasis::pin);
  EXPECT_EQ(facts.verification.pin, PinMatch::certificate);
  EXPECT_TRUE(facts.verification.insecure);
  EXPECT_TRUE(facts.warnings.empty());
}

TEST_F(TlsFactsHandshake, TheTraceShowsTheFactsButNoChannelBindingBytes) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;

  TlsFacts facts = facts_after_handshake(options_for(server.port()), trace);

  ASSERT_EQ(facts.channel_bindings.tls_exporter.size(), tls_exporter_size);
  EXPECT_TRUE(trace.contains("TLS channel binding available: tls-exporter")) << trace.joined();
  EXPECT_TRUE(trace.contains("TLS cipher: " + facts.cipher)) << trace.joined();
  const std::string bytes(facts.channel_bindings.tls_exporter.begin(),
                          facts.channel_bindings.tls_exporter.end());
  std::string upper_hex = hex_of(facts.channel_bindings.tls_exporter);
  std::transform(upper_hex.begin(), upper_hex.end(), upper_hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const std::string all = trace.joined();
  // Any 8 consecutive octets, in hex of either case or raw, would give them away.
  for (std::size_t start = 0; start + 8 <= tls_exporter_size; ++start) {
    EXPECT_EQ(all.find(hex_of(facts.channel_bindings.tls_exporter).substr(2 * start, 16)),
              std::string::npos);
    EXPECT_EQ(all.find(upper_hex.substr(2 * start, 16)), std::string::npos);
    EXPECT_EQ(all.find(bytes.substr(start, 8)), std::string::npos);
  }
}

TEST_F(TlsFactsHandshake, AServerThatDidNotAskForAClientCertificateGotNone) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;

  TlsFacts facts = facts_after_handshake(options_for(server.port()), trace);

  EXPECT_FALSE(facts.client_certificate.requested);
  EXPECT_FALSE(facts.client_certificate.sent);
}

}  // namespace
}  // namespace smtpsend::net
