// TLS through net::connect() + start_tls() against a GnuTLS server on a thread of the test, with
// a CA and certificates made for each test.

#include "net/tls_session.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "common/error.hpp"
#include "loopback.hpp"
#include "net/tls_peer_certificate.hpp"
#include "net/transport.hpp"
#include "test_pki.hpp"
#include "tls_handshake_fixture.hpp"
#include "tls_test_server.hpp"

namespace smtpsend::net {
namespace {

using namespace std::chrono_literals;
using testing::KeyAndCertificate;
using testing::RecordingSink;
using testing::TlsServerScript;
using testing::TlsTestServer;

class TlsSessionTest : public testing::TlsHandshakeFixture {};

TEST_F(TlsSessionTest, HandshakeSucceedsWithTheCaAsTrustFileAndSendsSni) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  auto transport = connect(options_for(server.port()), trace);

  transport->start_tls();

  EXPECT_TRUE(transport->tls_active());
  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  transport->close();
  const auto& report = server.wait();
  EXPECT_TRUE(report.handshake_done) << report.failure;
  EXPECT_EQ(report.server_name, "localhost");
  EXPECT_TRUE(report.client_sent_close_notify);
}

TEST_F(TlsSessionTest, TracesTheTlsFacts) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  auto transport = connect(options_for(server.port()), trace);

  transport->start_tls();

  EXPECT_TRUE(trace.contains("TLS handshake done in ")) << trace.joined();
  EXPECT_TRUE(trace.contains("TLS cipher suite: (TLS1.")) << trace.joined();
  EXPECT_TRUE(trace.contains("TLS certificate subject: CN=localhost")) << trace.joined();
  EXPECT_TRUE(trace.contains("TLS certificate issuer: CN=smtpsend test CA")) << trace.joined();
  EXPECT_TRUE(trace.contains("TLS certificate names: localhost, 127.0.0.1, ::1")) << trace.joined();
  EXPECT_TRUE(trace.contains("TLS certificate valid from ")) << trace.joined();
  EXPECT_TRUE(trace.contains("TLS certificate verified for 'localhost' against the trust file"))
      << trace.joined();
}

TEST_F(TlsSessionTest, IpLiteralIsVerifiedAgainstTheCertificateAddressAndSendsNoSni) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.server_name.clear();  // verify "127.0.0.1" itself

  auto transport = connect(options, trace);
  transport->start_tls();
  transport->close();

  const auto& report = server.wait();
  EXPECT_TRUE(report.handshake_done) << report.failure;
  EXPECT_EQ(report.server_name, "");  // RFC 6066 §3: no address literals in SNI
}

TEST_F(TlsSessionTest, InternationalNameGoesIntoSniAndTheCertificateCheckAsItsALabel) {
  // RFC 6066 §3 wants the A-label in SNI; certificates list A-labels (RFC 6125 §6.4.2).
  testing::CertificateSpec spec;
  spec.distinguished_name = "CN=smtp.xn--bcher-kva.example";
  spec.dns_names = {"smtp.xn--bcher-kva.example"};
  TlsTestServer server(testing::make_server_certificate(ca_, spec), {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.server_name = "smtp.bücher.example";

  auto transport = connect(options, trace);
  transport->start_tls();
  transport->close();

  const auto& report = server.wait();
  EXPECT_TRUE(report.handshake_done) << report.failure;
  EXPECT_EQ(report.server_name, "smtp.xn--bcher-kva.example");
  EXPECT_TRUE(trace.contains("TLS server name (SNI): smtp.xn--bcher-kva.example"))
      << trace.joined();
}

TEST_F(TlsSessionTest, ANameMismatchShowsBothFormsOfAnInternationalName) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.server_name = "smtp.bücher.example";

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::permission);
  EXPECT_NE(error.message.find("the TLS certificate of 'smtp.bücher.example' "
                               "(smtp.xn--bcher-kva.example) is not trusted: "),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find(", not for 'smtp.bücher.example' (smtp.xn--bcher-kva.example)"),
            std::string::npos)
      << error.message;
}

