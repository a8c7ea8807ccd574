// The driver that pumps bytes between a session and a transport, against a scripted transport:
// what it writes, when it looks for replies, and how it ends when the message stream fails.

#include "app/deliver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scripted_transport.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {
namespace {

using std::chrono::milliseconds;

using testing::ScriptedTransport;

smtp::SessionConfig cleartext_config() {
  smtp::SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = TlsMode::none;
  return config;
}

smtp::Envelope envelope() {
  smtp::Envelope envelope;
  envelope.mail_from = "alice@example.org";
  envelope.recipients = {"bob@example.net"};
  return envelope;
}

// The good path up to DATA's 354, without PIPELINING.
std::vector<ScriptedTransport::Turn> up_to_354() {
  return {{"", "220 mx.example.net ESMTP\r\n"},
          {"EHLO", "250 mx.example.net\r\n"},
          {"MAIL FROM", "250 2.1.0 Ok\r\n"},
          {"RCPT TO", "250 2.1.5 Ok\r\n"},
          {"DATA\r\n", "354 go ahead\r\n"}};
}

// A message of `lines` numbered lines, handed out one line per chunk.
MessageChunks numbered_lines(int lines) {
  return [lines, next = 0](std::string& chunk) mutable {
    if (next == lines) {
      return false;
    }
    chunk = "line " + std::to_string(next++) + " of a message long enough to need many writes\n";
    return true;
  };
}

bool ends_the_message(std::string_view written) {
  return written.find("\r\n.\r\n") != std::string_view::npos;
}

TEST(Deliver, AnEarly250InTheMiddleOfTheBodyStopsItBeforeTheDot) {
  auto turns = up_to_354();
  turns.push_back({"line 100 ", "250 2.0.0 Ok: queued early\r\n"});
  turns.push_back({"\r\n.\r\n", "554 5.7.1 refused after all\r\n"});
  ScriptedTransport transport(std::move(turns));
  trace::NullSink sink;
  smtp::Session session(cleartext_config(), sink);

  const smtp::TransactionOutcome outcome =
      deliver(transport, session, envelope(), numbered_lines(20000), {});

  EXPECT_FALSE(outcome.accepted());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::protocol, outcome.error->kind);
  EXPECT_NE(std::string::npos, outcome.error->message.find("before the end of the message"))
      << outcome.error->message;
  EXPECT_FALSE(ends_the_message(transport.written));
  EXPECT_EQ(std::string::npos, transport.written.find("line 19999 "));
  EXPECT_TRUE(transport.closed);
}

TEST(Deliver, AReplyThatComesJustBeforeTheDotIsSeenBeforeTheDotIsWritten) {
  // A short message goes out in one write with its dot; a reply that is already there when the
  // body ends was sent before the dot, so it cannot be the reply to it.
  auto turns = up_to_354();
  turns.back().reply += "250 2.0.0 Ok: queued early\r\n";
  ScriptedTransport transport(std::move(turns));
  trace::NullSink sink;
  smtp::Session session(cleartext_config(), sink);

  const smtp::TransactionOutcome outcome =
      deliver(transport, session, envelope(), numbered_lines(3), {});

  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::protocol, outcome.error->kind);
  EXPECT_FALSE(ends_the_message(transport.written));
}

TEST(Deliver, AnUndisturbedMessageIsDelivered) {
  auto turns = up_to_354();
  turns.push_back({"\r\n.\r\n", "250 2.0.0 Ok: queued\r\n"});
  turns.push_back({"QUIT\r\n", "221 2.0.0 Bye\r\n"});
  ScriptedTransport transport(std::move(turns));
  trace::NullSink sink;
  smtp::Session session(cleartext_config(), sink);

  const smtp::TransactionOutcome outcome =
      deliver(transport, session, envelope(), numbered_lines(20000), {});

  EXPECT_TRUE(outcome.accepted()) << (outcome.error ? outcome.error->message : "");
  EXPECT_NE(std::string::npos, transport.written.find("line 19999 "));
  EXPECT_TRUE(ends_the_message(transport.written));
}

// The message stream fails part way (a NUL byte found mid-body, 8-bit data for a server without
// 8BITMIME): the connection is closed without the final dot, and the error is the stream's own.
TEST(Deliver, AMessageStreamFailureClosesWithoutTheDotAndKeepsItsError) {
  ScriptedTransport transport(up_to_354());
  trace::NullSink sink;
  smtp::Session session(cleartext_config(), sink);
  const std::string failure_text = "the message contains a NUL byte in line 2; remove it";
  int chunks = 0;
  const MessageChunks failing = [&](std::string& chunk) -> bool {
    if (chunks++ == 2) {
      throw Failure(ErrorKind::data, failure_text);
    }
    chunk = "line\n";
    return true;
  };

  const smtp::TransactionOutcome outcome = deliver(transport, session, envelope(), failing, {});

  EXPECT_FALSE(outcome.accepted());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, outcome.error->kind);
  EXPECT_TRUE(outcome.error->message.starts_with(failure_text)) << outcome.error->message;
  EXPECT_NE(std::string::npos, outcome.error->message.find("the message was not sent"))
      << outcome.error->message;
  EXPECT_FALSE(ends_the_message(transport.written));
  EXPECT_EQ(std::string::npos, transport.written.find("QUIT"));
  EXPECT_TRUE(transport.closed);
}

