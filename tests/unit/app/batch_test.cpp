// Many messages over one connection: each transaction pipelined behind the previous end, and one
// reconnect after a 421 or a lost connection that goes on with the first message not accepted,
// never sending again one whose delivery is unknown.

#include "app/batch.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "scripted_transport.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {
namespace {

using testing::ScriptedTransport;

smtp::SessionConfig cleartext_config() {
  smtp::SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = smtp::TlsPolicy::none;
  return config;
}

std::vector<BatchMessage> messages(int count) {
  std::vector<BatchMessage> batch;
  for (int i = 1; i <= count; ++i) {
    BatchMessage message;
    message.envelope.mail_from = "alice@example.org";
    message.envelope.recipients = {"r" + std::to_string(i) + "@example.net"};
    message.open = [i] {
      return MessageChunks([i, done = false](std::string& chunk) mutable {
        if (done) {
          return false;
        }
        chunk = "Subject: message " + std::to_string(i) + "\n\nBody " + std::to_string(i) + "\n";
        done = true;
        return true;
      });
    };
    batch.push_back(std::move(message));
  }
  return batch;
}

std::string envelope_of(int i) {
  return "MAIL FROM:<alice@example.org>\r\nRCPT TO:<r" + std::to_string(i) +
         "@example.net>\r\nDATA\r\n";
}

// Copies what a transport was written when it is destroyed, and hands out scripts in turn.
class RecordingConnections {
 public:
  explicit RecordingConnections(std::vector<std::vector<ScriptedTransport::Turn>> scripts)
      : scripts_(std::move(scripts)), written(scripts_.size()) {}

  Connect connect() {
    return [this]() -> std::unique_ptr<net::Transport> {
      if (opened_ == scripts_.size()) {
        throw Failure(ErrorKind::temporary, "no more scripted connections");
      }
      const std::size_t index = opened_++;
      return std::make_unique<Recording>(scripts_[index], written[index]);
    };
  }

 private:
  struct Recording final : ScriptedTransport {
    Recording(std::vector<Turn> turns, std::string& sink)
        : ScriptedTransport(std::move(turns)), sink_(sink) {}
    ~Recording() override { sink_ = written; }
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;
    Recording(Recording&&) = delete;
    Recording& operator=(Recording&&) = delete;
    std::string& sink_;
  };
  std::vector<std::vector<ScriptedTransport::Turn>> scripts_;
  std::size_t opened_ = 0;

 public:
  std::vector<std::string> written;
};

std::vector<ScriptedTransport::Turn> greeting_with_pipelining() {
  return {{"", "220 mx.example.net ESMTP\r\n"},
          {"EHLO", "250-mx.example.net\r\n250 PIPELINING\r\n"}};
}

TEST(Batch, ThreeMessagesEachPipelinedBehindThePreviousEnd) {
  auto script = greeting_with_pipelining();
  script.push_back({envelope_of(1), "250 Ok\r\n250 Ok\r\n354 go\r\n"});
  script.push_back({".\r\n" + envelope_of(2), "250 queued 1\r\n250 Ok\r\n250 Ok\r\n354 go\r\n"});
  script.push_back({".\r\n" + envelope_of(3), "250 queued 2\r\n250 Ok\r\n250 Ok\r\n354 go\r\n"});
  script.push_back({".\r\nQUIT\r\n", "250 queued 3\r\n221 Bye\r\n"});
  RecordingConnections connections({script});
  trace::NullSink sink;

  const BatchOutcome outcome =
      send_batch(connections.connect(), cleartext_config(), sink, messages(3), {});
  const std::string& written = connections.written[0];

  EXPECT_EQ(1, outcome.connections);
  ASSERT_EQ(3u, outcome.messages.size());
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(outcome.messages[i].accepted()) << i;
    ASSERT_TRUE(outcome.messages[i].final_reply.has_value());
    EXPECT_EQ("queued " + std::to_string(i + 1), outcome.messages[i].final_reply->text);
  }
  // Each next envelope follows the previous message's dot in the same write.
  EXPECT_NE(std::string::npos, written.find("Body 1\r\n.\r\n" + envelope_of(2)));
  EXPECT_NE(std::string::npos, written.find("Body 2\r\n.\r\n" + envelope_of(3)));
  EXPECT_NE(std::string::npos, written.find("Body 3\r\n.\r\nQUIT\r\n"));
}