TEST_F(TlsSessionTest, AServerNameOverrideIdnaDoesNotAllowIsAConfigErrorNamingTheSetting) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.server_name =
      "a\xe2\x80\x8d"
      "b.example";  // a ZERO WIDTH JOINER outside its context (RFC 5892 appendix A.2)

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("invalid international domain name"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("check tls_host_override"), std::string::npos) << error.message;
}

TEST_F(TlsSessionTest, AFullWidthAddressIsAnAddressAndSendsNoSni) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.server_name = "１２７。０。０。１";  // UTS #46 maps it to 127.0.0.1

  auto transport = connect(options, trace);
  transport->start_tls();
  transport->close();

  const auto& report = server.wait();
  EXPECT_TRUE(report.handshake_done) << report.failure;
  EXPECT_EQ(report.server_name, "");
}

TEST_F(TlsSessionTest, DataRoundTripsAfterTheHandshake) {
  constexpr std::size_t large_flight = std::size_t{300} * 1000;  // many full-size TLS records
  TlsServerScript script;
  script.expect_bytes = large_flight;
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;
  auto transport = connect(options_for(server.port()), trace);
  transport->start_tls();
  std::string flight;
  for (std::size_t i = 0; flight.size() < large_flight; ++i) {
    flight += std::to_string(i % 10);
  }

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  transport->write(flight);
  EXPECT_EQ(read_line(*transport), "got 300000 bytes\r\n");
  transport->close();

  const auto& report = server.wait();
  EXPECT_TRUE(report.received == flight) << "the server received different bytes";
}

TEST_F(TlsSessionTest, UntrustedCaIsAPermissionErrorNamingTheIssuer) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();  // the system store does not know our test CA

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::permission);
  EXPECT_NE(error.message.find("its issuer 'CN=smtpsend test CA' is not trusted by the system "
                               "trust store"),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("--tls-trust-file FILE to trust a private CA, or --tls-insecure"),
            std::string::npos)
      << error.message;
  EXPECT_FALSE(server.wait().handshake_done);
}

TEST_F(TlsSessionTest, ServerNameMismatchIsAPermissionErrorNamingBothNames) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.server_name = "wrong.example";

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::permission);
  EXPECT_NE(error.message.find("the TLS certificate of 'wrong.example' is not trusted: it is for "
                               "'CN=localhost' (names: localhost, 127.0.0.1, ::1), not for "
                               "'wrong.example'"),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("--tls-insecure"), std::string::npos) << error.message;
}

TEST_F(TlsSessionTest, ExpiredCertificateIsAPermissionErrorWithTheDate) {
  testing::CertificateSpec spec = testing::localhost_spec();
  spec.not_before = std::time(nullptr) - std::time_t{10} * 86400;
  spec.not_after = std::time(nullptr) - 86400;
  TlsTestServer server(testing::make_server_certificate(ca_, spec), {});
  trace::NullSink trace;

  Error error = handshake_failure(options_for(server.port()), trace);

  EXPECT_EQ(error.kind, ErrorKind::permission);
  EXPECT_NE(error.message.find("it expired on " + format_utc(spec.not_after)), std::string::npos)
      << error.message;
}

TEST_F(TlsSessionTest, InsecureSkipsVerificationLoudly) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.trust_file.clear();
  options.tls.server_name = "wrong.example";
  options.tls.insecure = true;

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_TRUE(transport->tls_active());
  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  EXPECT_TRUE(
      trace.contains("TLS certificate verification is disabled (--tls-insecure): the "
                     "connection can be intercepted"))
      << trace.joined();
  EXPECT_TRUE(
      trace.contains("TLS certificate NOT verified (--tls-insecure); verification would "
                     "have failed"))
      << trace.joined();
}

