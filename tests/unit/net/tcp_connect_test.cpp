// connect_to_first() against loopback sockets: --max-time bounds the whole connect.

#include "net/tcp_connect.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "common/time_limits.hpp"
#include "loopback.hpp"

namespace smtpsend::net {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackSocket;

Endpoint endpoint_of(std::uint16_t port) {
  Endpoint endpoint;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&endpoint.address);
  v4->sin_family = AF_INET;
  v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  v4->sin_port = htons(port);
  endpoint.length = sizeof(sockaddr_in);
  endpoint.family = AF_INET;
  endpoint.text = "127.0.0.1:" + std::to_string(port);
  return endpoint;
}

// A listener whose accept queue is full: the kernel drops further SYNs, so a connect to it
// neither succeeds nor fails until its limit runs out, as with a host that drops packets.
struct SilentListener {
  std::optional<LoopbackSocket> socket = LoopbackSocket::open(false, /*listen=*/false);
  std::vector<UniqueFd> queued;

  bool fill() {
    if (!socket || ::listen(socket->fd(), 0) != 0) {
      return false;
    }
    const Endpoint endpoint = endpoint_of(socket->port());
    for (int i = 0; i < 4; ++i) {  // the queue holds backlog + 1; a few more to be sure
      UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length);
      queued.push_back(std::move(fd));
    }
    return true;
  }
};

TEST(TcpConnect, MaxTimeBoundsAllTheAddressesTogether) {
  SilentListener listener;
  ASSERT_TRUE(listener.fill());
  const Endpoint silent = endpoint_of(listener.socket->port());
  trace::NullSink trace;
  const TimeLimits limits(std::nullopt, 400ms);

  const auto started = std::chrono::steady_clock::now();
  try {
    connect_to_first({silent, silent, silent}, "127.0.0.1", listener.socket->port(), limits, trace);
    FAIL() << "a connect to a full accept queue succeeded";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::temporary);
  }
  const auto took = std::chrono::steady_clock::now() - started;

  EXPECT_GE(took, 390ms);
  EXPECT_LT(took, 790ms);  // not 400 ms for each of the three addresses
}

TEST(TcpConnect, ConnectTimeoutLowersEachAttemptOnly) {
  SilentListener listener;
  ASSERT_TRUE(listener.fill());
  const Endpoint silent = endpoint_of(listener.socket->port());
  trace::NullSink trace;
  const TimeLimits limits;  // a minute per address

  const auto started = std::chrono::steady_clock::now();
  try {
    connect_to_first({silent}, "127.0.0.1", listener.socket->port(), limits, trace,
                     TcpSettings{.connect_timeout = 300ms});
    FAIL() << "a connect to a full accept queue succeeded";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::temporary);
    EXPECT_NE(failure.error().message.find("no answer within"), std::string::npos)
        << failure.error().message;
  }
  const auto took = std::chrono::steady_clock::now() - started;

  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 5s);
}

TEST(TcpConnect, SourceIpIsTheLocalAddressOfTheConnection) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;

  TcpConnection connection =
      connect_to_first({endpoint_of(listener->port())}, "127.0.0.1", listener->port(), TimeLimits(),
                       trace, TcpSettings{.source_ip = "127.0.0.2"});

  sockaddr_in local{};
  socklen_t length = sizeof local;
  ASSERT_EQ(::getsockname(connection.fd.get(), reinterpret_cast<sockaddr*>(&local), &length), 0);
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
  EXPECT_STREQ(text, "127.0.0.2");
}

TEST(TcpConnect, SourceIpNotOfThisHostIsAConfigurationError) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  try {
    connect_to_first({endpoint_of(listener->port())}, "127.0.0.1", listener->port(), TimeLimits(),
                     trace, TcpSettings{.source_ip = "192.0.2.77"});
    FAIL() << "bound an address of another host";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find(
                  "cannot connect from source_ip 192.0.2.77: Cannot assign requested address (it "
                  "is not an address of this host)"),
              std::string::npos)
        << failure.error().message;
  }
}

TEST(TcpConnect, SourceIpOfTheOtherFamilyIsAConfigurationError) {
  trace::NullSink trace;
  try {
    connect_to_first({endpoint_of(25)}, "127.0.0.1", 25, TimeLimits(), trace,
                     TcpSettings{.source_ip = "::1"});
    FAIL() << "connected from an IPv6 address to an IPv4 one";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("no address of the same family"), std::string::npos)
        << failure.error().message;
  }
}

}  // namespace
}  // namespace smtpsend::net