// An I/O error of the message stream (standard input unreadable) is ours, not the server's: the
// driver must not go looking for a parting reply as it does when a write to the server fails.
TEST(Deliver, AnIoFailureOfTheMessageStreamIsNotTakenForALostConnection) {
  ScriptedTransport transport(up_to_354());
  trace::NullSink sink;
  smtp::Session session(cleartext_config(), sink);
  int reads_when_failed = -1;
  const MessageChunks failing = [&](std::string& /*chunk*/) -> bool {
    reads_when_failed = transport.reads;
    throw Failure(ErrorKind::io, "cannot read standard input: Input/output error");
  };

  const smtp::TransactionOutcome outcome = deliver(transport, session, envelope(), failing, {});

  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::io, outcome.error->kind);
  EXPECT_TRUE(outcome.error->message.starts_with("cannot read standard input"));
  EXPECT_EQ(reads_when_failed, transport.reads);
  EXPECT_FALSE(ends_the_message(transport.written));
  EXPECT_TRUE(transport.closed);
}

// RFC 5321 §4.5.3.1.10: the recipients past the server's limit (452) get the same bytes in a
// further transaction on the same connection, read back from the spool.
TEST(Deliver, RecipientsPastTheServersLimitGetTheSameMessageInAFurtherTransaction) {
  ScriptedTransport transport({{"", "220 mx.example.net ESMTP\r\n"},
                               {"EHLO", "250 mx.example.net\r\n"},
                               {"MAIL FROM", "250 2.1.0 Ok\r\n"},
                               {"RCPT TO:<bob@", "250 2.1.5 Ok\r\n"},
                               {"RCPT TO:<carol@", "250 2.1.5 Ok\r\n"},
                               {"RCPT TO:<dave@", "452 4.5.3 too many recipients\r\n"},
                               {"DATA\r\n", "354 go ahead\r\n"},
                               {"\r\n.\r\n", "250 2.0.0 Ok: queued as 1\r\n"},
                               {"MAIL FROM", "250 2.1.0 Ok\r\n"},
                               {"RCPT TO:<dave@", "250 2.1.5 Ok\r\n"},
                               {"DATA\r\n", "354 go ahead\r\n"},
                               {"\r\n.\r\n", "250 2.0.0 Ok: queued as 2\r\n"},
                               {"QUIT\r\n", "221 2.0.0 Bye\r\n"}});
  trace::NullSink sink;
  smtp::Session session(cleartext_config(), sink);
  smtp::Envelope three = envelope();
  three.recipients = {"bob@example.net", "carol@example.net", "dave@example.net"};

  const smtp::TransactionOutcome outcome =
      deliver(transport, session, three, numbered_lines(3000), {});

  EXPECT_TRUE(outcome.accepted()) << (outcome.error ? outcome.error->message : "");
  ASSERT_EQ(3u, outcome.recipients.size());
  for (const auto& recipient : outcome.recipients) {
    EXPECT_TRUE(recipient.accepted) << recipient.address;
  }
  EXPECT_EQ("dave@example.net", outcome.recipients[2].address);
  ASSERT_TRUE(outcome.final_reply.has_value());
  EXPECT_EQ("Ok: queued as 2", outcome.final_reply->text);
  // The same bytes both times, and no RSET: the first transaction ended with its dot.
  const std::string& written = transport.written;
  const auto first = written.find("DATA\r\n") + 6;
  const auto first_end = written.find("\r\n.\r\n", first);
  const auto second = written.find("DATA\r\n", first_end) + 6;
  const auto second_end = written.find("\r\n.\r\n", second);
  ASSERT_NE(std::string::npos, second_end);
  EXPECT_GT(first_end - first, 100000u);
  EXPECT_EQ(written.substr(first, first_end - first), written.substr(second, second_end - second));
  EXPECT_EQ(std::string::npos, written.find("RSET"));
}

// The connection is lost in the transaction for the recipients past the limit: the message was
// delivered to the others, and the error says so.
TEST(Deliver, AFailureAfterTheFirstTransactionSaysWhoHasTheMessage) {
  ScriptedTransport transport({{"", "220 mx.example.net ESMTP\r\n"},
                               {"EHLO", "250 mx.example.net\r\n"},
                               {"MAIL FROM", "250 2.1.0 Ok\r\n"},
                               {"RCPT TO:<bob@", "250 2.1.5 Ok\r\n"},
                               {"RCPT TO:<carol@", "452 4.5.3 too many recipients\r\n"},
                               {"DATA\r\n", "354 go ahead\r\n"},
                               {"\r\n.\r\n", "250 2.0.0 Ok: queued as 1\r\n"}});
  trace::NullSink sink;
  smtp::Session session(cleartext_config(), sink);
  smtp::Envelope two = envelope();
  two.recipients = {"bob@example.net", "carol@example.net"};

  const smtp::TransactionOutcome outcome = deliver(transport, session, two, numbered_lines(3), {});

  EXPECT_FALSE(outcome.accepted());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::io, outcome.error->kind);
  EXPECT_NE(std::string::npos, outcome.error->message.find("connection lost while waiting for "
                                                           "the reply to MAIL FROM"))
      << outcome.error->message;
  EXPECT_NE(std::string::npos,
            outcome.error->message.find("the message was delivered to 1 recipient(s) before"))
      << outcome.error->message;
  ASSERT_EQ(2u, outcome.recipients.size());
  EXPECT_TRUE(outcome.recipients[0].accepted);
}

}  // namespace
}  // namespace smtpsend::app
