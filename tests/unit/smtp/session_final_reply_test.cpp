// The reply to the final dot: only 250 delivers; a lost connection or an odd reply while it is
// awaited leaves the outcome unknown, never "not sent"; under PIPELINING QUIT goes with the dot.

#include <gtest/gtest.h>

#include <string>

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

// A dialog up to the final dot, one command per flight.
#define TO_THE_DOT EHLO_WITHOUT_EXTENSIONS MAIL_RCPT_DATA_LOCKSTEP "S: 354 go\n" SHORT_BODY_SENT

// The same under PIPELINING: QUIT follows the dot in its flight.
#define TO_THE_DOT_PIPELINED  \
  EHLO_OFFERING("PIPELINING") \
  MAIL_RCPT_DATA_PIPELINED "S: 250 Ok\nS: 250 Ok\nS: 354 go\n" SHORT_BODY_SENT "C: QUIT\n"

constexpr std::string_view lost_message =
    "delivery state unknown: the whole message was sent, but no reply to it came (the server "
    "closed the connection); it may have been delivered — check before sending it again";

// Both runs ended with an error of `kind` whose message contains each of `parts`.
void expect_error(const DialogRuns& runs, ErrorKind kind,
                  std::initializer_list<std::string_view> parts) {
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    EXPECT_FALSE(run->outcome.accepted());
    ASSERT_TRUE(run->outcome.error.has_value());
    EXPECT_EQ(kind, run->outcome.error->kind) << run->outcome.error->message;
    for (const auto part : parts) {
      EXPECT_TRUE(contains(run->outcome.error->message, part)) << run->outcome.error->message;
    }
    EXPECT_FALSE(contains(run->outcome.error->message, "not sent")) << run->outcome.error->message;
    EXPECT_EQ("finished", run->final_state);
  }
}

void expect_delivered(const DialogRuns& runs) {
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    EXPECT_TRUE(run->outcome.accepted());
    EXPECT_FALSE(run->outcome.error.has_value()) << run->outcome.error->message;
  }
}

// ---- only 250 confirms the message (RFC 5321 §4.1.1.4) ------------------------------------------

TEST(SessionFinalReply, OtherSuccessCodeIsAProtocolErrorWithTheOutcomeUnknown) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT "S: 221 2.0.0 closing\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::protocol,
               {"did not confirm the message with 250", "221 2.0.0 closing",
                "may or may not have been delivered", "check before sending it again"});
  ASSERT_TRUE(runs.whole.outcome.error->reply.has_value());
  EXPECT_EQ(221, runs.whole.outcome.error->reply->code);
}

TEST(SessionFinalReply, IntermediateCodeIsAProtocolErrorWithTheOutcomeUnknown) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT "S: 354 go on\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::protocol,
               {"did not confirm the message with 250", "may or may not have been delivered"});
}

TEST(SessionFinalReply, OtherSuccessCodeUnderPipeliningIsAProtocolErrorToo) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 251 2.0.0 will do\nS: 221 Bye\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::protocol, {"did not confirm the message with 250", "251"});
}

// ---- the connection lost, or garbage, while the reply is awaited ------------------------------

TEST(SessionFinalReply, ConnectionLostAtTheDotLeavesTheOutcomeUnknown) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT "-- lost\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::temporary, {});
  EXPECT_EQ(lost_message, runs.whole.outcome.error->message);
  EXPECT_FALSE(runs.whole.outcome.error->reply.has_value());
}

TEST(SessionFinalReply, ConnectionLostAtThePipelinedDotLeavesTheOutcomeUnknown) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "-- lost\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::temporary, {});
  EXPECT_EQ(lost_message, runs.whole.outcome.error->message);
}

TEST(SessionFinalReply, GarbageAtTheDotSaysTheMessageMayHaveBeenDelivered) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT "S: HTTP/1.1 400 Bad Request\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(
      runs, ErrorKind::protocol,
      {"delivery state unknown", "after the message was sent, before the server confirmed it",
       "may have been delivered — check before sending it again"});
}

TEST(SessionFinalReply, AwaitingFinalReplyOnlyBetweenTheDotAndItsReply) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n", "250 Ok\r\n"}) {
    EXPECT_FALSE(session.awaiting_final_reply()) << session.state_name();
    session.receive(reply);
    session.take_output();
  }
  session.receive("354 go\r\n");
  session.body("Subject: x\r\n\r\nbody\r\n");
  session.take_output();
  EXPECT_FALSE(session.awaiting_final_reply());
  session.end_of_body();
  EXPECT_TRUE(session.awaiting_final_reply());
  EXPECT_EQ(".\r\n", session.take_output());
  EXPECT_TRUE(session.awaiting_final_reply());
  session.receive("250 2.0.0");
  EXPECT_TRUE(session.awaiting_final_reply()) << "a partial reply is not the reply";
  session.receive(" Ok\r\n");
  EXPECT_FALSE(session.awaiting_final_reply());
  EXPECT_EQ("QUIT\r\n", session.take_output());
  EXPECT_TRUE(session.outcome().accepted());
}

