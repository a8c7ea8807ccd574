#pragma once
// A one-connection TLS server on an ephemeral 127.0.0.1 port, run on a thread of the test with
// GnuTLS's server API. Every wait it makes is bounded (test_wait_ms), and the destructor wakes it
// through a pipe, so joining it always ends.

#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <exception>
#include <string>
#include <thread>

#include "common/unique_fd.hpp"
#include "loopback.hpp"
#include "net/gnutls_handles.hpp"
#include "test_pki.hpp"

namespace smtpsend::net::testing {

// What the server does after a successful handshake, in order.
struct TlsServerScript {
  std::string priorities;        // GnuTLS priority string; "" = GnuTLS's defaults
  std::string client_ca_pem;     // when set, a client certificate from this CA is required
  bool alert_on_failure = true;  // false: a failed handshake just closes, as some servers do
  bool hang_up_on_unverified_client = false;         // after the handshake, close without a word
  std::string greeting = "220 localhost ready\r\n";  // sent at once
  std::size_t expect_bytes = 0;    // then read this many bytes and answer "got N bytes\r\n"
  bool close_without_bye = false;  // then drop the TCP connection without close_notify
  // A CA certificate the server sends after its own, as servers with an intermediate CA do; not
  // owned, it must outlive the server.
  gnutls_x509_crt_t chain_extra = nullptr;
};

// What the server saw; read it after finish().
struct TlsServerReport {
  bool handshake_done = false;
  std::string failure;                       // why the server stopped early, "" if it did not
  std::string server_name;                   // the SNI the client sent, "" if none
  std::string version;                       // the TLS version agreed, "TLS1.3"
  bool client_certificate_verified = false;  // one came and chains to client_ca_pem
  std::string client_certificate_subject;    // its subject, "" if none came
  std::string received;                      // application bytes received
  bool client_sent_close_notify = false;
  // The channel bindings as the server computes them, lowercase hex; "" when GnuTLS gives none.
  std::string tls_exporter_hex;  // RFC 9266
  std::string tls_unique_hex;    // RFC 5929
};

class TlsTestServer {
 public:
  TlsTestServer(const KeyAndCertificate& identity, TlsServerScript script)
      : listener_(*LoopbackSocket::open(false)), script_(std::move(script)) {
    gnutls_certificate_credentials_t raw = nullptr;
    check_gnutls(gnutls_certificate_allocate_credentials(&raw), "server credentials");
    credentials_.reset(raw);
    gnutls_x509_crt_t chain[] = {identity.certificate.get(), script_.chain_extra};
    const unsigned chain_length = script_.chain_extra != nullptr ? 2 : 1;
    check_gnutls(gnutls_certificate_set_x509_key(credentials_.get(), chain, chain_length,
                                                 identity.key.get()),
                 "server key");
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    if (!script_.client_ca_pem.empty()) {
      gnutls_datum_t ca{reinterpret_cast<unsigned char*>(script_.client_ca_pem.data()),
                        static_cast<unsigned>(script_.client_ca_pem.size())};
      check_gnutls(
          gnutls_certificate_set_x509_trust_mem(credentials_.get(), &ca, GNUTLS_X509_FMT_PEM),
          "server trust");
    }
    stop_read_.reset(pipe_fds[0]);
    stop_write_.reset(pipe_fds[1]);
    thread_ = std::thread([this] {
      try {
        serve();
      } catch (const std::exception& error) {
        report_.failure = error.what();
      }
    });
  }

  ~TlsTestServer() { finish(); }
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  std::uint16_t port() const { return listener_.port(); }

  // Stops waiting for a connection that will not come, joins, and returns what was seen.
  const TlsServerReport& finish() {
    if (thread_.joinable()) {
      char wake = 1;
      [[maybe_unused]] ssize_t ignored = ::write(stop_write_.get(), &wake, 1);
      thread_.join();
    }
    return report_;
  }

  // Joins without waking the thread: for tests whose client has finished its part of the script.
  const TlsServerReport& wait() {
    if (thread_.joinable()) {
      thread_.join();
    }
    return report_;
  }

