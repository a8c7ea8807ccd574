// One connection, many transactions: each ends in its own outcome, RSET only where a transaction
// ended half-way, the next MAIL in the flight of the previous dot under PIPELINING, and delivery
// unknown as a state of its own (see dialog_runner.hpp for the script format).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dialog_runner.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::contains;
using dialog::DialogRuns;
using dialog::envelope_to;
using dialog::expect_dialog;
using dialog::short_body;

TEST(SessionTransactions, TwoMessagesShareOneConnectionWithoutRset) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok: queued as 1
C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<carol@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok: queued as 2
)" QUIT_AND_CLOSE,
                cleartext_config(),
                {envelope_to({"bob@example.net"}), envelope_to({"carol@example.net"})}, short_body,
                runs);
  const auto& outcomes = runs.whole.outcomes;
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_EQ(TransactionState::accepted, outcomes[0].state);
  ASSERT_TRUE(outcomes[0].final_reply.has_value());
  EXPECT_EQ("Ok: queued as 1", outcomes[0].final_reply->text);
  EXPECT_EQ("bob@example.net", outcomes[0].recipients.at(0).address);
  EXPECT_EQ(TransactionState::accepted, outcomes[1].state);
  ASSERT_TRUE(outcomes[1].final_reply.has_value());
  EXPECT_EQ("Ok: queued as 2", outcomes[1].final_reply->text);
  EXPECT_EQ("carol@example.net", outcomes[1].recipients.at(0).address);
  EXPECT_FALSE(runs.whole.connection_error.has_value());
}

// RFC 5321 §4.1.1.5: a transaction that ended after MAIL and before the dot is still open on the
// server's side; RSET clears it before the next MAIL, and only then.
TEST(SessionTransactions, RsetFollowsATransactionThatEndedBeforeTheDot) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<nobody@example.net>
S: 550 5.1.1 no such user
C: RSET
S: 250 Ok
C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<carol@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok: queued
)" QUIT_AND_CLOSE,
                cleartext_config(),
                {envelope_to({"nobody@example.net"}), envelope_to({"carol@example.net"})},
                short_body, runs);
  const auto& outcomes = runs.whole.outcomes;
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_EQ(TransactionState::refused, outcomes[0].state);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, outcomes[0].error->kind);
  EXPECT_EQ(TransactionState::accepted, outcomes[1].state);
}

TEST(SessionTransactions, NoRsetBeforeQuit) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 451 4.3.0 try later
C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_EQ(TransactionState::refused, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::temporary, runs.whole.outcome.error->kind);
}

TEST(SessionTransactions, UnderPipeliningRsetGoesInTheFlightOfTheNextEnvelope) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<nobody@example.net>
C: DATA
S: 250 Ok
S: 550 5.1.1 no such user
S: 554 5.5.1 no valid recipients
C: RSET
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<carol@example.net>
C: DATA
S: 250 Ok
S: 250 Ok
S: 250 Ok
S: 354 go ahead
)" SHORT_BODY_SENT R"(C: QUIT
S: 250 Ok: queued
S: 221 Bye
-- closed
)",
                cleartext_config(),
                {envelope_to({"nobody@example.net"}), envelope_to({"carol@example.net"})},
                short_body, runs);
  const auto& outcomes = runs.whole.outcomes;
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_EQ(TransactionState::refused, outcomes[0].state);
  EXPECT_EQ(TransactionState::accepted, outcomes[1].state);
  EXPECT_EQ("RSET\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n",
            runs.whole.flights.at(2));
}

// RFC 2920 §3.1: the next transaction's commands may follow the end of a message in its flight;
// each extra message then costs one round trip.
TEST(SessionTransactions, UnderPipeliningTheNextMailGoesInTheFlightOfTheDot) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") MAIL_RCPT_DATA_PIPELINED R"(S: 250 Ok
S: 250 Ok
S: 354 go ahead
)" SHORT_BODY_SENT R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<carol@example.net>
C: DATA
S: 250 Ok: queued as 1
S: 250 Ok
S: 250 Ok
S: 354 go ahead
)" SHORT_BODY_SENT R"(C: QUIT
S: 250 Ok: queued as 2
S: 221 Bye
-- closed
)",
                cleartext_config(),
                {envelope_to({"bob@example.net"}), envelope_to({"carol@example.net"})}, short_body,
                runs);
  const auto& outcomes = runs.whole.outcomes;
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_EQ(TransactionState::accepted, outcomes[0].state);
  EXPECT_EQ("Ok: queued as 1", outcomes[0].final_reply->text);
  EXPECT_EQ(TransactionState::accepted, outcomes[1].state);
  EXPECT_EQ("Ok: queued as 2", outcomes[1].final_reply->text);
  ASSERT_EQ(4u, runs.whole.flights.size());  // EHLO, envelope, dot + envelope, dot + QUIT
  EXPECT_TRUE(runs.whole.flights[2].ends_with(
      ".\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n"))
      << runs.whole.flights[2];
}

