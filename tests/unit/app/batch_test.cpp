// --batch through the one driver loop against scripted servers on a fake clock: the messages
// pipelined one round trip apart, a 421 in the middle answered by one reconnection that resumes
// with the first message not accepted, a message whose delivery is unknown never sent again, and
// the one rule that makes the batch's exit status. Every dialog is fed whole and one byte at a
// time.

#include "app/batch.hpp"

#include <gtest/gtest.h>
#include <sysexits.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fake_transport.hpp"
#include "mime/message.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {
namespace {

using testing::FakeClock;
using testing::FakeTransport;

enum class Feed { whole, one_byte };

// Lends a transport the test keeps, so that what was written can be read after the batch.
class LentTransport final : public net::Transport {
 public:
  explicit LentTransport(net::Transport& transport) : transport_(transport) {}
  void write(std::string_view bytes) override { transport_.write(bytes); }
  void write(std::string_view bytes, std::chrono::milliseconds limit) override {
    transport_.write(bytes, limit);
  }
  std::size_t read(char* buffer, std::size_t size) override {
    return transport_.read(buffer, size);
  }
  std::size_t read(char* buffer, std::size_t size, std::chrono::milliseconds limit) override {
    return transport_.read(buffer, size, limit);
  }
  void start_tls() override { transport_.start_tls(); }
  bool tls_active() const override { return transport_.tls_active(); }
  void close() override { transport_.close(); }

 private:
  net::Transport& transport_;
};

// A message in memory, as a stream.
class TextMessage final : public mime::MessageStream {
 public:
  explicit TextMessage(std::string text) : text_(std::move(text)) {}
  bool next(std::string& chunk) override {
    if (sent_) {
      return false;
    }
    sent_ = true;
    chunk += text_;
    return true;
  }
  std::uint64_t size() const override { return 0; }
  bool has_8bit() const override { return false; }

 private:
  std::string text_;
  bool sent_ = false;
};

// Message i (from 1) is from a<i>@example.org to b<i>@example.net: each envelope is told apart
// on the wire by its sender.
ComposedMessage message(std::size_t number) {
  ComposedMessage composed;
  composed.envelope.mail_from = "a" + std::to_string(number) + "@example.org";
  composed.envelope.recipients = {"b" + std::to_string(number) + "@example.net"};
  composed.content =
      std::make_unique<TextMessage>("Subject: " + std::to_string(number) + "\r\n\r\nHello.\r\n");
  return composed;
}

std::string mail_from(std::size_t number) {
  return "MAIL FROM:<a" + std::to_string(number) + "@example.org>";
}

constexpr const char* ehlo_reply = "250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
constexpr const char* envelope_accepted = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead\r\n";

std::string queued(std::size_t number) {
  return "250 2.0.0 Ok: queued as " + std::to_string(number) + "\r\n";
}

class Batch : public ::testing::TestWithParam<Feed> {
 protected:
  // A server for each connection, in order; connecting past the last fails as refused.
  FakeTransport& server() {
    servers_.push_back(std::make_unique<FakeTransport>(clock_));
    servers_.back()->piece = GetParam() == Feed::one_byte ? 1 : 0;
    return *servers_.back();
  }

  std::vector<smtp::TransactionOutcome> send(std::size_t count) {
    const OpenBatchMessage open = [this](std::size_t index) {
      if (unreadable_ && *unreadable_ == index) {
        throw Failure(ErrorKind::no_input, "cannot open message file 'm" +
                                               std::to_string(index + 1) + "': no such file");
      }
      return message(index + 1);
    };
    const ConnectForBatch connect = [this]() {
      if (connections_ == servers_.size()) {
        throw Failure(ErrorKind::temporary, "connection refused");
      }
      BatchConnection link;
      link.transport = std::make_unique<LentTransport>(*servers_[connections_++]);
      smtp::SessionConfig config;
      config.ehlo_domain = "client.example";
      config.tls = TlsMode::none;
      link.session = std::make_unique<smtp::Session>(config, trace_);
      return link;
    };
    return send_batch(count, open, connect, limits_, check_body_,
                      GetParam() == Feed::one_byte ? 1 : 0);
  }

