// BDAT (RFC 3030 CHUNKING): the body framed by its length, no dot-stuffing, in the envelope's
// flight under PIPELINING; refusals mid-stream and at the end; the round trips against DATA.

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

// base64("\0alice\0s3cret")
constexpr std::string_view plain_response = "AGFsaWNlAHMzY3JldA==";

SessionConfig with_credentials(TlsMode tls) {
  SessionConfig config = cleartext_config();
  config.tls = tls;
  config.credentials = Credentials{"alice", "s3cret"};
  return config;
}

// The greeting and an EHLO reply that offers PIPELINING and CHUNKING.
#define EHLO_OFFERING_PIPELINING_AND_CHUNKING \
  GREETING_AND_EHLO "S: 250-mx.example.net\nS: 250-PIPELINING\nS: 250 CHUNKING\n"
// short_body sent whole in one BDAT chunk.
#define SHORT_BODY_IN_ONE_BDAT "C: BDAT 23 LAST\nC: Subject: hi\nC:\nC: Hello.\n"

#define GREETING_STARTTLS_AUTH(EXTENSIONS)                     \
  EHLO_OFFERING("STARTTLS")                                    \
  "C: STARTTLS\nS: 220 go ahead\n-- tls\n"                     \
  "C: EHLO client.example\nS: 250-mx.example.net\n" EXTENSIONS \
  "S: 250 AUTH PLAIN\nC: AUTH PLAIN AGFsaWNlAHMzY3JldA==\nS: 235 ok\n"

#define GREETING_IMPLICIT_AUTH(EXTENSIONS)               \
  GREETING_AND_EHLO "S: 250-mx.example.net\n" EXTENSIONS \
                    "S: 250 AUTH PLAIN\nC: AUTH PLAIN AGFsaWNlAHMzY3JldA==\nS: 235 ok\n"

#define BDAT_FLIGHT                                                                         \
  "-- body\n"                                                                               \
  "C: MAIL FROM:<alice@example.org>\nC: RCPT TO:<bob@example.net>\n" SHORT_BODY_IN_ONE_BDAT \
  "C: QUIT\nS: 250 Ok\nS: 250 Ok\nS: 250 Ok: queued\nS: 221 Bye\n-- closed\n"

#define DATA_FLIGHTS                                                           \
  MAIL_RCPT_DATA_PIPELINED "S: 250 Ok\nS: 250 Ok\nS: 354 go\n" SHORT_BODY_SENT \
                           "C: QUIT\nS: 250 Ok: queued\nS: 221 Bye\n-- closed\n"

