// net::connect() and plain-TCP reads and writes against real loopback sockets.

#include "net/transport.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "../common/fake_clock.hpp"
#include "common/error.hpp"
#include "common/time_limits.hpp"
#include "loopback.hpp"

namespace smtpsend::net {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackSocket;
using testing::RecordingSink;

ConnectOptions options_for(std::string host, std::uint16_t port,
                           std::chrono::milliseconds timeout = 5000ms) {
  ConnectOptions options;
  options.host = std::move(host);
  options.port = port;
  options.limits = TimeLimits(timeout, std::nullopt);
  return options;
}

Error failure_of(auto&& action) {
  try {
    action();
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "expected a smtpsend::Failure";
  return {};
}

TEST(Transport, ConnectsToAnIpv4ListenerAndTracesTheSteps) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  RecordingSink trace;

  auto transport = connect(options_for("127.0.0.1", listener->port()), trace);

  ASSERT_NE(transport, nullptr);
  EXPECT_FALSE(transport->tls_active());
  std::string endpoint = "127.0.0.1:" + std::to_string(listener->port());
  EXPECT_TRUE(trace.contains("resolving 127.0.0.1")) << trace.joined();
  EXPECT_TRUE(trace.contains("connecting to " + endpoint)) << trace.joined();
  EXPECT_TRUE(trace.contains("connected to " + endpoint + " in ")) << trace.joined();
}

TEST(Transport, ConnectsToAnIpv6Listener) {
  auto listener = LoopbackSocket::open(true);
  if (!listener) {
    GTEST_SKIP() << "::1 is not configured on this machine";
  }
  RecordingSink trace;

  auto transport = connect(options_for("::1", listener->port()), trace);

  EXPECT_TRUE(trace.contains("connected to [::1]:" + std::to_string(listener->port())))
      << trace.joined();
  UniqueFd peer = listener->accept_one();
  transport->write("EHLO v6\r\n");
  EXPECT_EQ(testing::receive_exactly(peer.get(), 9), "EHLO v6\r\n");
}

TEST(Transport, BracketedIpv6LiteralIsAccepted) {
  auto listener = LoopbackSocket::open(true);
  if (!listener) {
    GTEST_SKIP() << "::1 is not configured on this machine";
  }
  trace::NullSink trace;
  EXPECT_NE(connect(options_for("[::1]", listener->port()), trace), nullptr);
}

TEST(Transport, RefusedPortIsTemporaryAndSaysWhatToCheck) {
  // Bound but not listening: the kernel answers SYNs to this port with RST.
  auto closed = LoopbackSocket::open(false, /*listen=*/false);
  ASSERT_TRUE(closed);
  trace::NullSink trace;

  Error error = failure_of([&] { connect(options_for("127.0.0.1", closed->port()), trace); });

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_EQ(error.message, "cannot connect to 127.0.0.1 port " + std::to_string(closed->port()) +
                               ": Connection refused; is the server running / is the port right?");
}

TEST(Transport, UnresolvableNameIsNoHost) {
  // RFC 6761 §6.4: names under .invalid never resolve.
  trace::NullSink trace;

  ConnectOptions options = options_for("no-such-host.invalid", 25);
  options.host_hint = "check host at /etc/smtpsend.conf:3";

  Error error = failure_of([&] { connect(options, trace); });

  EXPECT_EQ(error.kind, ErrorKind::no_host);
  EXPECT_NE(error.message.find("cannot resolve 'no-such-host.invalid': "), std::string::npos)
      << error.message;
  EXPECT_TRUE(error.message.ends_with("; check host at /etc/smtpsend.conf:3")) << error.message;
}

TEST(Transport, WriteReachesThePeerAndReadReturnsItsReply) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  auto transport = connect(options_for("127.0.0.1", listener->port()), trace);
  UniqueFd peer = listener->accept_one();

  transport->write("EHLO client.example\r\n");
  ASSERT_EQ(::send(peer.get(), "250 ok\r\n", 8, 0), 8);
  char buffer[64];
  std::size_t got = transport->read(buffer, sizeof buffer);

