#pragma once
// The byte pipe between us and the server: TCP, optionally wrapped in TLS. Knows nothing of SMTP.
// All operations have deadlines; failures throw smtpsend::Failure with a kind and a message the
// user can act on (no_host, temporary for refused/timeouts, io for lost connections,
// permission for TLS trust failures).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trace/trace.hpp"

namespace smtpsend::net {

struct TlsOptions {
  std::string trust_file;   // PEM CA bundle; "" = the system trust store
  bool insecure = false;    // skip certificate and host-name verification (loud)
  std::string server_name;  // for SNI and the host-name check; "" = the host connected to
};

struct ConnectOptions {
  std::string host;
  std::uint16_t port = 25;
  std::chrono::milliseconds timeout{30000};  // connect, handshake, and each read/write
  TlsOptions tls;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Writes all of `bytes` (one flight: one TLS record batch / one send where possible).
  virtual void write(std::string_view bytes) = 0;
  // Reads what is available (blocking up to the timeout); returns 0 when the peer closed.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
  // The same with a timeout of the caller's choosing, for replies the protocol lets the server
  // take longer over than the usual timeout.
  virtual std::size_t read(char* buffer, std::size_t size, std::chrono::milliseconds timeout) = 0;
  // Performs the TLS handshake and verification (implicit TLS or after STARTTLS's 220).
  virtual void start_tls() = 0;
  virtual bool tls_active() const = 0;
  virtual void close() = 0;
};

// Resolves `options.host` (IPv6 and IPv4), connects to the first address that answers within the
// timeout and returns a plain-TCP transport. TLS facts and connection steps go to `trace`.
std::unique_ptr<Transport> connect(const ConnectOptions& options, trace::Sink& trace);

}  // namespace smtpsend::net