TEST_F(TlsSessionTest, ServerHangUpWithoutCloseNotifyReadsAsZero) {
  TlsServerScript script;
  script.close_without_bye = true;
  TlsTestServer server(server_identity_, script);
  RecordingSink trace;
  auto transport = connect(options_for(server.port()), trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  char buffer[64];
  server.wait();
  EXPECT_EQ(transport->read(buffer, sizeof buffer), 0u);
  EXPECT_TRUE(trace.contains("without a TLS close_notify")) << trace.joined();
}

TEST_F(TlsSessionTest, PlainTextServerIsAProtocolErrorThatMentionsStarttls) {
  auto listener = testing::LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  auto transport = connect(options_for(listener->port()), trace);
  UniqueFd peer = listener->accept_one();
  std::string greeting = "220 mail.example.com ESMTP ready\r\n";
  ASSERT_EQ(::send(peer.get(), greeting.data(), greeting.size(), 0),
            static_cast<ssize_t>(greeting.size()));

  Error error = failure_of_start_tls(*transport);

  EXPECT_EQ(error.kind, ErrorKind::protocol);
  EXPECT_NE(error.message.find("STARTTLS"), std::string::npos) << error.message;
}

TEST_F(TlsSessionTest, SilentServerTimesTheHandshakeOutAsTemporary) {
  auto listener = testing::LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  ConnectOptions options = options_for(listener->port());
  options.limits = TimeLimits(200ms, std::nullopt);
  auto transport = connect(options, trace);

  auto started = std::chrono::steady_clock::now();
  Error error = failure_of_start_tls(*transport);

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_NE(error.message.find("did not finish within 0.2 s"), std::string::npos) << error.message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

// --- Priorities (--tls-priorities) --------------------------------------------------------------

TEST_F(TlsSessionTest, BadPriorityStringIsAConfigErrorGivingThePosition) {
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.priorities = "NORMAL:+BOGUS-THING:-VERS-TLS1.0";

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("the TLS priority string 'NORMAL:+BOGUS-THING:-VERS-TLS1.0' is "
                               "rejected at character 8 ('+BOGUS-THING')"),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("--tls-priorities"), std::string::npos) << error.message;
}

TEST(TlsPriorities, CheckedWithoutConnecting) {
  EXPECT_NO_THROW(check_priority_string("NORMAL:-VERS-ALL:+VERS-TLS1.3"));
  try {
    check_priority_string("SECURE256:%NONSENSE");
    ADD_FAILURE() << "accepted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("at character 11 ('%NONSENSE')"), std::string::npos)
        << failure.error().message;
  }
}

TEST_F(TlsSessionTest, PriorityStringForcingTls13Works) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  EXPECT_TRUE(trace.contains("TLS handshake done in ")) << trace.joined();
  EXPECT_TRUE(trace.contains(": TLS1.3")) << trace.joined();
  transport->close();
  EXPECT_EQ(server.wait().version, "TLS1.3");
}

TEST_F(TlsSessionTest, PriorityStringIsHonouredAgainstAServerThatCannotMeetIt) {
  TlsServerScript script;
  script.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::protocol);
  EXPECT_FALSE(server.wait().handshake_done);
}

TEST_F(TlsSessionTest, NormalAsPriorityStringStillKeepsTls11Off) {
  // GnuTLS's NORMAL still enables TLS 1.0 and 1.1; the user did not ask for them by name. A GnuTLS
  // server without TLS 1.3 answers with its own version, as servers that predate TLS 1.3 do.
  TlsServerScript script;
  script.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.1";
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.priorities = "NORMAL";

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::protocol);
  EXPECT_NE(error.message.find("'localhost' answered with TLS 1.1, the newest TLS version it "
                               "speaks, which smtpsend does not use unless --tls-priorities names "
                               "it"),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("--tls-priorities 'NORMAL:+VERS-TLS1.1' at your own risk"),
            std::string::npos)
      << error.message;
  EXPECT_FALSE(server.wait().handshake_done);
}

TEST_F(TlsSessionTest, Tls11NamedInThePriorityStringIsUsed) {
  TlsServerScript script;
  script.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.1";
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.priorities = "NORMAL:+VERS-TLS1.1";

  auto transport = connect(options, trace);
  transport->start_tls();
  transport->close();

  EXPECT_EQ(server.wait().version, "TLS1.1");
}

