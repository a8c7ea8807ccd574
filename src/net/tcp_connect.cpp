#include "net/tcp_connect.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "common/deadline.hpp"
#include "common/error.hpp"

namespace smtpsend::net {
namespace {

// Our own code for "the address never answered"; the kernel's ETIMEDOUT takes minutes and would
// read "Connection timed out" even though it was our deadline that ended the attempt.
constexpr int no_answer_in_time = -1;

struct AttemptFailure {
  std::string endpoint;
  int error = 0;             // an errno, or no_answer_in_time
  bool from_socket = false;  // socket() itself failed: a local problem, not the server's
};

std::string describe_error(int error, std::chrono::milliseconds limit) {
  if (error == no_answer_in_time) {
    return fmt::format("no answer within {}", describe_duration(limit));
  }
  return std::strerror(error);
}

// What to suggest, after the reasons, for the most telling failure among the attempts.
std::string_view hint_for(const std::vector<AttemptFailure>& failures) {
  auto any = [&](auto predicate) {
    return std::any_of(failures.begin(), failures.end(), predicate);
  };
  if (any([](const AttemptFailure& f) { return f.error == ECONNREFUSED; })) {
    return "is the server running / is the port right?";
  }
  if (any([](const AttemptFailure& f) { return f.error == no_answer_in_time; })) {
    return "is the host up, or does a firewall drop this port? Some providers block port 25";
  }
  if (any([](const AttemptFailure& f) {
        return f.error == ENETUNREACH || f.error == EHOSTUNREACH;
      })) {
    return "check the network connection";
  }
  return "try again later";
}

[[noreturn]] void throw_connect_failure(const std::vector<AttemptFailure>& failures,
                                        std::string_view host, std::uint16_t port,
                                        std::chrono::milliseconds limit) {
  bool all_same = std::all_of(failures.begin(), failures.end(), [&](const AttemptFailure& f) {
    return f.error == failures.front().error;
  });
  std::string reasons;
  if (all_same) {
    reasons = describe_error(failures.front().error, limit);
  } else {
    for (const AttemptFailure& failure : failures) {
      if (!reasons.empty()) {
        reasons += ", ";
      }
      reasons += fmt::format("{}: {}", failure.endpoint, describe_error(failure.error, limit));
    }
  }
  bool all_local = std::all_of(failures.begin(), failures.end(),
                               [](const AttemptFailure& f) { return f.from_socket; });
  // Refusals, timeouts and unreachable networks are the classic "try again later" (sysexits
  // EX_TEMPFAIL) conditions; only a failure to even create a socket is the system's fault.
  ErrorKind kind = all_local ? ErrorKind::os : ErrorKind::temporary;
  throw Failure(kind, fmt::format("cannot connect to {} port {}: {}; {}", host, port, reasons,
                                  hint_for(failures)));
}

// Socket options every connection gets. Failures here are not fatal: the connection still works,
// only less well, so they are traced rather than thrown.
void tune_socket(int fd, trace::Sink& trace) {
  int on = 1;
  // The driver writes one flight per write() (see design.md, "Flights"); Nagle would hold back a
  // small flight until the previous one is acknowledged, adding a round trip.
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0 && trace.enabled()) {
    trace.info(fmt::format("could not set TCP_NODELAY: {}", std::strerror(errno)));
  }
  // Lets the kernel notice a peer that vanished during a long DATA transfer.
  if (::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0 && trace.enabled()) {
    trace.info(fmt::format("could not set SO_KEEPALIVE: {}", std::strerror(errno)));
  }
}

// The source address for `family`, with port 0 (any); nullopt when `source_ip` is of the other
// family. The key check already made sure it is an address.
std::optional<Endpoint> source_endpoint(const std::string& source_ip, int family) {
  Endpoint source;
  source.family = family;
  source.text = source_ip;
  if (family == AF_INET) {
    auto* address = reinterpret_cast<sockaddr_in*>(&source.address);
    address->sin_family = AF_INET;
    source.length = sizeof(sockaddr_in);
    if (::inet_pton(AF_INET, source_ip.c_str(), &address->sin_addr) == 1) {
      return source;
    }
  } else if (family == AF_INET6) {
    auto* address = reinterpret_cast<sockaddr_in6*>(&source.address);
    address->sin6_family = AF_INET6;
    source.length = sizeof(sockaddr_in6);
    if (::inet_pton(AF_INET6, source_ip.c_str(), &address->sin6_addr) == 1) {
      return source;
    }
  }
  return std::nullopt;
}

// Binds `fd` to `source` before connecting. Failing to is the configuration's fault, not the
// server's, so it ends the whole connect at once.
void bind_source(int fd, const Endpoint& source) {
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&source.address), source.length) == 0) {
    return;
  }
  const int error = errno;
  throw Failure(
      ErrorKind::config,
      fmt::format("cannot connect from source_ip {}: {}{}", source.text, std::strerror(error),
                  error == EADDRNOTAVAIL ? " (it is not an address of this host); give one of this "
                                           "host's addresses, or remove source_ip"
                                         : ""));
}

