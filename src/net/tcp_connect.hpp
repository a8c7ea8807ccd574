#pragma once
// Opening the TCP connection: resolve, then try each address in turn until one answers.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time_limits.hpp"
#include "common/unique_fd.hpp"
#include "net/resolver.hpp"
#include "trace/trace.hpp"

namespace smtpsend::net {

// How each attempt is made, beyond the run's time limits.
struct TcpSettings {
  // The local address to connect from (msmtprc's source_ip): an IPv4 or IPv6 address of this
  // host, bound before connecting, so only the server's addresses of that family are tried.
  // "" = the kernel's choice.
  std::string source_ip{};
  // Lowers the limit of each connect attempt (msmtprc's connect_timeout), never the handshake's.
  std::optional<std::chrono::milliseconds> connect_timeout{};
};

struct TcpConnection {
  UniqueFd fd;       // non-blocking, close-on-exec, TCP_NODELAY and SO_KEEPALIVE set
  std::string peer;  // the endpoint that answered, "[::1]:25" or "127.0.0.1:25"
};

// Tries `endpoints` in order, giving each the whole connect limit (limits.connect(), so one
// address that drops packets does not starve the others), but never past --max-time: each
// attempt gets what is left of it, and none starts once it has run out. The first that accepts
// wins. Throws smtpsend::Failure: temporary when every address tried refused, timed out or was
// unreachable; config when settings.source_ip cannot be bound (not an address of this host) or
// the server has no address of its family. `host` and `port` are only for messages.
TcpConnection connect_to_first(const std::vector<Endpoint>& endpoints, std::string_view host,
                               std::uint16_t port, const TimeLimits& limits, trace::Sink& trace,
                               const TcpSettings& settings = {});

}  // namespace smtpsend::net
