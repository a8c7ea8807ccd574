#pragma once
// Test helpers for the net tests: loopback listeners on ephemeral ports, accepting with a bounded
// wait, and a trace sink that records what it was told. Header-only: the build compiles only
// *_test.cpp files from tests/.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.hpp"
#include "trace/trace.hpp"

namespace smtpsend::net::testing {

// Every wait in the tests is bounded by this, so a broken build fails instead of hanging.
inline constexpr int test_wait_ms = 5000;

// A TCP socket bound to an ephemeral port on 127.0.0.1 or ::1; listening unless asked not to
// (a bound socket that does not listen makes the kernel refuse connections to its port, without
// the race of closing a port that someone else may take).
class LoopbackSocket {
 public:
  // Empty when the address family is not configured on this machine (e.g. no ::1).
  static std::optional<LoopbackSocket> open(bool ipv6, bool listen = true) {
    int family = ipv6 ? AF_INET6 : AF_INET;
    UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
      return std::nullopt;
    }
    sockaddr_storage address{};
    socklen_t length = 0;
    if (ipv6) {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
      v6->sin6_family = AF_INET6;
      v6->sin6_addr = in6addr_loopback;
      length = sizeof(sockaddr_in6);
    } else {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
      v4->sin_family = AF_INET;
      v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      length = sizeof(sockaddr_in);
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
      return std::nullopt;
    }
    if (listen && ::listen(fd.get(), 8) != 0) {
      return std::nullopt;
    }
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return std::nullopt;
    }
    std::uint16_t port = ipv6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
                              : ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    return LoopbackSocket(std::move(fd), port);
  }

  std::uint16_t port() const { return port_; }
  int fd() const { return fd_.get(); }

  // Accepts one connection, waiting at most test_wait_ms; throws if none came.
  UniqueFd accept_one() const {
    pollfd entry{fd_.get(), POLLIN, 0};
    if (::poll(&entry, 1, test_wait_ms) != 1) {
      throw std::runtime_error("no connection to accept within the test's wait");
    }
    UniqueFd accepted(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!accepted.valid()) {
      throw std::runtime_error(std::string("accept failed: ") + std::strerror(errno));
    }
    return accepted;
  }

 private:
  LoopbackSocket(UniqueFd fd, std::uint16_t port) : fd_(std::move(fd)), port_(port) {}

  UniqueFd fd_;
  std::uint16_t port_ = 0;
};

// Receives from a blocking test socket until `count` bytes came or the wait ran out.
inline std::string receive_exactly(int fd, std::size_t count) {
  std::string received;
  char buffer[4096];
  while (received.size() < count) {
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, test_wait_ms) != 1) {
      break;
    }
    ssize_t n = ::recv(fd, buffer, std::min(sizeof buffer, count - received.size()), 0);
    if (n <= 0) {
      break;
    }
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received;
}

class RecordingSink final : public trace::Sink {
 public:
  bool enabled() const override { return true; }
  void line(trace::Direction, std::string_view text, bool) override { lines.emplace_back(text); }
  bool contains(std::string_view fragment) const {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(fragment) != std::string::npos;
    });
  }
  std::string joined() const {
    std::string all;
    for (const std::string& line : lines) {
      all += line + "\n";
    }
    return all;
  }

  std::vector<std::string> lines;
};

}  // namespace smtpsend::net::testing
