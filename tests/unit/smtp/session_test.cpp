// The SMTP dialog, driven by scripted server replies (see dialog_runner.hpp for the format).

#include "smtp/session.hpp"

#include <gtest/gtest.h>

#include "dialog_runner.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::contains;
using dialog::DialogRuns;
using dialog::envelope_to;
using dialog::expect_dialog;
using dialog::short_body;

TEST(Session, PlainSendWithoutExtensions) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 2.1.0 Ok
C: RCPT TO:<bob@example.net>
S: 250 2.1.5 Ok
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
)" SHORT_BODY_SENT R"(S: 250 2.0.0 Ok: queued as 4AB12
C: QUIT
S: 221 2.0.0 Bye
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  const TransactionOutcome& outcome = runs.whole.outcome;
  EXPECT_TRUE(outcome.accepted());
  EXPECT_FALSE(outcome.error.has_value());
  ASSERT_EQ(1u, outcome.recipients.size());
  EXPECT_EQ("bob@example.net", outcome.recipients[0].address);
  EXPECT_TRUE(outcome.recipients[0].accepted);
  EXPECT_EQ(250, outcome.recipients[0].reply.code);
  EXPECT_EQ("finished", runs.whole.final_state);
}

TEST(Session, WithoutPipeliningEachCommandIsItsOwnFlight) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
C: RCPT TO:<carol@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope_to({"bob@example.net", "carol@example.net"}),
                short_body, runs);
  const auto& flights = runs.whole.flights;
  ASSERT_GE(flights.size(), 5u);
  EXPECT_EQ("EHLO client.example\r\n", flights[0]);
  EXPECT_EQ("MAIL FROM:<alice@example.org>\r\n", flights[1]);
  EXPECT_EQ("RCPT TO:<bob@example.net>\r\n", flights[2]);
  EXPECT_EQ("RCPT TO:<carol@example.net>\r\n", flights[3]);
  EXPECT_EQ("DATA\r\n", flights[4]);
}

const char* const pipelined_dialog = EHLO_OFFERING("PIPELINING") R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
C: DATA
S: 250 2.1.0 Ok
S: 250 2.1.5 Ok
S: 250 2.1.5 Ok
S: 354 End data with <CR><LF>.<CR><LF>
)" SHORT_BODY_SENT R"(C: QUIT
S: 250 2.0.0 Ok: queued
S: 221 2.0.0 Bye
-- closed
)";

TEST(Session, PipeliningSendsMailRcptsAndDataAsOneFlight) {
  DialogRuns runs;
  expect_dialog(pipelined_dialog, cleartext_config(),
                envelope_to({"bob@example.net", "carol@example.net"}), short_body, runs);
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    ASSERT_GE(run->flights.size(), 2u);
    EXPECT_EQ(
        "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n"
        "RCPT TO:<carol@example.net>\r\nDATA\r\n",
        run->flights[1]);
    EXPECT_TRUE(run->outcome.accepted());
    EXPECT_EQ(2u, run->outcome.recipients.size());
  }
}

TEST(Session, PipelinedRepliesMayArriveOneAtATime) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") MAIL_RCPT_DATA_PIPELINED R"(S: 250 Ok
-- lost
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::io, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "reply to RCPT TO"))
      << runs.whole.outcome.error->message;
}

const char* const starttls_dialog = GREETING_AND_EHLO R"(S: 250-mx.example.net
S: 250-PIPELINING
S: 250-SIZE 1000000
S: 250 STARTTLS
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
-- tls
C: EHLO client.example
S: 250-mx.example.net
S: 250 8BITMIME
)" MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE;

TEST(Session, StartTlsThenEhloAgainWithCapabilitiesForgotten) {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::starttls;
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.size = 500;
  DialogRuns runs;
  // PIPELINING and SIZE were offered only before TLS: afterwards the envelope goes one command
  // per flight and MAIL carries no SIZE= (RFC 3207 §4.2).
  expect_dialog(starttls_dialog, config, envelope, short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_FALSE(runs.whole.capabilities.pipelining);
  EXPECT_FALSE(runs.whole.capabilities.starttls);
  EXPECT_FALSE(runs.whole.capabilities.size.has_value());
  EXPECT_TRUE(runs.whole.capabilities.eightbitmime);
}

TEST(Session, TraceMarksLinesAfterStartTlsAsInsideTls) {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::starttls;
  DialogRuns runs;
  expect_dialog(starttls_dialog, config, envelope_to({"bob@example.net"}), short_body, runs);
  const std::string trace = runs.whole.trace.text();
  EXPECT_TRUE(contains(trace, "C  STARTTLS\nS  220 2.0.0 Ready to start TLS\n")) << trace;
  EXPECT_TRUE(contains(trace, "C~ EHLO client.example\nS~ 250-mx.example.net\n")) << trace;
  EXPECT_TRUE(contains(trace, "C~ MAIL FROM:<alice@example.org>\n")) << trace;
  EXPECT_TRUE(contains(trace, "C~ Hello.\nI  state body -> dot\nC~ .\n")) << trace;
}

TEST(Session, StartTlsRequiredButNotOfferedIsRefusedBeforeMail) {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::starttls;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: QUIT
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::permission, error->kind);
  EXPECT_TRUE(contains(error->message, "does not offer STARTTLS")) << error->message;
  EXPECT_TRUE(contains(error->message, "--tls=none")) << error->message;
}

