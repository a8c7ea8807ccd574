// Per-recipient results and the "nothing half-sent" policy: when any recipient is refused, no
// message goes to anyone.

#include <gtest/gtest.h>

#include "dialog_runner.hpp"
#include "smtp/reply.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::contains;
using dialog::DialogRuns;
using dialog::envelope_to;
using dialog::expect_dialog;
using dialog::short_body;

const std::vector<std::string> three_recipients = {"bob@example.net", "carol@example.net",
                                                   "dave@example.net"};

TEST(SessionRecipients, OneRefusedAmongSeveralSendsNoDataAndNamesTheAddress) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
C: RCPT TO:<carol@example.net>
S: 550 5.1.1 <carol@example.net>: Recipient address rejected: User unknown
C: RCPT TO:<dave@example.net>
S: 250 Ok
C: QUIT
-- closed
)",
                cleartext_config(), envelope_to(three_recipients), short_body, runs);
  const TransactionOutcome& outcome = runs.whole.outcome;
  EXPECT_FALSE(outcome.accepted());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, outcome.error->kind);
  EXPECT_EQ(
      "the server refused 1 of 3 recipients, so no message was sent to anyone:\n"
      "  <carol@example.net>: 550 5.1.1 <carol@example.net>: Recipient address rejected: User "
      "unknown",
      outcome.error->message);
  ASSERT_TRUE(outcome.error->reply.has_value());
  EXPECT_EQ(550, outcome.error->reply->code);
  EXPECT_EQ("5.1.1", outcome.error->reply->enhanced);
  ASSERT_EQ(3u, outcome.recipients.size());
  EXPECT_TRUE(outcome.recipients[0].accepted);
  EXPECT_FALSE(outcome.recipients[1].accepted);
  EXPECT_EQ("carol@example.net", outcome.recipients[1].address);
  EXPECT_TRUE(outcome.recipients[2].accepted);
}

TEST(SessionRecipients, PipelinedRefusalAfter354AbandonsWithoutTheDot) {
  DialogRuns runs;
  // RFC 5321 §4.1.1.4: closing the connection before the final dot discards the transaction.
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
C: RCPT TO:<dave@example.net>
C: DATA
S: 250 Ok
S: 250 Ok
S: 550 5.1.1 no such user
S: 250 Ok
S: 354 go ahead
-- closed
)",
                cleartext_config(), envelope_to(three_recipients), short_body, runs);
  const TransactionOutcome& outcome = runs.whole.outcome;
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, outcome.error->kind);
  EXPECT_TRUE(contains(outcome.error->message, "<carol@example.net>: 550 5.1.1 no such user"));
  EXPECT_EQ(3u, outcome.recipients.size());
  EXPECT_TRUE(contains(runs.whole.trace.text(), "closing the connection without the final dot"));
}

TEST(SessionRecipients, PipelinedRefusalWithDataRefusedQuits) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") MAIL_RCPT_DATA_PIPELINED R"(S: 250 Ok
S: 550 5.1.1 no such user
S: 554 5.5.1 Error: no valid recipients
C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, runs.whole.outcome.error->kind);
  EXPECT_EQ(550, runs.whole.outcome.error->reply->code);
}

TEST(SessionRecipients, OnlyTemporaryRefusalsAreATemporaryError) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
C: RCPT TO:<dave@example.net>
C: DATA
S: 250 Ok
S: 450 4.2.0 greylisted
S: 250 Ok
S: 451 4.3.0 try later
S: 354 go ahead
-- closed
)",
                cleartext_config(), envelope_to(three_recipients), short_body, runs);
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::temporary, error->kind);
  EXPECT_TRUE(contains(error->message, "refused 2 of 3 recipients")) << error->message;
  EXPECT_TRUE(contains(error->message, "<bob@example.net>: 450 4.2.0 greylisted"));
  EXPECT_TRUE(contains(error->message, "<dave@example.net>: 451 4.3.0 try later"));
}

