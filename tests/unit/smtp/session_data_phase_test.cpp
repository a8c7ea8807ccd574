// Replies that arrive after DATA's 354 and before the final dot. Only the reply to the dot can
// accept the message (RFC 5321 §4.1.1.4): a positive or intermediate reply before it is a protocol
// error, after which the dot is never sent; a refusal keeps its meaning.

#include <gtest/gtest.h>

#include "dialog_runner.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::contains;
using dialog::DialogResult;
using dialog::DialogRuns;
using dialog::envelope_to;
using dialog::expect_dialog;
using dialog::short_body;

#define DATA_SENT EHLO_WITHOUT_EXTENSIONS MAIL_RCPT_DATA_LOCKSTEP

#define PIPELINED_DATA_SENT EHLO_OFFERING("PIPELINING") MAIL_RCPT_DATA_PIPELINED

void expect_stopped_before_the_dot(const DialogRuns& runs, std::string_view quoted) {
  for (const DialogResult* run : {&runs.whole, &runs.bytewise}) {
    EXPECT_FALSE(run->outcome.accepted());
    ASSERT_TRUE(run->outcome.error.has_value());
    EXPECT_EQ(ErrorKind::protocol, run->outcome.error->kind);
    const std::string& message = run->outcome.error->message;
    EXPECT_TRUE(contains(message, "replied before the end of the message")) << message;
    EXPECT_TRUE(contains(message, "the message was not sent")) << message;
    EXPECT_TRUE(contains(message, quoted)) << message;
    EXPECT_FALSE(contains(message, "may have been delivered")) << message;
  }
}

TEST(SessionDataPhase, A250InTheSameReadAsThe354IsAProtocolErrorAndNoDotFollows) {
  DialogRuns runs;
  expect_dialog(DATA_SENT "S: 354 go ahead\nS: 250 2.0.0 Ok: queued early\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_stopped_before_the_dot(runs, "250 2.0.0 Ok: queued early");
}

TEST(SessionDataPhase, AnEarly250AfterPipelinedDataIsAProtocolError) {
  DialogRuns runs;
  expect_dialog(PIPELINED_DATA_SENT
                "S: 250 Ok\nS: 250 Ok\nS: 354 go ahead\nS: 250 2.0.0 Ok: queued early\n"
                "-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  expect_stopped_before_the_dot(runs, "250 2.0.0 Ok: queued early");
}

TEST(SessionDataPhase, ASecond354BeforeTheDotIsAProtocolError) {
  DialogRuns runs;
  expect_dialog(DATA_SENT "S: 354 go ahead\nS: 354 go ahead again\n-- closed\n", cleartext_config(),
                envelope_to({"bob@example.net"}), short_body, runs);
  expect_stopped_before_the_dot(runs, "354 go ahead again");
}

TEST(SessionDataPhase, ARefusalBeforeTheDotKeepsItsMeaning) {
  DialogRuns runs;
  expect_dialog(DATA_SENT "S: 354 go ahead\nS: 554 5.7.1 rejected by content filter\n-- closed\n",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::unavailable, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "554 5.7.1 rejected by content filter"));
}

TEST(SessionDataPhase, AnEarly250WhileTheBodyStreamsStopsItBeforeTheDot) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n", "250 Ok\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  session.receive("354 go\r\n");
  session.body("Subject: x\r\n\r\nfirst part");
  session.receive("250 2.0.0 Ok: queued early\r\n");
  EXPECT_EQ(Step::finished, session.next_step());
  EXPECT_EQ("", session.take_output());  // not even the part of the body not yet taken
  // The driver may still call these; they must add nothing, least of all the dot.
  session.body(" second part\r\n");
  session.end_of_body();
  EXPECT_EQ("", session.take_output());
  ASSERT_TRUE(session.outcome().error.has_value());
  EXPECT_EQ(ErrorKind::protocol, session.outcome().error->kind);
  EXPECT_FALSE(session.outcome().accepted());
}

TEST(SessionDataPhase, TheStartOfAReplyBeforeTheEndOfTheBodyKeepsTheDotBack) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n", "250 Ok\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  session.receive("354 go\r\n");
  session.body("Subject: x\r\n\r\nbody\r\n");
  session.take_output();
  session.receive("250 2.0.0 Ok: que");  // the rest would come after the dot
  session.end_of_body();
  EXPECT_EQ(Step::finished, session.next_step());
  EXPECT_EQ("", session.take_output());
  ASSERT_TRUE(session.outcome().error.has_value());
  EXPECT_EQ(ErrorKind::protocol, session.outcome().error->kind);
  EXPECT_TRUE(contains(session.outcome().error->message, "before the end of the message"));
}

}  // namespace
}  // namespace smtpsend::smtp