// One connect attempt; returns 0 and fills `fd` on success, else the errno (or no_answer_in_time).
int attempt(const Endpoint& endpoint, std::chrono::milliseconds limit, UniqueFd& fd) {
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) ==
      0) {
    return 0;
  }
  // A non-blocking connect reports EINPROGRESS (or EINTR, after which it goes on in the
  // background); completion is signalled by writability, the outcome is read from SO_ERROR.
  if (errno != EINPROGRESS && errno != EINTR) {
    return errno;
  }
  if (!wait_until_ready(fd.get(), POLLOUT, Deadline(limit))) {
    return no_answer_in_time;
  }
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) {
    return errno;
  }
  return error;
}

}  // namespace

TcpConnection connect_to_first(const std::vector<Endpoint>& endpoints, std::string_view host,
                               std::uint16_t port, const TimeLimits& limits, trace::Sink& trace,
                               const TcpSettings& settings) {
  const std::chrono::milliseconds limit_per_address =
      settings.connect_timeout ? std::min(limits.connect(), *settings.connect_timeout)
                               : limits.connect();
  std::vector<AttemptFailure> failures;
  bool family_skipped = false;
  for (const Endpoint& endpoint : endpoints) {
    std::optional<Endpoint> source;
    if (!settings.source_ip.empty()) {
      source = source_endpoint(settings.source_ip, endpoint.family);
      if (!source) {
        family_skipped = true;  // an IPv4 source cannot reach an IPv6 address, nor the reverse
        continue;
      }
    }
    if (!failures.empty() && limits.max_time_ran_out()) {
      break;  // --max-time bounds the whole connect, however many addresses are left
    }
    if (trace.enabled()) {
      trace.info(fmt::format("connecting to {}", endpoint.text));
    }
    auto started = Deadline::Clock::now();
    UniqueFd fd(
        ::socket(endpoint.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, endpoint.protocol));
    if (!fd.valid()) {
      failures.push_back({endpoint.text, errno, true});
      if (trace.enabled()) {
        trace.info(
            fmt::format("cannot create a socket for {}: {}", endpoint.text, std::strerror(errno)));
      }
      continue;
    }
    if (source) {
      bind_source(fd.get(), *source);
      if (trace.enabled()) {
        trace.info(fmt::format("connecting from {} (source_ip)", source->text));
      }
    }
    int error = attempt(endpoint, limits.within_max_time(limit_per_address), fd);
    if (error == 0) {
      tune_socket(fd.get(), trace);
      if (trace.enabled()) {
        auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(Deadline::Clock::now() - started);
        trace.info(fmt::format("connected to {} in {} ms", endpoint.text, took.count()));
      }
      return TcpConnection{std::move(fd), endpoint.text};
    }
    failures.push_back({endpoint.text, error, false});
    if (trace.enabled()) {
      trace.info(fmt::format("cannot connect to {}: {}", endpoint.text,
                             describe_error(error, limit_per_address)));
    }
  }
  if (failures.empty() && family_skipped) {
    throw Failure(ErrorKind::config,
                  fmt::format("cannot connect to {} port {} from source_ip {}: the server has no "
                              "address of the same family (IPv4 or IPv6)",
                              host, port, settings.source_ip));
  }
  if (failures.empty()) {
    throw Failure(ErrorKind::no_host,
                  fmt::format("cannot connect to {} port {}: no address to try", host, port));
  }
  throw_connect_failure(failures, host, port, limit_per_address);
}

}  // namespace smtpsend::net