TEST(SessionRecipients, MixedTemporaryAndPermanentRefusalsAreRecipientRefused) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 450 4.2.0 greylisted
C: RCPT TO:<carol@example.net>
S: 550 5.1.1 unknown
C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net", "carol@example.net"}),
                short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, runs.whole.outcome.error->kind);
}

TEST(SessionRecipients, AllAcceptedAreRecordedWithTheirReplies) {
  DialogRuns runs;
  expect_dialog(GREETING_AND_EHLO R"(S: 250-mx.example.net
S: 250-ENHANCEDSTATUSCODES
S: 250 PIPELINING
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
C: DATA
S: 250 2.1.0 Ok
S: 250 2.1.5 Ok bob
S: 251 2.1.5 will forward carol
S: 354 go ahead
)" SHORT_BODY_SENT R"(C: QUIT
S: 250 2.0.0 Ok
S: 221 2.0.0 Bye
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net", "carol@example.net"}),
                short_body, runs);
  const TransactionOutcome& outcome = runs.whole.outcome;
  EXPECT_TRUE(outcome.accepted());
  ASSERT_EQ(2u, outcome.recipients.size());
  EXPECT_EQ("Ok bob", outcome.recipients[0].reply.text);
  EXPECT_EQ("2.1.5", outcome.recipients[0].reply.enhanced);
  EXPECT_TRUE(outcome.recipients[1].accepted);
  EXPECT_EQ(251, outcome.recipients[1].reply.code);
}

// A hostile server answers each of many recipients with a huge multi-line refusal: the outcome
// keeps the code, the enhanced code and a bounded piece of each first line, the whole of it is
// bounded too, and the error still names the first refused addresses with their replies.
TEST(SessionRecipients, HugeRefusalsOfManyRecipientsAreKeptBounded) {
  const std::size_t count = 1000;
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < count; ++i) {
    addresses.push_back("r" + std::to_string(i) + "@example.net");
  }
  std::string refusal;
  for (int line = 0; line < 60; ++line) {
    refusal += "550-5.1.1 " + std::string(1000, static_cast<char>('a' + line % 26)) + "\r\n";
  }
  refusal += "550 5.1.1 end\r\n";
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to(addresses), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  for (std::size_t i = 0; i < count; ++i) {
    ASSERT_NE(Step::finished, session.next_step());
    session.receive(refusal);
    session.take_output();
  }
  ASSERT_EQ(Step::finished, session.next_step());
  const TransactionOutcome outcome = session.outcome();
  ASSERT_EQ(count, outcome.recipients.size());
  std::size_t kept = 0;
  for (const auto& recipient : outcome.recipients) {
    EXPECT_EQ(550, recipient.reply.code);
    EXPECT_EQ("5.1.1", recipient.reply.enhanced);
    EXPECT_LE(recipient.reply.text.size(), max_kept_reply_line);
    kept += recipient.reply.text.size();
  }
  EXPECT_LE(kept, max_kept_recipient_replies);
  EXPECT_EQ(std::string(max_kept_reply_line, 'a'), outcome.recipients[0].reply.text);
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, outcome.error->kind);
  const std::string& message = outcome.error->message;
  EXPECT_LE(message.size(), std::size_t{64} * 1024);
  EXPECT_TRUE(contains(message, "refused 1000 of 1000 recipients")) << message.substr(0, 200);
  EXPECT_TRUE(contains(message, "<r0@example.net>: 550 5.1.1 aaaa")) << message.substr(0, 200);
  EXPECT_TRUE(contains(message, "more")) << message.substr(message.size() - 200);
}

TEST(SessionRecipients, AKeptReplyIsNeverCutInsideAUtf8Character) {
  Reply reply{550, "5.1.1", {"5.1.1 " + std::string(max_kept_reply_line - 1, 'x') + "\xc3\xa9"}};
  const ServerReply kept = brief_reply(reply, max_kept_reply_line);
  EXPECT_EQ(std::string(max_kept_reply_line - 1, 'x'), kept.text);
  EXPECT_EQ("5.1.1", kept.enhanced);
}

}  // namespace
}  // namespace smtpsend::smtp
