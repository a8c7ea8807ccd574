#pragma once
// The byte pipe between us and the server: TCP, optionally wrapped in TLS. Knows nothing of SMTP.
// All operations have deadlines; failures throw smtpsend::Failure with a kind and a message the
// user can act on (no_host, temporary for refused/timeouts, io for lost connections,
// permission for TLS trust failures).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/time_limits.hpp"
#include "trace/trace.hpp"

namespace smtpsend::net {

struct TlsOptions {
  std::string trust_file;   // PEM CA bundle; "" = the system trust store
  bool insecure = false;    // skip certificate and host-name verification (loud)
  std::string server_name;  // for SNI and the host-name check; "" = the host connected to
  std::string priorities;   // GnuTLS priority string; "" = tls_priority (TLS 1.2 or later)
  // Pins, comma-separated: "sha256:HEX" (colons allowed) of the certificate's DER or of its
  // SubjectPublicKeyInfo, or msmtp's SHA-1 of the certificate (warned about). When set, the pin
  // alone decides: a matching certificate is trusted without a CA, host name or date check.
  std::string fingerprint;
  std::string cert_file;  // client certificate chain (PEM), presented when the server asks
  std::string key_file;   // its private key (PEM); "" = in cert_file
  std::string crl_file;   // PEM certificate revocation lists to check the chain against; "" = none
};

struct ConnectOptions {
  std::string host;
  // What to fix when the host cannot be resolved: "check --server", "check host in FILE:LINE".
  std::string host_hint = "check the server name";
  std::uint16_t port = 25;
  // The run's time limits: connect() for each connect attempt and the TLS handshake, write() for
  // each write and a read given no limit, and no operation past --max-time, whatever its own.
  TimeLimits limits;
  // msmtprc's connect_timeout: lowers limits.connect() for the TCP connect only.
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::string source_ip;  // the local address to connect from; "" = the kernel's choice
  TlsOptions tls;
};

struct TlsFacts;

class Transport {
 public:
  virtual ~Transport() = default;
  // Writes all of `bytes` (one flight: one TLS record batch / one send where possible), within
  // the write limit (TimeLimits::write()).
  virtual void write(std::string_view bytes) = 0;
  // The same within `limit`, for writes that must not hold the program up (QUIT after an error).
  virtual void write(std::string_view bytes, std::chrono::milliseconds limit) = 0;
  // Reads what is available (blocking up to the write limit); returns 0 when the peer closed.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
  // The same within a limit of the caller's choosing, for replies the protocol lets the server
  // take longer over. Every limit is cut short by --max-time. When it runs out: Failure
  // (temporary) saying that no reply came within it.
  virtual std::size_t read(char* buffer, std::size_t size, std::chrono::milliseconds limit) = 0;
  // Performs the TLS handshake and verification (implicit TLS or after STARTTLS's 220).
  virtual void start_tls() = 0;
  virtual bool tls_active() const = 0;
  // What the TLS handshake established (net/tls_facts.hpp), once start_tls() has returned;
  // nullptr before, and for transports without TLS.
  virtual const TlsFacts* tls_facts() const { return nullptr; }
  virtual void close() = 0;
};

// Resolves `options.host` (IPv6 and IPv4), connects to the first address that answers within the
// connect limit and returns a plain-TCP transport. TLS facts and connection steps go to `trace`.
std::unique_ptr<Transport> connect(const ConnectOptions& options, trace::Sink& trace);

}  // namespace smtpsend::net