  FakeClock clock_;
  TimeLimits limits_{std::nullopt, std::nullopt, clock_};
  trace::NullSink trace_;
  std::vector<std::unique_ptr<FakeTransport>> servers_;
  std::size_t connections_ = 0;
  std::optional<std::size_t> unreadable_;
  CheckBody check_body_;
};

TEST_P(Batch, EachMessageFollowsThePreviousEndInOneFlight) {
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), envelope_accepted)
      .send(mail_from(2), queued(1) + envelope_accepted)
      .send(mail_from(3), queued(2) + envelope_accepted)
      .send("QUIT", queued(3) + "221 2.0.0 Bye\r\n");

  const auto outcomes = send(3);

  ASSERT_EQ(outcomes.size(), 3u);
  for (const auto& outcome : outcomes) {
    EXPECT_TRUE(outcome.accepted()) << (outcome.error ? outcome.error->message : "");
  }
  EXPECT_EQ(connections_, 1u);
  const auto& writes = servers_[0]->writes;
  // EHLO; the first envelope; then each extra message's envelope behind the previous dot (one
  // round trip each); the last dot with QUIT.
  ASSERT_EQ(writes.size(), 5u) << servers_[0]->written();
  EXPECT_EQ(writes[1].bytes.find(mail_from(1)), 0u);
  for (std::size_t number = 2; number <= 3; ++number) {
    const std::string& flight = writes[number].bytes;
    EXPECT_NE(flight.find("Hello.\r\n.\r\n" + mail_from(number)), std::string::npos) << flight;
    EXPECT_NE(flight.find("DATA\r\n"), std::string::npos) << flight;
  }
  EXPECT_NE(writes[4].bytes.find("Hello.\r\n.\r\nQUIT\r\n"), std::string::npos);
  EXPECT_EQ(describe_batch_result("m3", outcomes[2]), "m3: accepted (250 2.0.0 Ok: queued as 3)");
}

TEST_P(Batch, A421InTheMiddleReconnectsOnceAndResumesWithTheFirstMessageNotAccepted) {
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), envelope_accepted)
      .send(mail_from(2), queued(1) + "421 4.3.2 Shutting down\r\n")
      .hang_up(mail_from(2));
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(2), envelope_accepted)
      .send(mail_from(3), queued(2) + envelope_accepted)
      .send("QUIT", queued(3) + "221 2.0.0 Bye\r\n");

  const auto outcomes = send(3);

  for (const auto& outcome : outcomes) {
    EXPECT_TRUE(outcome.accepted()) << (outcome.error ? outcome.error->message : "");
  }
  EXPECT_EQ(connections_, 2u);
  const std::string second = servers_[1]->written();
  EXPECT_EQ(second.find(mail_from(1)), std::string::npos) << second;
  EXPECT_NE(second.find(mail_from(2)), std::string::npos) << second;
  EXPECT_NE(second.find(mail_from(3)), std::string::npos) << second;
  EXPECT_EQ(batch_exit_code(outcomes), 0);
}

TEST_P(Batch, DeliveryUnknownIsReportedAndNeverSentAgain) {
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), envelope_accepted)
      .send(mail_from(2), queued(1) + envelope_accepted)
      .reset(mail_from(3));  // message 2's dot went out; its reply never comes
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(3), envelope_accepted)
      .send("QUIT", queued(3) + "221 2.0.0 Bye\r\n");

  const auto outcomes = send(3);

  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].accepted());
  EXPECT_EQ(outcomes[1].state, smtp::TransactionState::delivery_unknown);
  EXPECT_TRUE(outcomes[2].accepted()) << (outcomes[2].error ? outcomes[2].error->message : "");
  EXPECT_EQ(connections_, 2u);
  EXPECT_EQ(servers_[1]->written().find(mail_from(2)), std::string::npos);
  EXPECT_EQ(describe_batch_result("m2", outcomes[1]).rfind("m2: delivery state unknown", 0), 0u)
      << describe_batch_result("m2", outcomes[1]);
  EXPECT_EQ(batch_exit_code(outcomes), EX_TEMPFAIL);
}

