// The fake transport keeps the real one's contract (net/transport.hpp, net/socket_io.cpp), so
// that what the driver's tests show holds over a socket too.

#include "fake_transport.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace smtpsend::testing {
namespace {

using namespace std::chrono_literals;

class FakeTransportTest : public ::testing::Test {
 protected:
  std::string read(std::chrono::milliseconds limit) {
    const std::size_t got = server_.read(buffer_.data(), buffer_.size(), limit);
    return {buffer_.data(), got};
  }
  Error read_failure(std::chrono::milliseconds limit) {
    try {
      read(limit);
    } catch (const Failure& failure) {
      return failure.error();
    }
    ADD_FAILURE() << "the read did not fail";
    return {};
  }

  FakeClock clock_;
  FakeTransport server_{clock_};
  std::array<char, 64> buffer_{};
};

TEST_F(FakeTransportTest, AReadWaitsOnTheClockForBytesThatComeWithinItsLimit) {
  const auto started = clock_.now();
  server_.send("", "220 ready\r\n", 3s);

  EXPECT_EQ(read(5s), "220 ready\r\n");
  EXPECT_EQ(clock_.now() - started, 3s);
}

TEST_F(FakeTransportTest, AReadShorterThanTheDelayWaitsItsWholeLimitAndFailsAsTheRealOne) {
  const auto started = clock_.now();
  server_.send("", "220 ready\r\n", 3s);

  const Error error = read_failure(2s);

  EXPECT_EQ(error.kind, ErrorKind::temporary);
  EXPECT_EQ(error.message, net::read_timeout_message(Deadline(2s)));
  EXPECT_EQ(clock_.now() - started, 2s);
  EXPECT_EQ(read(1s), "220 ready\r\n");  // the bytes keep their own time
  EXPECT_EQ(clock_.now() - started, 3s);
}

TEST_F(FakeTransportTest, AReadOfNoTimeTakesWhatHasArrivedAndWaitsForNothing) {
  const auto started = clock_.now();
  server_.send("", "220 ready\r\n").send("EHLO", "250 ok\r\n", 1s);

  EXPECT_EQ(read(0ms), "220 ready\r\n");
  server_.write("EHLO x\r\n");
  EXPECT_EQ(read_failure(0ms).kind, ErrorKind::temporary);
  EXPECT_EQ(clock_.now(), started);
}

TEST_F(FakeTransportTest, RepliesWaitForTheCommandTheyAnswer) {
  const auto started = clock_.now();
  server_.send("EHLO", "250 ok\r\n", 1s);
  clock_.advance(10s);

  EXPECT_EQ(read_failure(5s).kind, ErrorKind::temporary);  // nothing written yet
  server_.write("EHLO x\r\n");
  EXPECT_EQ(read(5s), "250 ok\r\n");
  EXPECT_EQ(clock_.now() - started, 16s);
}

TEST_F(FakeTransportTest, FaultsComeAfterTheBytesBeforeThem) {
  server_.send("", "421 going\r\n").hang_up("");
  server_.piece = 4;

  EXPECT_EQ(read(1s), "421 ");
  EXPECT_EQ(read(1s), "goin");
  EXPECT_EQ(read(1s), "g\r\n");
  EXPECT_EQ(read(1s), "");  // the server closed
}

// As recv() does: once the server has closed, every read finds the end at once, and the steps
// after the close never arrive.
TEST_F(FakeTransportTest, AfterTheServerClosedEveryReadReturnsZeroAtOnce) {
  const auto started = clock_.now();
  server_.send("", "221 bye\r\n").hang_up("").send("", "250 never\r\n", 1s);

  EXPECT_EQ(read(5s), "221 bye\r\n");
  EXPECT_EQ(read(5s), "");
  EXPECT_EQ(read(5s), "");
  EXPECT_EQ(clock_.now(), started);
}

// As over TCP: the reset is reported once; after it, reads find the end and writes fail.
TEST_F(FakeTransportTest, AfterAResetReadsReturnZeroAndWritesFail) {
  const auto started = clock_.now();
  server_.reset("", 1s);

  EXPECT_EQ(read_failure(5s).kind, ErrorKind::io);
  EXPECT_EQ(read(5s), "");
  EXPECT_EQ(clock_.now() - started, 1s);
  EXPECT_THROW(server_.write("QUIT\r\n"), Failure);
  EXPECT_TRUE(server_.writes.empty());
}

TEST_F(FakeTransportTest, AResetAndAFailedWriteAreLostConnections) {
  server_.reset("").fail_write("QUIT");

  EXPECT_EQ(read_failure(1s).kind, ErrorKind::io);
  EXPECT_THROW(server_.write("QUIT\r\n"), Failure);
  EXPECT_TRUE(server_.writes.empty());
}

}  // namespace
}  // namespace smtpsend::testing
