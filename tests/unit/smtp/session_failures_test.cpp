// Failures at every step of the dialog: what the session sends afterwards (QUIT when the
// connection is still usable, nothing otherwise) and which kind of error the user gets.

#include <gtest/gtest.h>

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

enum class Setup { cleartext, starttls, auth_over_starttls, pipelining };

struct FailureCase {
  const char* name;
  Setup setup;
  const char* script;
  ErrorKind kind;
  const char* message_part;  // must appear in the error message
};

SessionConfig config_for(Setup setup) {
  SessionConfig config = cleartext_config();
  if (setup == Setup::starttls || setup == Setup::auth_over_starttls) {
    config.tls = TlsMode::starttls;
  }
  if (setup == Setup::auth_over_starttls) {
    config.credentials = Credentials{"alice", "s3cret-pa55"};
  }
  return config;
}

// Dialog prefixes that lead up to each step.
#define EHLO_STARTTLS EHLO_OFFERING("STARTTLS") "C: STARTTLS\n"
#define AFTER_TLS EHLO_STARTTLS "S: 220 go ahead\n-- tls\nC: EHLO client.example\n"
#define AUTH_SENT \
  AFTER_TLS "S: 250-mx.example.net\nS: 250 AUTH PLAIN\nC: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYTU1\n"
#define MAIL_SENT EHLO_WITHOUT_EXTENSIONS "C: MAIL FROM:<alice@example.org>\n"
#define RCPT_SENT MAIL_SENT "S: 250 Ok\nC: RCPT TO:<bob@example.net>\n"
#define DATA_SENT RCPT_SENT "S: 250 Ok\nC: DATA\n"
#define DOT_SENT DATA_SENT "S: 354 go\n" SHORT_BODY_SENT
#define PIPELINED EHLO_OFFERING("PIPELINING") MAIL_RCPT_DATA_PIPELINED

