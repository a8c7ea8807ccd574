#include "net/tls_credentials.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "loopback.hpp"
#include "test_pki.hpp"

namespace smtpsend::net {
namespace {

Error failure_loading(const TlsOptions& options) {
  trace::NullSink trace;
  try {
    TlsCredentials::load(options, trace);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "loaded trust '" << options.trust_file << "', certificate '" << options.cert_file
                << "', key '" << options.key_file << "'";
  return {};
}

Error failure_loading(const std::string& trust_file) {
  TlsOptions options;
  options.trust_file = trust_file;
  return failure_loading(options);
}

TlsOptions client_certificate_options(const std::string& cert_file, const std::string& key_file) {
  TlsOptions options;
  options.cert_file = cert_file;
  options.key_file = key_file;
  return options;
}

TEST(TlsCredentials, LoadsAPemCaFile) {
  testing::TempDir dir;
  auto ca = testing::make_test_ca();
  std::string file = dir.write("ca.pem", ca.certificate_pem());
  trace::NullSink trace;
  TlsOptions options;
  options.trust_file = file;

  TlsCredentials credentials = TlsCredentials::load(options, trace);

  EXPECT_NE(credentials.get(), nullptr);
  EXPECT_FALSE(credentials.trust_store_empty());
  EXPECT_EQ(credentials.trust_source(), "the trust file '" + file + "'");
}

TEST(TlsCredentials, MissingTrustFileIsNoInput) {
  testing::TempDir dir;
  std::string missing = (dir.path() / "missing.pem").string();

  Error error = failure_loading(missing);

  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_EQ(error.message, "cannot read the TLS trust file '" + missing +
                               "': No such file or directory; check --tls-trust-file");
}

TEST(TlsCredentials, FileWithoutCertificatesIsAConfigError) {
  testing::TempDir dir;
  std::string file = dir.write("notes.txt", "this is not a certificate\n");

  Error error = failure_loading(file);

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("'" + file + "'"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("-----BEGIN CERTIFICATE-----"), std::string::npos) << error.message;
}

TEST(TlsCredentials, DirectoryIsAConfigError) {
  testing::TempDir dir;

  Error error = failure_loading(dir.path().string());

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("is a directory"), std::string::npos) << error.message;
}

TEST(TlsCredentials, SystemStoreIsTheDefault) {
  trace::NullSink trace;
  TlsCredentials credentials = TlsCredentials::load(TlsOptions{}, trace);

  EXPECT_EQ(credentials.trust_source(), "the system trust store");
}

class ClientCertificateLoading : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::KeyAndCertificate ca_ = testing::make_test_ca();
  testing::KeyAndCertificate client_ = testing::make_client_certificate(ca_, "CN=alice,O=Example");
  std::string cert_file_ = dir_.write("client.pem", client_.certificate_pem());
  std::string key_file_ = dir_.write("client.key", client_.key_pem());
};

TEST_F(ClientCertificateLoading, LoadsCertificateAndKeyFiles) {
  trace::NullSink trace;

  TlsCredentials credentials =
      TlsCredentials::load(client_certificate_options(cert_file_, key_file_), trace);

  EXPECT_TRUE(credentials.has_client_certificate());
  EXPECT_EQ(credentials.client_certificate_subject(), "CN=alice,O=Example");
}

TEST_F(ClientCertificateLoading, KeyDefaultsToTheCertificateFile) {
  std::string both = dir_.write("both.pem", client_.certificate_pem() + client_.key_pem());
  testing::RecordingSink trace;

  TlsCredentials credentials = TlsCredentials::load(client_certificate_options(both, ""), trace);

  EXPECT_TRUE(credentials.has_client_certificate());
  EXPECT_TRUE(trace.contains("TLS client certificate 'CN=alice,O=Example' from '" + both + "'"))
      << trace.joined();
}

TEST_F(ClientCertificateLoading, NoCertificateMeansNoClientCertificate) {
  trace::NullSink trace;

  TlsCredentials credentials = TlsCredentials::load(TlsOptions{}, trace);

  EXPECT_FALSE(credentials.has_client_certificate());
}

TEST_F(ClientCertificateLoading, MissingKeyFileIsNoInput) {
  std::string missing = (dir_.path() / "missing.key").string();

  Error error = failure_loading(client_certificate_options(cert_file_, missing));

  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_EQ(error.message, "cannot read the TLS client key '" + missing +
                               "': No such file or directory; check --tls-key");
}

TEST_F(ClientCertificateLoading, MissingCertificateFileIsNoInput) {
  std::string missing = (dir_.path() / "missing.pem").string();

  Error error = failure_loading(client_certificate_options(missing, key_file_));

  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_NE(error.message.find("--tls-cert"), std::string::npos) << error.message;
}

TEST_F(ClientCertificateLoading, CertificateFileWithoutAKeyIsAConfigError) {
  Error error = failure_loading(client_certificate_options(cert_file_, ""));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("cannot use the TLS client certificate '" + cert_file_ + "'"),
            std::string::npos)
      << error.message;
}

TEST_F(ClientCertificateLoading, GarbageIsAConfigError) {
  std::string garbage = dir_.write("garbage.pem", "not PEM at all\n");

  Error error = failure_loading(client_certificate_options(garbage, key_file_));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("--tls-cert and --tls-key"), std::string::npos) << error.message;
}

TEST_F(ClientCertificateLoading, KeyOfAnotherCertificateIsAConfigError) {
  auto other = testing::make_client_certificate(ca_, "CN=bob");
  std::string other_key = dir_.write("other.key", other.key_pem());

  Error error = failure_loading(client_certificate_options(cert_file_, other_key));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("does not belong to the certificate"), std::string::npos)
      << error.message;
}

TEST_F(ClientCertificateLoading, KeyWithoutCertificateIsAConfigError) {
  Error error = failure_loading(client_certificate_options("", key_file_));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("add --tls-cert FILE"), std::string::npos) << error.message;
}

}  // namespace
}  // namespace smtpsend::net