  EXPECT_EQ(testing::receive_exactly(peer.get(), 21), "EHLO client.example\r\n");
  EXPECT_EQ(std::string(buffer, got), "250 ok\r\n");
}

TEST(Transport, ReadFromASilentServerTimesOutAsTemporary) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  auto transport = connect(options_for("127.0.0.1", listener->port(), 200ms), trace);
  char buffer[64];

  auto started = std::chrono::steady_clock::now();
  Error error = failure_of([&] { transport->read(buffer, sizeof buffer); });
  auto took = std::chrono::steady_clock::now() - started;

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_NE(error.message.find("no reply from the server within 0.2 s"), std::string::npos)
      << error.message;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 5s);
}

// A read cut short by --max-time says that --max-time ran out, not "within 0 s" (what was left
// of it), as the driver says for its replies.
TEST(Transport, AReadCutShortByMaxTimeNamesMaxTime) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  smtpsend::testing::FakeClock clock;
  ConnectOptions options = options_for("127.0.0.1", listener->port());
  options.limits = TimeLimits(std::nullopt, 30s, clock);
  auto transport = connect(options, trace);
  clock.advance(30s);
  char buffer[64];

  Error error = failure_of([&] { transport->read(buffer, sizeof buffer, 5min); });

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_EQ(error.message, "gave up after --max-time 30 s in all");
}

TEST(Transport, AConnectAfterMaxTimeRanOutNamesMaxTime) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  smtpsend::testing::FakeClock clock;
  ConnectOptions options = options_for("127.0.0.1", listener->port());
  options.limits = TimeLimits(std::nullopt, 1s, clock);
  clock.advance(2s);

  Error error = failure_of([&] { connect(options, trace); });

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_EQ(error.message, "gave up after --max-time 1 s in all");
}

TEST(Transport, WriteToAServerThatDoesNotReadTimesOutAsTemporary) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  auto transport = connect(options_for("127.0.0.1", listener->port(), 200ms), trace);
  UniqueFd peer = listener->accept_one();
  // Far more than loopback socket buffers hold, so send() must stop part way and wait.
  std::string flood(64 * 1024 * 1024, 'x');

  Error error = failure_of([&] { transport->write(flood); });

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_NE(error.message.find("did not accept our data within 0.2 s"), std::string::npos)
      << error.message;
}

TEST(Transport, PeerCloseReadsAsZero) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  auto transport = connect(options_for("127.0.0.1", listener->port()), trace);
  listener->accept_one().reset();
  char buffer[64];

  EXPECT_EQ(transport->read(buffer, sizeof buffer), 0u);
}

TEST(Transport, WriteAfterThePeerResetIsAnIoErrorNotASignal) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  trace::NullSink trace;
  auto transport = connect(options_for("127.0.0.1", listener->port()), trace);
  UniqueFd peer = listener->accept_one();
  linger abort_on_close{1, 0};  // close() then sends RST instead of FIN
  ASSERT_EQ(::setsockopt(peer.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close),
            0);
  peer.reset();

  // The first send may still be accepted locally; a later one must fail, with EPIPE or
  // ECONNRESET, and must not kill the test with SIGPIPE.
  Error error;
  for (int attempt = 0; attempt < 3 && error.message.empty(); ++attempt) {
    try {
      transport->write("QUIT\r\n");
    } catch (const Failure& failure) {
      error = failure.error();
    }
  }
  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_NE(error.message.find("lost the connection to the server while sending"),
            std::string::npos)
      << error.message;
}

TEST(Transport, ReadAfterCloseIsAnIoError) {
  auto listener = LoopbackSocket::open(false);
  ASSERT_TRUE(listener);
  RecordingSink trace;
  auto transport = connect(options_for("127.0.0.1", listener->port()), trace);
  transport->close();
  transport->close();  // closing twice is harmless
  char buffer[8];

  Error error = failure_of([&] { transport->read(buffer, sizeof buffer); });

  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_TRUE(trace.contains("closed the connection to 127.0.0.1:")) << trace.joined();
}

}  // namespace
}  // namespace smtpsend::net