const FailureCase failure_cases[] = {
    // Replies that refuse: 4xx is temporary, 5xx unavailable, and QUIT follows.
    {"Greeting4xx", Setup::cleartext, "S: 450 too busy\nC: QUIT\n-- closed\n", ErrorKind::temporary,
     "450 too busy"},
    {"Greeting554", Setup::cleartext, "S: 554 no SMTP service here\nC: QUIT\n-- closed\n",
     ErrorKind::unavailable, "554 no SMTP service here"},
    {"Ehlo4xx", Setup::cleartext, GREETING_AND_EHLO "S: 451 4.3.0 try later\nC: QUIT\n-- closed\n",
     ErrorKind::temporary, "451 4.3.0 try later"},
    {"Ehlo550", Setup::cleartext, GREETING_AND_EHLO "S: 550 5.7.1 go away\nC: QUIT\n-- closed\n",
     ErrorKind::unavailable, "550 5.7.1 go away"},
    {"Helo5xx", Setup::cleartext,
     GREETING_AND_EHLO
     "S: 502 no EHLO\nC: HELO client.example\nS: 554 no HELO\nC: QUIT\n-- closed\n",
     ErrorKind::unavailable, "554 no HELO"},
    {"StartTls454", Setup::starttls,
     EHLO_STARTTLS "S: 454 4.7.0 TLS not available\nC: QUIT\n-- closed\n", ErrorKind::temporary,
     "454 4.7.0 TLS not available"},
    {"StartTls5xx", Setup::starttls,
     EHLO_STARTTLS "S: 501 5.5.4 syntax error\nC: QUIT\n-- closed\n", ErrorKind::unavailable,
     "501 5.5.4 syntax error"},
    {"Auth454", Setup::auth_over_starttls,
     AUTH_SENT "S: 454 4.7.0 temporary authentication failure\nC: QUIT\n-- closed\n",
     ErrorKind::temporary, "454 4.7.0 temporary authentication failure"},
    {"Auth535", Setup::auth_over_starttls,
     AUTH_SENT "S: 535 5.7.8 authentication failed\nC: QUIT\n-- closed\n", ErrorKind::permission,
     "check the user name and password"},
    {"Auth534", Setup::auth_over_starttls,
     AUTH_SENT "S: 534 5.7.9 mechanism too weak\nC: QUIT\n-- closed\n", ErrorKind::permission,
     "534 5.7.9 mechanism too weak"},
    {"Auth504", Setup::auth_over_starttls,
     AUTH_SENT "S: 504 5.5.4 unrecognized mechanism\nC: QUIT\n-- closed\n", ErrorKind::unavailable,
     "504 5.5.4 unrecognized mechanism"},
    {"Mail4xx", Setup::cleartext, MAIL_SENT "S: 451 4.3.0 try later\nC: QUIT\n-- closed\n",
     ErrorKind::temporary, "<alice@example.org>"},
    // RFC 1870 §6.1: 552 to MAIL FROM is the SIZE limit, the same as 552 at the final dot.
    {"Mail552", Setup::cleartext,
     MAIL_SENT "S: 552 5.3.4 message size exceeds fixed limit\nC: QUIT\n-- closed\n",
     ErrorKind::data,
     "the server says the message is too large (it refused the sender <alice@example.org> (MAIL "
     "FROM)): 552 5.3.4 message size exceeds fixed limit"},
    {"PipelinedMail552", Setup::pipelining,
     PIPELINED "S: 552 5.3.4 too big\nS: 503 5.5.1 need MAIL\nS: 503 5.5.1 need RCPT\n"
               "C: QUIT\n-- closed\n",
     ErrorKind::data, "the server says the message is too large"},
    {"Mail5xx", Setup::cleartext, MAIL_SENT "S: 553 5.7.1 sender rejected\nC: QUIT\n-- closed\n",
     ErrorKind::unavailable, "553 5.7.1 sender rejected"},
    {"Rcpt4xx", Setup::cleartext, RCPT_SENT "S: 450 4.2.0 greylisted\nC: QUIT\n-- closed\n",
     ErrorKind::temporary, "<bob@example.net>: 450 4.2.0 greylisted"},
    {"Rcpt5xx", Setup::cleartext, RCPT_SENT "S: 550 5.1.1 no such user\nC: QUIT\n-- closed\n",
     ErrorKind::recipient_refused, "<bob@example.net>: 550 5.1.1 no such user"},
    {"Data4xx", Setup::cleartext, DATA_SENT "S: 451 4.3.0 try later\nC: QUIT\n-- closed\n",
     ErrorKind::temporary, "451 4.3.0 try later"},
    {"Data5xx", Setup::cleartext,
     DATA_SENT "S: 554 5.5.1 no valid recipients\nC: QUIT\n-- closed\n", ErrorKind::unavailable,
     "554 5.5.1 no valid recipients"},
    {"Dot4xx", Setup::cleartext, DOT_SENT "S: 451 4.3.0 queue full\nC: QUIT\n-- closed\n",
     ErrorKind::temporary, "451 4.3.0 queue full"},
    {"Dot552", Setup::cleartext, DOT_SENT "S: 552 5.3.4 message too big\nC: QUIT\n-- closed\n",
     ErrorKind::data,
     "the server says the message is too large (it refused the end of the message): 552 5.3.4 "
     "message too big"},
    {"Dot554", Setup::cleartext, DOT_SENT "S: 554 5.7.1 spam\nC: QUIT\n-- closed\n",
     ErrorKind::unavailable, "554 5.7.1 spam"},
    {"PipelinedMail5xx", Setup::pipelining,
     PIPELINED "S: 553 5.7.1 sender rejected\nS: 503 5.5.1 need MAIL\nS: 503 5.5.1 need RCPT\n"
               "C: QUIT\n-- closed\n",
     ErrorKind::unavailable, "553 5.7.1 sender rejected"},
    {"PipelinedData5xx", Setup::pipelining,
     PIPELINED "S: 250 Ok\nS: 250 Ok\nS: 554 5.5.1 no\nC: QUIT\n-- closed\n",
     ErrorKind::unavailable, "554 5.5.1 no"},

    // 421 at any time: temporary, and no QUIT since the server is closing the connection.
    {"Greeting421", Setup::cleartext, "S: 421 4.3.2 shutting down\n-- closed\n",
     ErrorKind::temporary, "421 4.3.2 shutting down"},
    {"Rcpt421", Setup::cleartext, RCPT_SENT "S: 421 4.7.0 too many errors\n-- closed\n",
     ErrorKind::temporary, "closing the connection"},
    {"Dot421", Setup::cleartext, DOT_SENT "S: 421 4.3.0 bye\n-- closed\n", ErrorKind::temporary,
     "421 4.3.0 bye"},

    // A reply code the command cannot have: protocol error, nothing more sent.
    {"MailGot354", Setup::cleartext, MAIL_SENT "S: 354 what\n-- closed\n", ErrorKind::protocol,
     "354 what"},
    {"GreetingGot250", Setup::cleartext, "S: 250 hello\n-- closed\n", ErrorKind::protocol,
     "250 hello"},

    // The connection lost at every step: always io, naming what the session waited for.
    {"LostBeforeGreeting", Setup::cleartext, "-- lost\n-- closed\n", ErrorKind::io,
     "waiting for the server's greeting"},
    {"LostAtEhlo", Setup::cleartext, GREETING_AND_EHLO "-- lost\n-- closed\n", ErrorKind::io,
     "reply to EHLO"},
    {"LostAtHelo", Setup::cleartext,
     GREETING_AND_EHLO "S: 500 what\nC: HELO client.example\n-- lost\n-- closed\n", ErrorKind::io,
     "reply to HELO"},
    {"LostAtStartTls", Setup::starttls, EHLO_STARTTLS "-- lost\n-- closed\n", ErrorKind::io,
     "reply to STARTTLS"},
    {"LostAtEhloAfterTls", Setup::starttls, AFTER_TLS "-- lost\n-- closed\n", ErrorKind::io,
     "reply to EHLO"},
    {"LostAtAuth", Setup::auth_over_starttls, AUTH_SENT "-- lost\n-- closed\n", ErrorKind::io,
     "reply to AUTH"},
    {"LostAtMail", Setup::cleartext, MAIL_SENT "-- lost\n-- closed\n", ErrorKind::io,
     "reply to MAIL FROM"},
    {"LostAtRcpt", Setup::cleartext, RCPT_SENT "-- lost\n-- closed\n", ErrorKind::io,
     "connection lost while waiting for the reply to RCPT TO (the server closed the "
     "connection)"},
    {"LostAtData", Setup::cleartext, DATA_SENT "-- lost\n-- closed\n", ErrorKind::io,
     "reply to DATA"},
    {"LostAtDot", Setup::cleartext, DOT_SENT "-- lost\n-- closed\n", ErrorKind::temporary,
     "delivery state unknown: the whole message was sent, but no reply to it came (the server "
     "closed the connection); it may have been delivered — check before sending it again"},
    {"LostInPipelinedData", Setup::pipelining,
     PIPELINED "S: 250 Ok\nS: 250 Ok\n-- lost\n-- closed\n", ErrorKind::io, "reply to DATA"},
};