TEST_F(TlsSessionTest, TracesThePrioritiesInEffect) {
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.priorities = "NORMAL";

  auto transport = connect(options, trace);
  transport->start_tls();
  transport->close();

  EXPECT_TRUE(
      trace.contains("TLS priorities: NORMAL:-VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0 (TLS "
                     "1.0, 1.1 and SSL 3.0 stay off unless named)"))
      << trace.joined();
  EXPECT_EQ(server.wait().version, "TLS1.3");
}

// --- Client certificates (--tls-cert, --tls-key) ------------------------------------------------

class TlsClientCertificateTest : public TlsSessionTest,
                                 public ::testing::WithParamInterface<const char*> {
 protected:
  TlsClientCertificateTest()
      : client_ca_(testing::make_test_ca("CN=smtpsend client CA")),
        client_(testing::make_client_certificate(client_ca_, "CN=alice")),
        cert_file_(dir_.write("client.pem", client_.certificate_pem())),
        key_file_(dir_.write("client.key", client_.key_pem())) {}

  // The server requires a certificate from client_ca_; the client speaks the version under test.
  TlsServerScript requiring_script() const {
    TlsServerScript script;
    script.client_ca_pem = client_ca_.certificate_pem();
    return script;
  }
  ConnectOptions client_options(std::uint16_t port) const {
    ConnectOptions options = options_for(port);
    options.tls.priorities = GetParam();
    return options;
  }

  // Handshake and first read: TLS 1.3 servers refuse a client only after the client's side of
  // the handshake is done (RFC 8446 §4.4.2.4).
  static Error failure_of_first_read(const ConnectOptions& options, trace::Sink& trace) {
    try {
      auto transport = connect(options, trace);
      transport->start_tls();
      read_line(*transport);
    } catch (const Failure& failure) {
      return failure.error();
    }
    ADD_FAILURE() << "the server accepted the client";
    return {};
  }

  KeyAndCertificate client_ca_;
  KeyAndCertificate client_;
  std::string cert_file_;
  std::string key_file_;
};

INSTANTIATE_TEST_SUITE_P(Versions, TlsClientCertificateTest,
                         ::testing::Values("NORMAL:-VERS-ALL:+VERS-TLS1.3",
                                           "NORMAL:-VERS-ALL:+VERS-TLS1.2"));

TEST_P(TlsClientCertificateTest, IsSentWhenTheServerAsksAndTheServerVerifiesIt) {
  TlsTestServer server(server_identity_, requiring_script());
  RecordingSink trace;
  ConnectOptions options = client_options(server.port());
  options.tls.cert_file = cert_file_;
  options.tls.key_file = key_file_;

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_EQ(read_line(*transport), "220 localhost ready\r\n");
  EXPECT_TRUE(trace.contains("TLS client certificate sent: 'CN=alice' (the server asked for one)"))
      << trace.joined();
  transport->close();
  const auto& report = server.wait();
  EXPECT_TRUE(report.handshake_done) << report.failure;
  EXPECT_TRUE(report.client_certificate_verified);
  EXPECT_EQ(report.client_certificate_subject, "CN=alice");
}

TEST_P(TlsClientCertificateTest, WithoutOneTheServersRefusalIsAPermissionError) {
  TlsTestServer server(server_identity_, requiring_script());
  trace::NullSink trace;

  Error error = failure_of_first_read(client_options(server.port()), trace);

  EXPECT_EQ(error.kind, ErrorKind::permission) << error.message;
  EXPECT_NE(error.message.find("'localhost' asked for a TLS client certificate"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("--tls-cert FILE"), std::string::npos) << error.message;
  EXPECT_FALSE(server.wait().handshake_done);
}

TEST_F(TlsSessionTest, ServerHangingUpWithoutAnAlertForWantOfAClientCertificateIsNamed) {
  auto client_ca = testing::make_test_ca("CN=smtpsend client CA");
  TlsServerScript script;
  script.client_ca_pem = client_ca.certificate_pem();
  script.alert_on_failure = false;
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  // TLS 1.3: our side of the handshake ends before the server judges it (RFC 8446 §4.4.2.4).
  options.tls.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
  auto transport = connect(options, trace);
  transport->start_tls();
  char buffer[64];

  try {
    transport->read(buffer, sizeof buffer);
    ADD_FAILURE() << "read succeeded";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::permission);
    EXPECT_EQ(failure.error().message,
              "'localhost' closed the TLS connection before its first reply; it had asked for a "
              "TLS client certificate and none was sent (give one with --tls-cert FILE)");
  }
}

