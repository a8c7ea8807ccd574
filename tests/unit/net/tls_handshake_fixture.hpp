#pragma once
// The fixture shared by the tests that run a TLS handshake through net::connect() + start_tls()
// against a TlsTestServer: a CA and a localhost server certificate made for each test, the CA
// written to a trust file, and options that trust it and name "localhost".

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "loopback.hpp"
#include "net/transport.hpp"
#include "test_pki.hpp"
#include "trace/trace.hpp"

namespace smtpsend::net::testing {

class TlsHandshakeFixture : public ::testing::Test {
 protected:
  TlsHandshakeFixture()
      : ca_(make_test_ca()),
        server_identity_(make_server_certificate(ca_, localhost_spec())),
        ca_file_(dir_.write("ca.pem", ca_.certificate_pem())) {}

  // Connects to 127.0.0.1:port, trusting only the test CA and verifying the name "localhost".
  ConnectOptions options_for(std::uint16_t port) const {
    ConnectOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.limits = TimeLimits(std::chrono::milliseconds(test_wait_ms), std::nullopt);
    options.tls.trust_file = ca_file_;
    options.tls.server_name = "localhost";
    return options;
  }

  // Reads until CRLF (or the server stops sending), as the SMTP layer would.
  static std::string read_line(Transport& transport) {
    std::string line;
    char buffer[256];
    while (line.find("\r\n") == std::string::npos) {
      std::size_t got = transport.read(buffer, sizeof buffer);
      if (got == 0) {
        break;
      }
      line.append(buffer, got);
    }
    return line;
  }

  // The error start_tls() fails with; a handshake that succeeds fails the test.
  static Error failure_of_start_tls(Transport& transport) {
    try {
      transport.start_tls();
    } catch (const Failure& failure) {
      EXPECT_FALSE(transport.tls_active());
      return failure.error();
    }
    ADD_FAILURE() << "the handshake succeeded";
    return {};
  }

  static Error handshake_failure(const ConnectOptions& options, trace::Sink& trace) {
    auto transport = connect(options, trace);
    return failure_of_start_tls(*transport);
  }

  TempDir dir_;
  KeyAndCertificate ca_;
  KeyAndCertificate server_identity_;
  std::string ca_file_;
};

}  // namespace smtpsend::net::testing