TEST(SessionFinalReply, NotAwaitingFinalReplyAfterTheSessionEndsAtTheDot) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n", "250 Ok\r\n", "354 go\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  session.end_of_body();
  session.take_output();
  ASSERT_TRUE(session.awaiting_final_reply());
  session.connection_lost("timed out");
  EXPECT_FALSE(session.awaiting_final_reply());
  EXPECT_EQ(Step::finished, session.next_step());
}

// ---- 552 at the dot: the message is too large (RFC 5321 §4.5.3.1.10) --------------------------

TEST(SessionFinalReply, TooLargeAtTheDotIsADataError) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT "S: 552 5.3.4 Message size exceeds fixed limit\nC: QUIT\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, runs.whole.outcome.error->kind);
  EXPECT_EQ(
      "the server says the message is too large (it refused the end of the message): 552 5.3.4 "
      "Message size exceeds fixed limit; the message was not delivered. Make the message (or its "
      "attachments) smaller",
      runs.whole.outcome.error->message);
}

// ---- QUIT in the flight of the final dot under PIPELINING (RFC 2920 §3.1) ---------------------

TEST(SessionFinalReply, PipeliningSendsQuitInTheFlightOfTheDot) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250-mx\r\n250 PIPELINING\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  session.receive("250 Ok\r\n250 Ok\r\n354 go\r\n");
  ASSERT_EQ(Step::need_body, session.next_step());
  session.body("Subject: x\r\n\r\nno line end at the end");
  session.take_output();
  session.end_of_body();
  EXPECT_EQ("\r\n.\r\nQUIT\r\n", session.take_output());
  EXPECT_TRUE(session.awaiting_final_reply());
  // Both replies in one read: the dot's first, then QUIT's.
  session.receive("250 2.0.0 Ok: queued\r\n221 2.0.0 Bye\r\n");
  EXPECT_TRUE(session.outcome().accepted());
  EXPECT_FALSE(session.outcome().error.has_value());
  EXPECT_EQ(Step::finished, session.next_step());
  EXPECT_EQ("", session.take_output()) << "QUIT must not be sent twice";
}

TEST(SessionFinalReply, PipelinedQuitThenBothRepliesInOrder) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 250 2.0.0 Ok: queued\nS: 221 2.0.0 Bye\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_delivered(runs);
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    ASSERT_FALSE(run->flights.empty());
    EXPECT_TRUE(run->flights.back().ends_with(".\r\nQUIT\r\n")) << run->flights.back();
  }
  EXPECT_TRUE(contains(runs.whole.trace.text(), "C  .\nC  QUIT\nS  250 2.0.0 Ok: queued\n"))
      << runs.whole.trace.text();
}

TEST(SessionFinalReply, WithoutPipeliningQuitWaitsForTheReplyToTheDot) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT "S: 250 Ok\nC: QUIT\nS: 221 Bye\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_delivered(runs);
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    ASSERT_FALSE(run->flights.empty());
    EXPECT_EQ("QUIT\r\n", run->flights.back());
  }
}

TEST(SessionFinalReply, PipelinedQuitRefusedChangesNothing) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 250 Ok\nS: 500 5.5.1 what?\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_delivered(runs);
}

TEST(SessionFinalReply, PipelinedQuitUnansweredChangesNothing) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 250 Ok\n-- lost\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_delivered(runs);
}

TEST(SessionFinalReply, PipelinedQuitAnsweredWith421ChangesNothing) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 250 Ok\nS: 421 4.3.2 shutting down\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_delivered(runs);
}

// Found by tests/fuzz/session_fuzz: a malformed QUIT reply used to set an error beside delivered.
TEST(SessionFinalReply, MalformedQuitReplyAfterDeliveryChangesNothing) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 250 Ok\nS: garbage\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_delivered(runs);
}

TEST(SessionFinalReply, PipelinedDotRefusedSendsNoSecondQuit) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 554 5.7.1 spam\nS: 221 Bye\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::unavailable, {"554 5.7.1 spam"});
}

TEST(SessionFinalReply, PipelinedDotRefusedTemporarilyIsTemporary) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 451 4.3.0 queue full\nS: 221 Bye\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::temporary, {"451 4.3.0 queue full"});
}

TEST(SessionFinalReply, PipelinedDotTooLargeIsADataError) {
  DialogRuns runs;
  expect_dialog(TO_THE_DOT_PIPELINED "S: 552 5.3.4 too big\nS: 221 Bye\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_error(runs, ErrorKind::data, {"the server says the message is too large"});
}

}  // namespace
}  // namespace smtpsend::smtp