TEST_P(Batch, ASecondLossEndsTheBatchWithTheRestNotSent) {
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), "421 4.3.2 Shutting down\r\n")
      .hang_up(mail_from(1));
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), "421 4.3.2 Shutting down again\r\n")
      .hang_up(mail_from(1));
  server();  // never used: one reconnection only

  const auto outcomes = send(2);

  EXPECT_EQ(connections_, 2u);
  for (const auto& outcome : outcomes) {
    EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->kind, ErrorKind::temporary);
  }
  EXPECT_EQ(servers_[1]->written().find(mail_from(2)), std::string::npos);
  EXPECT_EQ(batch_exit_code(outcomes), EX_TEMPFAIL);
}

TEST_P(Batch, AMessageLostBehindOneInDoubtIsNotSentAndWorthRetrying) {
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), "421 4.3.2 Shutting down\r\n")
      .hang_up(mail_from(1));
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), envelope_accepted)
      .reset(mail_from(2));  // message 1's dot went out with message 2's envelope

  const auto outcomes = send(2);

  EXPECT_EQ(connections_, 2u);
  EXPECT_EQ(outcomes[0].state, smtp::TransactionState::delivery_unknown);
  EXPECT_EQ(outcomes[1].state, smtp::TransactionState::not_sent);
  const std::string line = describe_batch_result("m2", outcomes[1]);
  EXPECT_EQ(line.rfind("m2: not sent: lost the connection", 0), 0u) << line;
  EXPECT_EQ(line.find("delivery state unknown"), std::string::npos) << line;
  // Lost before it went out: a temporary failure, not an I/O error a human must look at.
  ASSERT_TRUE(outcomes[1].error);
  EXPECT_EQ(outcomes[1].error->kind, ErrorKind::temporary);
  EXPECT_EQ(batch_exit_code(outcomes), EX_TEMPFAIL);
}

TEST_P(Batch, AFailureBeforeAnyMessageDoesNotReconnect) {
  server().send("", "554 5.3.2 Go away\r\n");
  server();  // never used

  const auto outcomes = send(2);

  EXPECT_EQ(connections_, 1u);
  for (const auto& outcome : outcomes) {
    EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  }
  EXPECT_EQ(batch_exit_code(outcomes), EX_UNAVAILABLE);
}

TEST_P(Batch, AnUnreadableMessageIsNotSentAndTheOthersAre) {
  unreadable_ = 1;
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), envelope_accepted)
      .send(mail_from(3), queued(1) + envelope_accepted)
      .send("QUIT", queued(3) + "221 2.0.0 Bye\r\n");

  const auto outcomes = send(3);

  EXPECT_TRUE(outcomes[0].accepted());
  EXPECT_EQ(outcomes[1].state, smtp::TransactionState::not_sent);
  EXPECT_TRUE(outcomes[2].accepted());
  EXPECT_EQ(describe_batch_result("m2", outcomes[1]),
            "m2: not sent: cannot open message file 'm2': no such file");
  EXPECT_EQ(batch_exit_code(outcomes), EX_NOINPUT);
}

TEST_P(Batch, AMessageStoppedInItsBodyIsNotSentAgainAndTheRestFollowOnANewConnection) {
  check_body_ = [](std::string_view chunk, const smtp::Capabilities& /*offered*/) {
    if (chunk.find("Subject: 2") != std::string_view::npos) {
      throw Failure(ErrorKind::data, "message 2 has 8-bit data the server did not agree to");
    }
  };
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1), envelope_accepted)
      .send(mail_from(2), queued(1) + envelope_accepted);
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(3), envelope_accepted)
      .send("QUIT", queued(3) + "221 2.0.0 Bye\r\n");

  const auto outcomes = send(3);

  EXPECT_TRUE(outcomes[0].accepted());
  EXPECT_EQ(outcomes[1].state, smtp::TransactionState::not_sent);
  ASSERT_TRUE(outcomes[1].error);
  EXPECT_EQ(outcomes[1].error->kind, ErrorKind::data);
  EXPECT_TRUE(outcomes[2].accepted()) << (outcomes[2].error ? outcomes[2].error->message : "");
  EXPECT_EQ(connections_, 2u);
  EXPECT_EQ(servers_[0]->written().find("Subject: 2"), std::string::npos);
  EXPECT_EQ(servers_[1]->written().find(mail_from(2)), std::string::npos);
  EXPECT_EQ(batch_exit_code(outcomes), EX_DATAERR);
}