class SessionFailure : public ::testing::TestWithParam<FailureCase> {};

TEST_P(SessionFailure, EndsWithTheRightKindOfError) {
  const FailureCase& c = GetParam();
  DialogRuns runs;
  expect_dialog(c.script, config_for(c.setup), envelope_to({"bob@example.net"}), short_body, runs);
  for (const auto* run : {&runs.whole, &runs.bytewise}) {
    const TransactionOutcome& outcome = run->outcome;
    EXPECT_FALSE(outcome.accepted());
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(c.kind, outcome.error->kind) << outcome.error->message;
    EXPECT_TRUE(contains(outcome.error->message, c.message_part)) << outcome.error->message;
    EXPECT_EQ("finished", run->final_state);
    // An error caused by a reply carries it; a lost connection has none.
    EXPECT_EQ(!contains(c.script, "-- lost"), outcome.error->reply.has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(EveryStep, SessionFailure, ::testing::ValuesIn(failure_cases),
                         [](const ::testing::TestParamInfo<FailureCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(SessionFailure, ConnectionLostWhileStreamingTheBodyIsAnIoError) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  session.receive("220 mx\r\n");
  session.take_output();
  session.receive("250 mx\r\n");
  session.take_output();
  session.receive("250 Ok\r\n");
  session.take_output();
  session.receive("250 Ok\r\n");
  session.take_output();
  session.receive("354 go\r\n");
  ASSERT_EQ(Step::need_body, session.next_step());
  session.body("Subject: x\r\n\r\npart of the bo");
  session.connection_lost("write failed: broken pipe");
  EXPECT_EQ(Step::finished, session.next_step());
  EXPECT_EQ("", session.take_output());
  ASSERT_TRUE(session.outcome().error.has_value());
  EXPECT_EQ(ErrorKind::io, session.outcome().error->kind);
  EXPECT_TRUE(contains(session.outcome().error->message, "broken pipe"));
  // The driver may still call these; they must do nothing.
  session.body("dy\r\n");
  session.end_of_body();
  EXPECT_EQ("", session.take_output());
}

TEST(SessionFailure, ServerReplyWhileTheBodyStreamsEndsTheSession) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n", "250 Ok\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  session.receive("354 go\r\n");
  session.body("Subject: x\r\n");
  session.receive("421 4.4.2 timeout\r\n");
  EXPECT_EQ(Step::finished, session.next_step());
  EXPECT_EQ("", session.take_output());
  ASSERT_TRUE(session.outcome().error.has_value());
  EXPECT_EQ(ErrorKind::temporary, session.outcome().error->kind);
}

TEST(SessionFailure, BodyBeforeDataIsAnInternalError) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  session.body("too early");
  ASSERT_TRUE(session.outcome().error.has_value());
  EXPECT_EQ(ErrorKind::internal, session.outcome().error->kind);
  EXPECT_EQ(Step::finished, session.next_step());
}

}  // namespace
}  // namespace smtpsend::smtp