TEST(Session, StartTlsRequiredAfterHeloFallbackIsRefused) {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::starttls;
  DialogRuns runs;
  expect_dialog(R"(
S: 220 old.example.net SMTP
C: EHLO client.example
S: 502 5.5.2 Command not implemented
C: HELO client.example
S: 250 old.example.net
C: QUIT
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::permission, runs.whole.outcome.error->kind);
}

TEST(Session, DataInjectedAfterStartTlsReplyIsAProtocolError) {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::starttls;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("STARTTLS") R"(C: STARTTLS
S: 220 Ready to start TLS
S: 250-evil.example
S: 250 AUTH PLAIN
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::protocol, runs.whole.outcome.error->kind);
  EXPECT_EQ(ErrorKind::protocol, runs.bytewise.outcome.error->kind);
}

TEST(Session, ImplicitTlsNeverSendsStartTlsAndTracesEverythingAsTls) {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::smtps;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("STARTTLS") MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                config, envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  for (const auto& line : runs.whole.trace.lines) {
    if (line.direction != trace::Direction::info) {
      EXPECT_TRUE(line.in_tls) << line.text;
    }
  }
}

TEST(Session, TlsNoneIgnoresAnOfferedStartTls) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("STARTTLS") MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(Session, HeloFallbackWhenEhloIsNotRecognized) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.size = 100;
  envelope.body_8bit = true;
  DialogRuns runs;
  expect_dialog(R"(
S: 220 old.example.net SMTP
C: EHLO client.example
S: 500 5.5.1 Command unrecognized: "EHLO client.example"
C: HELO client.example
S: 250 old.example.net
)" MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope, short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_FALSE(runs.whole.capabilities.esmtp);
}

TEST(Session, NullReversePathAndMailParametersWhenOffered) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.mail_from = "";
  envelope.size = 1234;
  envelope.body_8bit = true;
  envelope.smtputf8 = true;
  DialogRuns runs;
  expect_dialog(GREETING_AND_EHLO R"(S: 250-mx.example.net
S: 250-SIZE 10000
S: 250-8BITMIME
S: 250 SMTPUTF8
C: MAIL FROM:<> SIZE=1234 BODY=8BITMIME SMTPUTF8
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope, short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(Session, SizeZeroMeansNoLimitButSizeIsStillAnnounced) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.size = 5000000;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("SIZE 0") R"(C: MAIL FROM:<alice@example.org> SIZE=5000000
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope, short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(Session, MessageOverTheSizeLimitIsRefusedBeforeMail) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.size = 20000;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("SIZE 10000") R"(C: QUIT
-- closed
)",
                cleartext_config(), envelope, short_body, runs);
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::data, error->kind);
  EXPECT_TRUE(contains(error->message, "20000")) << error->message;
  EXPECT_TRUE(contains(error->message, "10000")) << error->message;
}

TEST(Session, Smtputf8NeededButNotOfferedIsRefusedBeforeMail) {
  Envelope envelope = envelope_to({"bjørn@example.net"});
  envelope.smtputf8 = true;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("8BITMIME") R"(C: QUIT
-- closed
)",
                cleartext_config(), envelope, short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "SMTPUTF8"));
}

TEST(Session, EightBitBodyWithoutEightBitMimeSendsNoBodyParameter) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.body_8bit = true;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("DSN") R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
-- lost
-- closed
)",
                cleartext_config(), envelope, short_body, runs);
}

TEST(Session, UnsolicitedReplyIsAProtocolError) {
  DialogRuns runs;
  expect_dialog(R"(
S: 220 mx.example.net ESMTP
S: 250 surprise
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::protocol, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "250 surprise"));
}

TEST(Session, GarbageFromTheServerIsAProtocolErrorWithoutQuit) {
  DialogRuns runs;
  expect_dialog(GREETING_AND_EHLO R"(S: HTTP/1.1 400 Bad Request
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::protocol, runs.whole.outcome.error->kind);
}

TEST(Session, ConnectionLostAfterDeliveryKeepsTheMessageDelivered) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
C: QUIT
-- lost
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_FALSE(runs.whole.outcome.error.has_value());
}

TEST(Session, FailedQuitAfterDeliveryChangesNothing) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS MAIL_RCPT_DATA_LOCKSTEP R"(S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
C: QUIT
S: 500 what?
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_FALSE(runs.whole.outcome.error.has_value());
}

TEST(Session, NoRecipientsIsAUsageErrorAndNothingIsSent) {
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({}), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::usage, runs.whole.outcome.error->kind);
}

TEST(Session, AddressWithALineEndIsRefusedBeforeMail) {
  DialogRuns runs;
  // Otherwise "\r\nRCPT TO:<...>" inside an address would smuggle in a command.
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net>\r\nRCPT TO:<eve@example.com"}),
                short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "\\x0d\\x0a"))
      << runs.whole.outcome.error->message;
}

TEST(Session, StateChangesAreTraced) {
  DialogRuns runs;
  expect_dialog(pipelined_dialog, cleartext_config(),
                envelope_to({"bob@example.net", "carol@example.net"}), short_body, runs);
  const std::string trace = runs.whole.trace.text();
  EXPECT_TRUE(contains(trace, "I  state greeting -> ehlo\n")) << trace;
  EXPECT_TRUE(contains(trace, "I  state data -> body\n")) << trace;
  EXPECT_TRUE(contains(trace, "I  state dot -> quit\n")) << trace;
}

TEST(Session, StartsWaitingForTheGreeting) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  EXPECT_EQ("greeting", session.state_name());
  EXPECT_EQ(Step::write_then_read, session.next_step());
  EXPECT_EQ("", session.take_output());
}

}  // namespace
}  // namespace smtpsend::smtp
