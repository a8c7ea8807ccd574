// Delivery status notifications (RFC 3461): asked for only of a server that offers DSN.

#include <gtest/gtest.h>

#include "dialog_runner.hpp"
#include "smtp/command_text.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::smtp {
namespace {

Envelope dsn_envelope() {
  Envelope envelope;
  envelope.mail_from = "alice@example.org";
  envelope.recipients = {"bob@example.net", "carol@example.net"};
  envelope.dsn_notify = "success,failure";
  envelope.dsn_return = "hdrs";
  envelope.dsn_envelope_id = "QQ314159+x=y";
  return envelope;
}

// The client's output after the greeting and an EHLO reply announcing `extensions`.
std::string transaction_after(std::string_view extensions, TransactionOutcome* outcome = nullptr) {
  SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = TlsMode::none;
  trace::NullSink trace;
  dialog::HandDriven session(config, dsn_envelope(), trace);
  session.take_output();
  session.receive("220 mx.example.net ESMTP\r\n");
  session.take_output();
  session.receive("250-mx.example.net\r\n" + std::string(extensions) + "250 PIPELINING\r\n");
  std::string output = session.take_output();
  if (outcome != nullptr) {
    *outcome = session.outcome();
  }
  return output;
}

TEST(SessionDsn, OfferedDsnCarriesRetEnvidAndNotify) {
  EXPECT_EQ(
      "MAIL FROM:<alice@example.org> RET=HDRS ENVID=QQ314159+2Bx+3Dy\r\n"
      "RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE\r\n"
      "RCPT TO:<carol@example.net> NOTIFY=SUCCESS,FAILURE\r\n"
      "DATA\r\n",
      transaction_after("250-DSN\r\n"));
}

TEST(SessionDsn, WithoutDsnTheParametersAreLeftOutWithAWarning) {
  TransactionOutcome outcome;
  EXPECT_EQ(
      "MAIL FROM:<alice@example.org>\r\n"
      "RCPT TO:<bob@example.net>\r\n"
      "RCPT TO:<carol@example.net>\r\n"
      "DATA\r\n",
      transaction_after("", &outcome));
  ASSERT_EQ(1U, outcome.warnings.size());
  EXPECT_NE(std::string::npos, outcome.warnings[0].find("does not offer DSN"));
}

TEST(Xtext, EncodesPlusEqualsAndNonPrintables) {
  EXPECT_EQ("a+2Bb+3Dc+20d+7F", xtext("a+b=c d\x7f"));
  EXPECT_EQ("plain!~", xtext("plain!~"));
}

}  // namespace
}  // namespace smtpsend::smtp