TEST_P(Batch, ARefusedMessageIsReportedWithTheServersReply) {
  server()
      .send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", ehlo_reply)
      .send(mail_from(1),
            "250 2.1.0 Ok\r\n550 5.1.1 No such user\r\n554 5.5.1 No valid recipients\r\n")
      .send(mail_from(2), "250 2.0.0 Reset\r\n" + std::string(envelope_accepted))
      .send("QUIT", queued(2) + "221 2.0.0 Bye\r\n");

  const auto outcomes = send(2);

  EXPECT_EQ(outcomes[0].state, smtp::TransactionState::refused);
  EXPECT_TRUE(outcomes[1].accepted()) << (outcomes[1].error ? outcomes[1].error->message : "");
  const std::string line = describe_batch_result("m1", outcomes[0]);
  EXPECT_EQ(line.rfind("m1: refused: ", 0), 0u) << line;
  EXPECT_NE(line.find("No such user"), std::string::npos) << line;
  EXPECT_EQ(batch_exit_code(outcomes), EX_NOUSER);
}

INSTANTIATE_TEST_SUITE_P(Feeds, Batch, ::testing::Values(Feed::whole, Feed::one_byte),
                         [](const auto& test) {
                           return test.param == Feed::whole ? "whole" : "one_byte";
                         });

smtp::TransactionOutcome failed(ErrorKind kind, smtp::TransactionState state) {
  smtp::TransactionOutcome outcome;
  outcome.state = state;
  outcome.error = Error{kind, "failed", std::nullopt};
  return outcome;
}

smtp::TransactionOutcome accepted() {
  smtp::TransactionOutcome outcome;
  outcome.state = smtp::TransactionState::accepted;
  return outcome;
}

TEST(BatchExitCode, ZeroOnlyWhenEveryMessageWasAccepted) {
  EXPECT_EQ(batch_exit_code({accepted(), accepted()}), 0);
  EXPECT_EQ(batch_exit_code({}), 0);
  EXPECT_EQ(
      batch_exit_code({accepted(), failed(ErrorKind::temporary, smtp::TransactionState::not_sent)}),
      EX_TEMPFAIL);
}

TEST(BatchExitCode, APermanentFailureWinsOverATemporaryOneWhereverItIs) {
  const auto temporary = failed(ErrorKind::temporary, smtp::TransactionState::refused);
  const auto permanent = failed(ErrorKind::unavailable, smtp::TransactionState::refused);
  EXPECT_EQ(batch_exit_code({temporary, permanent}), EX_UNAVAILABLE);
  EXPECT_EQ(batch_exit_code({permanent, temporary}), EX_UNAVAILABLE);
}

TEST(BatchExitCode, DeliveryUnknownIsTemporary) {
  EXPECT_EQ(batch_exit_code({accepted(), failed(ErrorKind::temporary,
                                                smtp::TransactionState::delivery_unknown)}),
            EX_TEMPFAIL);
}

TEST(BatchExitCode, AmongPermanentFailuresTheFirstInTheListDecides) {
  EXPECT_EQ(batch_exit_code({failed(ErrorKind::recipient_refused, smtp::TransactionState::refused),
                             failed(ErrorKind::data, smtp::TransactionState::not_sent)}),
            EX_NOUSER);
  EXPECT_EQ(
      batch_exit_code({failed(ErrorKind::data, smtp::TransactionState::not_sent),
                       failed(ErrorKind::recipient_refused, smtp::TransactionState::refused)}),
      EX_DATAERR);
}

}  // namespace
}  // namespace smtpsend::app
