// The per-reply time limits the session asks the driver to keep (RFC 5321 §4.5.3.2), and the
// reply count that tells the driver when a new reply's time starts.

#include <gtest/gtest.h>

#include <chrono>

#include "dialog_runner.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::smtp {
namespace {

using std::chrono::minutes;

class SessionTimeLimits : public ::testing::Test {
 protected:
  SessionTimeLimits() : session_(config(), envelope(), trace_) {}

  static SessionConfig config() {
    SessionConfig config;
    config.ehlo_domain = "client.example";
    config.tls = TlsMode::none;
    return config;
  }
  static Envelope envelope() {
    Envelope envelope;
    envelope.mail_from = "alice@example.org";
    envelope.recipients = {"bob@example.net"};
    return envelope;
  }
  // Feeds a server reply and discards what the session writes in answer.
  void server(std::string_view reply) {
    session_.receive(reply);
    session_.take_output();
  }

  trace::NullSink trace_;
  dialog::HandDriven session_;
};

TEST_F(SessionTimeLimits, EachReplyGetsTheLimitTheRfcGivesIt) {
  session_.take_output();
  EXPECT_EQ(minutes(5), session_.reply_time_limit());  // greeting
  server("220 mx.example.net ESMTP\r\n");
  EXPECT_EQ(minutes(5), session_.reply_time_limit());  // EHLO
  server("250 mx.example.net\r\n");
  EXPECT_EQ(minutes(5), session_.reply_time_limit());  // MAIL
  server("250 Ok\r\n");
  EXPECT_EQ(minutes(5), session_.reply_time_limit());  // RCPT
  server("250 Ok\r\n");
  EXPECT_EQ(minutes(2), session_.reply_time_limit());  // DATA
  server("354 go ahead\r\n");
  ASSERT_EQ(Step::need_body, session_.next_step());
  session_.body("Hello.\r\n");
  session_.end_of_body();
  session_.take_output();
  EXPECT_EQ(minutes(10), session_.reply_time_limit());  // the final dot
}

TEST_F(SessionTimeLimits, RepliesAreCountedWhenCompleteNotByteByByte) {
  EXPECT_EQ(0U, session_.replies_received());
  server("220 mx.exa");
  EXPECT_EQ(0U, session_.replies_received());
  server("mple.net ESMTP\r\n");
  EXPECT_EQ(1U, session_.replies_received());
  server("250-mx.example.net\r\n");
  EXPECT_EQ(1U, session_.replies_received());
  server("250 PIPELINING\r\n");
  EXPECT_EQ(2U, session_.replies_received());
}

TEST_F(SessionTimeLimits, PipelinedRepliesEachStartTheirOwnLimit) {
  server("220 mx.example.net ESMTP\r\n");
  server("250-mx.example.net\r\n250 PIPELINING\r\n");
  // MAIL, RCPT and DATA went out in one flight; their replies come in order.
  EXPECT_EQ(minutes(5), session_.reply_time_limit());
  server("250 Ok\r\n250 Ok\r\n");
  EXPECT_EQ(4U, session_.replies_received());
  EXPECT_EQ(minutes(2), session_.reply_time_limit());  // now DATA's
}

}  // namespace
}  // namespace smtpsend::smtp

namespace smtpsend::smtp {
namespace {

// Not a time limit, but the same hand-driven dialog: a server that refuses in the middle of the
// body (then closes) has given the reason the message was not sent.
TEST_F(SessionTimeLimits, AReplyInTheMiddleOfTheBodyIsTheServersRefusal) {
  server("220 mx.example.net ESMTP\r\n");
  server("250 mx.example.net\r\n");
  server("250 Ok\r\n");
  server("250 Ok\r\n");
  server("354 go ahead\r\n");
  ASSERT_EQ(Step::need_body, session_.next_step());
  session_.body("Hello.\r\n");
  session_.receive("554 5.7.1 Message refused by content filter\r\n");
  EXPECT_EQ(Step::finished, session_.next_step());
  const TransactionOutcome outcome = session_.outcome();
  EXPECT_FALSE(outcome.accepted());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::unavailable, outcome.error->kind);
  ASSERT_TRUE(outcome.error->reply.has_value());
  EXPECT_EQ(554, outcome.error->reply->code);
}

}  // namespace
}  // namespace smtpsend::smtp