 private:
  void serve() {
    pollfd entries[2] = {{listener_.fd(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    if (::poll(entries, 2, test_wait_ms) <= 0 || (entries[1].revents & POLLIN) != 0) {
      report_.failure = "no client came";
      return;
    }
    UniqueFd connection = listener_.accept_one();
    timeval limit{test_wait_ms / 1000, 0};
    ::setsockopt(connection.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(connection.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);

    gnutls_session_t raw = nullptr;
    check_gnutls(gnutls_init(&raw, GNUTLS_SERVER | GNUTLS_NO_SIGNAL), "server session");
    UniqueGnutlsSession session(raw);
    if (script_.priorities.empty()) {
      check_gnutls(gnutls_set_default_priority(session.get()), "server priority");
    } else {
      check_gnutls(gnutls_priority_set_direct(session.get(), script_.priorities.c_str(), nullptr),
                   "server priority");
    }
    check_gnutls(gnutls_credentials_set(session.get(), GNUTLS_CRD_CERTIFICATE, credentials_.get()),
                 "server credentials");
    gnutls_certificate_server_set_request(
        session.get(), script_.client_ca_pem.empty() ? GNUTLS_CERT_IGNORE : GNUTLS_CERT_REQUIRE);
    gnutls_transport_set_int(session.get(), connection.get());
    gnutls_handshake_set_timeout(session.get(), test_wait_ms);

    int rc = 0;
    int attempts = 0;
    do {
      rc = gnutls_handshake(session.get());
    } while (rc < 0 && gnutls_error_is_fatal(rc) == 0 && ++attempts < 100);
    if (rc < 0) {
      report_.failure = std::string("handshake: ") + gnutls_strerror(rc);
      // As real servers do, say why (RFC 8446 §6.2), so the client's message can be checked.
      if (script_.alert_on_failure) {
        gnutls_alert_send_appropriate(session.get(), rc);
      }
      return;
    }
    report_.handshake_done = true;
    report_.server_name = sent_server_name(session.get());
    const char* version = gnutls_protocol_get_name(gnutls_protocol_get_version(session.get()));
    report_.version = version != nullptr ? version : "";
    report_.tls_exporter_hex = channel_binding_hex(session.get(), GNUTLS_CB_TLS_EXPORTER);
    report_.tls_unique_hex = channel_binding_hex(session.get(), GNUTLS_CB_TLS_UNIQUE);
    if (!script_.client_ca_pem.empty()) {
      check_client_certificate(session.get());
      if (script_.hang_up_on_unverified_client && !report_.client_certificate_verified) {
        return;  // the session and socket go without an alert or close_notify
      }
    }

    send(session.get(), script_.greeting);
    if (script_.expect_bytes > 0) {
      receive(session.get(), script_.expect_bytes);
      send(session.get(), "got " + std::to_string(report_.received.size()) + " bytes\r\n");
    }
    if (script_.close_without_bye) {
      return;  // the session and socket go without a close_notify
    }
    // Wait for the client's close_notify (0) or its hang-up (an error); both end the script.
    char buffer[4096];
    for (int reads = 0; reads < 1000; ++reads) {
      ssize_t n = gnutls_record_recv(session.get(), buffer, sizeof buffer);
      if (n == 0) {
        report_.client_sent_close_notify = true;
        break;
      }
      if (n < 0) {
        break;
      }
      report_.received.append(buffer, static_cast<std::size_t>(n));
    }
    gnutls_bye(session.get(), GNUTLS_SHUT_WR);
  }

  void check_client_certificate(gnutls_session_t session) {
    unsigned status = 0;
    report_.client_certificate_verified =
        gnutls_certificate_verify_peers3(session, nullptr, &status) == 0 && status == 0;
    unsigned count = 0;
    const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
    if (chain == nullptr || count == 0) {
      return;
    }
    gnutls_x509_crt_t raw = nullptr;
    check_gnutls(gnutls_x509_crt_init(&raw), "client crt init");
    UniqueGnutlsCertificate certificate(raw);
    check_gnutls(gnutls_x509_crt_import(certificate.get(), &chain[0], GNUTLS_X509_FMT_DER),
                 "client crt import");
    gnutls_datum_t subject{};
    check_gnutls(gnutls_x509_crt_get_dn3(certificate.get(), &subject, 0), "client dn");
    report_.client_certificate_subject = take_datum(subject);
  }

  static std::string channel_binding_hex(gnutls_session_t session, gnutls_channel_binding_t type) {
    gnutls_datum_t data{};
    if (gnutls_session_channel_binding(session, type, &data) < 0) {
      return "";
    }
    std::string text = hex(data.data, data.size);
    gnutls_free(data.data);
    return text;
  }

  static std::string sent_server_name(gnutls_session_t session) {
    char name[256] = {};
    std::size_t size = sizeof name;
    unsigned type = 0;
    if (gnutls_server_name_get(session, name, &size, &type, 0) < 0) {
      return "";
    }
    return std::string(name);
  }

  static void send(gnutls_session_t session, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = gnutls_record_send(session, bytes.data() + sent, bytes.size() - sent);
      if (n < 0) {
        throw std::runtime_error(std::string("server send: ") +
                                 gnutls_strerror(static_cast<int>(n)));
      }
      sent += static_cast<std::size_t>(n);
    }
  }

  void receive(gnutls_session_t session, std::size_t count) {
    char buffer[16384];
    while (report_.received.size() < count) {
      ssize_t n = gnutls_record_recv(session, buffer, sizeof buffer);
      if (n <= 0) {
        throw std::runtime_error("server receive ended early");
      }
      report_.received.append(buffer, static_cast<std::size_t>(n));
    }
  }

  LoopbackSocket listener_;
  TlsServerScript script_;
  UniqueGnutlsCredentials credentials_;
  UniqueFd stop_read_;
  UniqueFd stop_write_;
  TlsServerReport report_;
  std::thread thread_;  // last: started when everything it uses exists
};

}  // namespace smtpsend::net::testing