TEST(Batch, A421MidBatchReconnectsAndResumesWithTheFirstMessageNotAccepted) {
  auto first = greeting_with_pipelining();
  first.push_back({envelope_of(1), "250 Ok\r\n250 Ok\r\n354 go\r\n"});
  first.push_back({".\r\n" + envelope_of(2), "250 queued 1\r\n421 4.3.2 shutting down\r\n"});
  auto second = greeting_with_pipelining();
  second.push_back({envelope_of(2), "250 Ok\r\n250 Ok\r\n354 go\r\n"});
  second.push_back({".\r\n" + envelope_of(3), "250 queued 2\r\n250 Ok\r\n250 Ok\r\n354 go\r\n"});
  second.push_back({".\r\nQUIT\r\n", "250 queued 3\r\n221 Bye\r\n"});
  RecordingConnections connections({first, second});
  trace::NullSink sink;

  const BatchOutcome outcome =
      send_batch(connections.connect(), cleartext_config(), sink, messages(3), {});

  EXPECT_EQ(2, outcome.connections);
  ASSERT_EQ(3u, outcome.messages.size());
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(outcome.messages[i].accepted())
        << i << ": " << (outcome.messages[i].error ? outcome.messages[i].error->message : "");
  }
  EXPECT_EQ("queued 1", outcome.messages[0].final_reply->text);
  // Message 1 went once, on the first connection; 2 and 3 on the second.
  EXPECT_EQ(std::string::npos, connections.written[1].find("RCPT TO:<r1@"));
  EXPECT_NE(std::string::npos, connections.written[1].find("RCPT TO:<r2@"));
  EXPECT_NE(std::string::npos, connections.written[1].find("RCPT TO:<r3@"));
}

TEST(Batch, AMessageWhoseDeliveryIsUnknownIsNeverSentAgain) {
  auto first = greeting_with_pipelining();
  first.push_back({envelope_of(1), "250 Ok\r\n250 Ok\r\n354 go\r\n"});
  // Message 1's dot went out with message 2's envelope; then the connection is lost.
  first.push_back({".\r\n" + envelope_of(2), ""});
  auto second = greeting_with_pipelining();
  second.push_back({envelope_of(2), "250 Ok\r\n250 Ok\r\n354 go\r\n"});
  second.push_back({".\r\nQUIT\r\n", "250 queued 2\r\n221 Bye\r\n"});
  RecordingConnections connections({first, second});
  trace::NullSink sink;

  const BatchOutcome outcome =
      send_batch(connections.connect(), cleartext_config(), sink, messages(2), {});

  EXPECT_EQ(2, outcome.connections);
  ASSERT_EQ(2u, outcome.messages.size());
  EXPECT_EQ(smtp::TransactionState::delivery_unknown, outcome.messages[0].state);
  EXPECT_TRUE(outcome.messages[1].accepted());
  EXPECT_EQ(std::string::npos, connections.written[1].find("RCPT TO:<r1@"));
}

TEST(Batch, ARefusedMessageDoesNotStopTheOthersNorTriggerAReconnect) {
  auto script = greeting_with_pipelining();
  script.push_back({envelope_of(1), "250 Ok\r\n550 5.1.1 no such user\r\n554 no recipients\r\n"});
  script.push_back({"RSET\r\n" + envelope_of(2), "250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n"});
  script.push_back({".\r\nQUIT\r\n", "250 queued 2\r\n221 Bye\r\n"});
  RecordingConnections connections({script});
  trace::NullSink sink;

  const BatchOutcome outcome =
      send_batch(connections.connect(), cleartext_config(), sink, messages(2), {});

  EXPECT_EQ(1, outcome.connections);
  EXPECT_EQ(smtp::TransactionState::refused, outcome.messages[0].state);
  EXPECT_TRUE(outcome.messages[1].accepted());
}

}  // namespace
}  // namespace smtpsend::app