// The connection is lost while the first message's dot awaits its reply and the next envelope
// went with it: the first may have been delivered, the second was not sent.
TEST(SessionTransactions, DeliveryUnknownIsAStateAndTheNextMessageIsNotSent) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") MAIL_RCPT_DATA_PIPELINED R"(S: 250 Ok
S: 250 Ok
S: 354 go ahead
)" SHORT_BODY_SENT R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<carol@example.net>
C: DATA
-- lost
-- closed
)",
                cleartext_config(),
                {envelope_to({"bob@example.net"}), envelope_to({"carol@example.net"})}, short_body,
                runs);
  const auto& outcomes = runs.whole.outcomes;
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_EQ(TransactionState::delivery_unknown, outcomes[0].state);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_EQ(ErrorKind::temporary, outcomes[0].error->kind);
  EXPECT_TRUE(contains(outcomes[0].error->message, "delivery state unknown"))
      << outcomes[0].error->message;
  EXPECT_EQ(TransactionState::not_sent, outcomes[1].state);
  ASSERT_TRUE(outcomes[1].error.has_value());
}

TEST(SessionTransactions, AReplyToTheDotThatIsNeither250NorARefusalLeavesDeliveryUnknown) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 221 closing
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_EQ(TransactionState::delivery_unknown, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::protocol, runs.whole.outcome.error->kind);
}

TEST(SessionTransactions, ARefusedDotIsRefusedNotUnknown) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 554 5.7.1 spam
C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<carol@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(),
                {envelope_to({"bob@example.net"}), envelope_to({"carol@example.net"})}, short_body,
                runs);
  const auto& outcomes = runs.whole.outcomes;
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_EQ(TransactionState::refused, outcomes[0].state);
  EXPECT_EQ(ErrorKind::unavailable, outcomes[0].error->kind);
  EXPECT_EQ(TransactionState::accepted, outcomes[1].state);
}

// A message the server has said it cannot take is refused before MAIL; the connection serves the
// next one, with no RSET since nothing was started.
TEST(SessionTransactions, AnEnvelopeRefusedBeforeMailEndsOnlyItsOwnTransaction) {
  Envelope eight_bit = envelope_to({"bob@example.net"});
  eight_bit.body_8bit_required = true;
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<carol@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(), {eight_bit, envelope_to({"carol@example.net"})}, short_body,
                runs);
  const auto& outcomes = runs.whole.outcomes;
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_EQ(TransactionState::not_sent, outcomes[0].state);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_EQ(ErrorKind::data, outcomes[0].error->kind);
  EXPECT_TRUE(contains(outcomes[0].error->message, "8BITMIME"));
  EXPECT_EQ(TransactionState::accepted, outcomes[1].state);
}

TEST(SessionTransactions, AFailureBeforeAnyTransactionIsTheSessionsOwn) {
  DialogRuns runs;
  expect_dialog(R"(
S: 554 5.7.1 go away
C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcomes.empty());
  ASSERT_TRUE(runs.whole.connection_error.has_value());
  EXPECT_EQ(ErrorKind::unavailable, runs.whole.connection_error->kind);
  EXPECT_EQ(TransactionState::not_sent, runs.whole.outcome.state);
}

TEST(SessionTransactions, StartingATransactionWhenNotReadyIsAnInternalError) {
  trace::NullSink sink;
  Session session(cleartext_config(), sink);
  session.start_transaction(envelope_to({"bob@example.net"}));
  EXPECT_EQ(Step::finished, session.next_step());
  ASSERT_TRUE(session.error().has_value());
  EXPECT_EQ(ErrorKind::internal, session.error()->kind);
}

// RFC 5321 §4.5.3.1.10: 452 past the server's recipient limit defers the recipient to a further
// transaction; the message goes to those accepted.
TEST(SessionTransactions, A452PastTheRecipientLimitDefersTheRestAndSendsToTheAccepted) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
C: RCPT TO:<dave@example.net>
C: DATA
S: 250 Ok
S: 250 Ok
S: 452 4.5.3 too many recipients
S: 452 4.5.3 too many recipients
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok: queued
)" QUIT_AND_CLOSE,
                cleartext_config(),
                envelope_to({"bob@example.net", "carol@example.net", "dave@example.net"}),
                short_body, runs);
  const TransactionOutcome& outcome = runs.whole.outcome;
  EXPECT_TRUE(outcome.accepted());
  EXPECT_EQ((std::vector<std::string>{"carol@example.net", "dave@example.net"}),
            outcome.deferred_recipients());
  EXPECT_TRUE(outcome.warnings.empty());
}

// A plain 452 (no enhanced code) after an accepted recipient is the limit too; a 452 to the first
// is a temporary refusal (the server is short of storage), not a limit.
TEST(SessionTransactions, APlain452AfterAnAcceptedRecipientIsTheLimit) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
C: RCPT TO:<carol@example.net>
S: 452 too many
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok: queued
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope_to({"bob@example.net", "carol@example.net"}),
                short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_EQ(std::vector<std::string>{"carol@example.net"},
            runs.whole.outcome.deferred_recipients());
}

TEST(SessionTransactions, A452ToTheFirstRecipientIsATemporaryRefusal) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 452 4.3.1 insufficient system storage
C: RCPT TO:<carol@example.net>
S: 250 Ok
C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net", "carol@example.net"}),
                short_body, runs);
  EXPECT_EQ(TransactionState::refused, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::temporary, runs.whole.outcome.error->kind);
  EXPECT_TRUE(runs.whole.outcome.deferred_recipients().empty());
}

}  // namespace
}  // namespace smtpsend::smtp