TEST(SessionBdat, StartTlsAuthAndOneMessageCostEightRoundTripsWithChunking) {
  static_assert(plain_response == "AGFsaWNlAHMzY3JldA==");
  DialogRuns runs;
  expect_dialog(GREETING_STARTTLS_AUTH("S: 250-PIPELINING\nS: 250-CHUNKING\n") BDAT_FLIGHT,
                with_credentials(TlsMode::starttls), envelope_to({"bob@example.net"}), short_body,
                runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_EQ(8, runs.whole.round_trips);
  EXPECT_EQ(8, runs.bytewise.round_trips);
  // MAIL, RCPT, the whole message in BDAT LAST, and QUIT: one write.
  EXPECT_EQ(
      "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nBDAT 23 LAST\r\n"
      "Subject: hi\r\n\r\nHello.\r\nQUIT\r\n",
      runs.whole.flights.back());
}

TEST(SessionBdat, StartTlsAuthAndOneMessageCostNineRoundTripsWithData) {
  DialogRuns runs;
  expect_dialog(GREETING_STARTTLS_AUTH("S: 250-PIPELINING\n") DATA_FLIGHTS,
                with_credentials(TlsMode::starttls), envelope_to({"bob@example.net"}), short_body,
                runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  EXPECT_EQ(9, runs.whole.round_trips);
}

// Implicit TLS: the handshake (one round trip) comes before the session, so it is added here.
TEST(SessionBdat, ImplicitTlsAuthAndOneMessageCostSixRoundTripsWithChunkingAndSevenWithData) {
  DialogRuns bdat;
  expect_dialog(GREETING_IMPLICIT_AUTH("S: 250-PIPELINING\nS: 250-CHUNKING\n") BDAT_FLIGHT,
                with_credentials(TlsMode::smtps), envelope_to({"bob@example.net"}), short_body,
                bdat);
  EXPECT_TRUE(bdat.whole.outcome.accepted());
  EXPECT_EQ(6, bdat.whole.round_trips + 1);
  DialogRuns data;
  expect_dialog(GREETING_IMPLICIT_AUTH("S: 250-PIPELINING\n") DATA_FLIGHTS,
                with_credentials(TlsMode::smtps), envelope_to({"bob@example.net"}), short_body,
                data);
  EXPECT_TRUE(data.whole.outcome.accepted());
  EXPECT_EQ(7, data.whole.round_trips + 1);
}

TEST(SessionBdat, NoDotStuffingButCrlfLineEnds) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("CHUNKING") R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
-- body
C: BDAT 24 LAST
C: .dot
C: ..two
C: bare
C: end
S: 250 Ok: queued
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope_to({"bob@example.net"}), ".dot\n..two\rbare\r\nend",
                runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

// Several recipients: nobody gets the message unless everybody can, so the chunks wait for the
// RCPT replies.
TEST(SessionBdat, WithSeveralRecipientsTheBodyWaitsForTheRcptReplies) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING_PIPELINING_AND_CHUNKING R"(C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
S: 250 Ok
S: 250 Ok
S: 550 5.1.1 no such user
C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net", "carol@example.net"}),
                short_body, runs);
  EXPECT_EQ(TransactionState::refused, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, runs.whole.outcome.error->kind);
}

TEST(SessionBdat, PartialDeliveryLetsTheBodyFollowTheEnvelopeAndWarnsOfTheRefused) {
  SessionConfig config = cleartext_config();
  config.partial_delivery = true;
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING_PIPELINING_AND_CHUNKING R"(-- body
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
)" SHORT_BODY_IN_ONE_BDAT R"(C: QUIT
S: 250 Ok
S: 250 Ok
S: 550 5.1.1 no such user
S: 250 Ok: queued
S: 221 Bye
-- closed
)",
                config, envelope_to({"bob@example.net", "carol@example.net"}), short_body, runs);
  const TransactionOutcome& outcome = runs.whole.outcome;
  EXPECT_TRUE(outcome.accepted());
  ASSERT_EQ(1u, outcome.warnings.size());
  EXPECT_TRUE(contains(outcome.warnings[0], "refused 1 of 2 recipients")) << outcome.warnings[0];
  EXPECT_TRUE(contains(outcome.warnings[0], "<carol@example.net>: 550 5.1.1 no such user"));
}

// One recipient, refused while its chunk was already on the way: nothing is delivered, and the
// refusal (not the reply to BDAT) says why.
TEST(SessionBdat, ARefusedOnlyRecipientEndsTheTransactionWhateverBdatGets) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING_PIPELINING_AND_CHUNKING R"(-- body
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<nobody@example.net>
)" SHORT_BODY_IN_ONE_BDAT R"(C: QUIT
S: 250 Ok
S: 550 5.1.1 no such user
S: 554 5.5.1 no valid recipients
-- closed
)",
                cleartext_config(), envelope_to({"nobody@example.net"}), short_body, runs);
  EXPECT_EQ(TransactionState::refused, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::recipient_refused, runs.whole.outcome.error->kind);
}

TEST(SessionBdat, ARefusalOfBdatLastIsARefusal) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING_PIPELINING_AND_CHUNKING R"(-- body
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
)" SHORT_BODY_IN_ONE_BDAT R"(C: QUIT
S: 250 Ok
S: 250 Ok
S: 554 5.7.1 rejected by content filter
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_EQ(TransactionState::refused, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::unavailable, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "554 5.7.1 rejected by content filter"));
}

TEST(SessionBdat, ALostConnectionAfterBdatLastLeavesDeliveryUnknown) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("CHUNKING") R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
-- body
)" SHORT_BODY_IN_ONE_BDAT R"(-- lost
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net"}), short_body, runs);
  EXPECT_EQ(TransactionState::delivery_unknown, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::temporary, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "delivery state unknown"));
}