TEST_F(TlsSessionTest, ServerHangingUpAfterOurClientCertificateIsAnIoErrorThatNamesIt) {
  auto client_ca = testing::make_test_ca("CN=smtpsend client CA");
  // Same name, other key: GnuTLS sends the certificate (the name matches what the server asks
  // for), and the server finds that it does not verify.
  auto impostor_ca = testing::make_test_ca("CN=smtpsend client CA");
  auto client = testing::make_client_certificate(impostor_ca, "CN=mallory");
  TlsServerScript script;
  script.client_ca_pem = client_ca.certificate_pem();
  script.hang_up_on_unverified_client = true;
  TlsTestServer server(server_identity_, script);
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.cert_file = dir_.write("both.pem", client.certificate_pem() + client.key_pem());
  auto transport = connect(options, trace);
  transport->start_tls();
  server.wait();
  char buffer[64];

  try {
    transport->read(buffer, sizeof buffer);
    ADD_FAILURE() << "read succeeded";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::io);
    EXPECT_EQ(failure.error().message,
              "'localhost' closed the TLS connection before its first reply, after asking for a "
              "TLS client certificate; it may not have accepted ours, 'CN=mallory' (check "
              "--tls-cert)");
  }
}

TEST_P(TlsClientCertificateTest, OneFromACaTheServerDoesNotNameIsNotSentAndTheRefusalSaysSo) {
  TlsTestServer server(server_identity_, requiring_script());
  trace::NullSink trace;
  auto stranger = testing::make_client_certificate(ca_, "CN=mallory");
  ConnectOptions options = client_options(server.port());
  options.tls.cert_file = dir_.write("both.pem", stranger.certificate_pem() + stranger.key_pem());

  Error error = failure_of_first_read(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::permission) << error.message;
  EXPECT_NE(error.message.find("ours, 'CN=mallory', was not sent"), std::string::npos)
      << error.message;
  EXPECT_FALSE(server.wait().handshake_done);
}

TEST_F(TlsSessionTest, ClientCertificateIsNotSentUnasked) {
  auto client_ca = testing::make_test_ca("CN=smtpsend client CA");
  auto client = testing::make_client_certificate(client_ca, "CN=alice");
  TlsTestServer server(server_identity_, {});
  RecordingSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.cert_file = dir_.write("client.pem", client.certificate_pem());
  options.tls.key_file = dir_.write("client.key", client.key_pem());

  auto transport = connect(options, trace);
  transport->start_tls();

  EXPECT_TRUE(trace.contains("TLS client certificate not sent: the server did not ask for one"))
      << trace.joined();
}

TEST_F(TlsSessionTest, MissingClientKeyIsNoInput) {
  auto client_ca = testing::make_test_ca("CN=smtpsend client CA");
  auto client = testing::make_client_certificate(client_ca, "CN=alice");
  TlsTestServer server(server_identity_, {});
  trace::NullSink trace;
  ConnectOptions options = options_for(server.port());
  options.tls.cert_file = dir_.write("client.pem", client.certificate_pem());
  options.tls.key_file = (dir_.path() / "missing.key").string();

  Error error = handshake_failure(options, trace);

  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_NE(error.message.find("missing.key"), std::string::npos) << error.message;
}

}  // namespace
}  // namespace smtpsend::net
