#include "net/tls_credentials.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "test_pki.hpp"

namespace smtpsend::net {
namespace {

Error failure_loading(const std::string& trust_file) {
  trace::NullSink trace;
  TlsOptions options;
  options.trust_file = trust_file;
  try {
    TlsCredentials::load(options, trace);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "loaded '" << trust_file << "'";
  return {};
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

}  // namespace
}  // namespace smtpsend::net
