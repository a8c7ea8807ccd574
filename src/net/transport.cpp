// net::connect() and the Transport it returns: one TCP socket, optionally carrying a TLS session.

#include "net/transport.hpp"

#include <fmt/format.h>

#include <utility>

#include "common/deadline.hpp"
#include "common/error.hpp"
#include "net/resolver.hpp"
#include "net/socket_io.hpp"
#include "net/tcp_connect.hpp"
#include "net/tls_session.hpp"

namespace smtpsend::net {
namespace {

// Runs one step of the connection; when it times out because --max-time cut its limit short, the
// error says so, rather than naming what was left of the limit ("within 0.459 s"). The driver
// words a late reply the same way.
template <typename Step>
auto naming_max_time(const TimeLimits& limits, Step&& step) -> decltype(step()) {
  try {
    return step();
  } catch (const Failure& failure) {
    if (failure.error().kind == ErrorKind::temporary && limits.max_time_ran_out()) {
      throw Failure(ErrorKind::temporary, limits.max_time_message());
    }
    throw;
  }
}

class SocketTransport final : public Transport {
 public:
  SocketTransport(TcpConnection connection, const ConnectOptions& options, trace::Sink& trace)
      : fd_(std::move(connection.fd)),
        peer_(std::move(connection.peer)),
        options_(options),
        trace_(trace) {}

  ~SocketTransport() override {
    try {
      close();
    } catch (...) {
      // A destructor must not throw; close() is best effort here by nature.
    }
  }

  void write(std::string_view bytes) override { write(bytes, options_.limits.write()); }

  void write(std::string_view bytes, std::chrono::milliseconds limit) override {
    int fd = open_fd();
    naming_max_time(options_.limits, [&] {
      const Deadline deadline = bounded(limit);
      if (tls_) {
        tls_->send_all(bytes, deadline);
      } else {
        send_all(fd, bytes, deadline);
      }
    });
  }

  std::size_t read(char* buffer, std::size_t size) override {
    return read(buffer, size, options_.limits.write());
  }

  std::size_t read(char* buffer, std::size_t size, std::chrono::milliseconds limit) override {
    int fd = open_fd();
    return naming_max_time(options_.limits, [&] {
      const Deadline deadline = bounded(limit);
      if (tls_) {
        return tls_->receive_some(buffer, size, deadline);
      }
      return receive_some(fd, buffer, size, deadline);
    });
  }

  void start_tls() override {
    int fd = open_fd();
    if (tls_) {
      throw Failure(ErrorKind::internal, "start_tls() called on a connection already in TLS");
    }
    if (trace_.enabled()) {
      trace_.info(fmt::format("starting TLS with {}", peer_));
    }
    try {
      auto session = std::make_unique<TlsSession>(fd, options_.tls, options_.host, trace_);
      naming_max_time(options_.limits,
                      [&] { session->handshake(bounded(options_.limits.connect())); });
      tls_ = std::move(session);
    } catch (...) {
      // A failed handshake leaves the stream in an unknown state; nothing more may travel on it.
      fd_.reset();
      throw;
    }
  }

  bool tls_active() const override { return tls_ != nullptr; }

  const TlsFacts* tls_facts() const override { return tls_ ? &tls_->facts() : nullptr; }

  void close() override {
    if (tls_) {
      tls_->bye(bounded(options_.limits.close_notify()));
      tls_.reset();
    }
    if (fd_.valid()) {
      fd_.reset();
      if (trace_.enabled()) {
        trace_.info(fmt::format("closed the connection to {}", peer_));
      }
    }
  }

 private:
  // A deadline of `limit` from now, cut short by --max-time.
  Deadline bounded(std::chrono::milliseconds limit) const {
    return Deadline(options_.limits.within_max_time(limit));
  }

  int open_fd() const {
    if (!fd_.valid()) {
      throw Failure(ErrorKind::io, fmt::format("the connection to {} is closed", peer_));
    }
    return fd_.get();
  }

  UniqueFd fd_;
  std::string peer_;
  ConnectOptions options_;
  trace::Sink& trace_;
  std::unique_ptr<TlsSession> tls_;  // declared after fd_: destroyed first, while fd_ is open
};

}  // namespace

std::unique_ptr<Transport> connect(const ConnectOptions& options, trace::Sink& trace) {
  if (trace.enabled()) {
    trace.info(fmt::format("resolving {}", options.host));
  }
  std::vector<Endpoint> endpoints = resolve(options.host, options.port, options.host_hint);
  if (options.limits.max_time_ran_out()) {
    // Nothing is left to connect in (a password prompt took it all): no attempt, and no
    // "could not connect within 0 s".
    throw Failure(ErrorKind::temporary, options.limits.max_time_message());
  }
  TcpConnection connection = naming_max_time(options.limits, [&] {
    return connect_to_first(endpoints, options.host, options.port, options.limits, trace,
                            TcpSettings{options.source_ip, options.connect_timeout});
  });
  return std::make_unique<SocketTransport>(std::move(connection), options, trace);
}

}  // namespace smtpsend::net