// A chunk refused in the middle of a large message: no further chunk goes out (RFC 3030 §2).
TEST(SessionBdat, AChunkRefusedMidStreamStopsTheMessage) {
  const std::string line(100, 'x');
  std::string body;
  while (body.size() < 3 * bdat_chunk_size) {
    body += line + "\r\n";
  }
  // Without PIPELINING each chunk waits for its reply: the second one is refused.
  const std::string first_chunk = body.substr(0, bdat_chunk_size);
  const std::string second_chunk = body.substr(bdat_chunk_size, bdat_chunk_size);
  std::string script = EHLO_OFFERING("CHUNKING") R"(C: MAIL FROM:<alice@example.org>
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
-- body
)";
  // Client bytes as the transcript shows them: "C: " for each line, "C! " for a line a chunk
  // boundary cut (no CRLF follows it in this write).
  auto add_client_bytes = [&script](std::string_view bytes) {
    std::size_t end = 0;
    while ((end = bytes.find("\r\n")) != std::string_view::npos) {
      script += "C: " + std::string(bytes.substr(0, end)) + "\n";
      bytes.remove_prefix(end + 2);
    }
    if (!bytes.empty()) {
      script += "C! " + std::string(bytes) + "\n";
    }
  };
  add_client_bytes("BDAT 65536\r\n" + first_chunk);
  script += "S: 250 Ok\n";
  add_client_bytes("BDAT 65536\r\n" + second_chunk);
  script += "S: 552 5.3.4 message too big\nC: QUIT\n-- closed\n";
  DialogRuns runs;
  expect_dialog(script, cleartext_config(), envelope_to({"bob@example.net"}), body, runs);
  EXPECT_EQ(TransactionState::refused, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "552 5.3.4 message too big"))
      << runs.whole.outcome.error->message;
}

// RFC 3030 §3: a prepared 8-bit message goes with BODY=BINARYMIME when the server offers it.
TEST(SessionBdat, AnEightBitPreparedMessageGoesAsBinaryMime) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.body_8bit_required = true;
  DialogRuns runs;
  expect_dialog(GREETING_AND_EHLO R"(S: 250-mx.example.net
S: 250-8BITMIME
S: 250-BINARYMIME
S: 250 CHUNKING
C: MAIL FROM:<alice@example.org> BODY=BINARYMIME
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
-- body
)" SHORT_BODY_IN_ONE_BDAT R"(S: 250 Ok: queued
)" QUIT_AND_CLOSE,
                cleartext_config(), envelope, short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

// A binary body goes byte for byte: its line ends are not touched (normalized, "a\rb.c" would be
// 8 octets with a CRLF and a final line end).
TEST(SessionBdat, ABinaryBodyGoesAsItIs) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.body_binary = true;
  DialogRuns runs;
  expect_dialog(
      "S: 220 mx.example.net ESMTP\n"
      "C: EHLO client.example\n"
      "S: 250-mx.example.net\n"
      "S: 250-BINARYMIME\n"
      "S: 250 CHUNKING\n"
      "C: MAIL FROM:<alice@example.org> BODY=BINARYMIME\n"
      "S: 250 Ok\n"
      "C: RCPT TO:<bob@example.net>\n"
      "S: 250 Ok\n"
      "-- body\n"
      "C: BDAT 5 LAST\n"
      "C! a\rb.c\n"
      "S: 250 Ok: queued\n"
      "C: QUIT\n"
      "S: 221 Bye\n"
      "-- closed\n",
      cleartext_config(), envelope, "a\rb.c", runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

TEST(SessionBdat, ABinaryBodyIsRefusedBeforeMailWithoutBinaryMime) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.body_binary = true;
  DialogRuns runs;
  expect_dialog(GREETING_AND_EHLO R"(S: 250-mx.example.net
S: 250-8BITMIME
S: 250 CHUNKING
C: QUIT
-- closed
)",
                cleartext_config(), envelope, short_body, runs);
  EXPECT_EQ(TransactionState::not_sent, runs.whole.outcome.state);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "BINARYMIME"));
}

}  // namespace
}  // namespace smtpsend::smtp
