// The driver's time limits on a fake clock (fake_transport.hpp): each reply's limit counted from
// when it was awaited, the session's RFC 5321 §4.5.3.2 limits as --timeout lowers them, --max-time
// over the whole dialog, the courtesy wait for QUIT's reply, and messages that name the limit that
// ran out. Minutes of server time pass in microseconds; every dialog is fed whole and one byte at
// a time.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "app/driver.hpp"
#include "common/time_limits.hpp"
#include "fake_transport.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::FakeClock;
using testing::FakeTransport;

enum class Feed { whole, one_byte };

smtp::SessionConfig cleartext_config() {
  smtp::SessionConfig config;
  config.ehlo_domain = "client.example";
  config.tls = TlsMode::none;
  return config;
}

// One short message, its outcome kept.
class OneMessage final : public Transactions {
 public:
  std::optional<smtp::Envelope> next() override {
    if (std::exchange(started_, true)) {
      return std::nullopt;
    }
    smtp::Envelope envelope;
    envelope.mail_from = "alice@example.org";
    envelope.recipients = {"bob@example.net"};
    return envelope;
  }
  bool body(std::string& chunk) override {
    if (std::exchange(body_given_, true)) {
      return false;
    }
    if (large) {
      // Larger than the driver's body writes: a piece of it goes out before the final dot.
      for (int line = 0; line < 2000; ++line) {
        chunk += "a line of a message long enough to be written in several pieces\n";
      }
    } else {
      chunk = "Hello Bob.\n";
    }
    return true;
  }
  void ended(smtp::TransactionOutcome outcome) override { outcome_ = std::move(outcome); }

  bool large = false;
  std::optional<smtp::TransactionOutcome> outcome_;

 private:
  bool started_ = false;
  bool body_given_ = false;
};

// How late each reply of the good dialog comes, counted from its command.
struct Delays {
  milliseconds greeting{0};
  milliseconds ehlo{0};
  milliseconds mail{0};
  milliseconds rcpt{0};
  milliseconds data{0};
  std::optional<milliseconds> dot{0};   // none: the final dot is never answered (nor QUIT)
  std::optional<milliseconds> quit{0};  // none: QUIT is never answered
};

// A server without PIPELINING that accepts the message, each reply `delays` late.
void good_dialog(FakeTransport& server, const Delays& delays) {
  server.send("", "220 mx.example.net ESMTP\r\n", delays.greeting)
      .send("EHLO", "250-mx.example.net\r\n250 8BITMIME\r\n", delays.ehlo)
      .send("MAIL FROM", "250 2.1.0 Ok\r\n", delays.mail)
      .send("RCPT TO", "250 2.1.5 Ok\r\n", delays.rcpt)
      .send("DATA\r\n", "354 go ahead\r\n", delays.data);
  if (!delays.dot) {
    return;
  }
  server.send("\r\n.\r\n", "250 2.0.0 Ok: queued\r\n", *delays.dot);
  if (delays.quit) {
    server.send("QUIT", "221 2.0.0 Bye\r\n", *delays.quit).hang_up("");
  }
}

class DriverTimeLimits : public ::testing::TestWithParam<Feed> {
 protected:
  DriverTimeLimits() : server_(clock_), started_(clock_.now()) {
    if (GetParam() == Feed::one_byte) {
      server_.piece = 1;
    }
  }

  TimeLimits limits(std::optional<milliseconds> timeout = std::nullopt,
                    std::optional<milliseconds> max_time = std::nullopt) const {
    return TimeLimits(timeout, max_time, clock_);
  }

  // Runs the dialog to its end; the message's outcome, or the session's error as one.
  smtp::TransactionOutcome run(const TimeLimits& limits, bool large_message = false) {
    trace::NullSink trace;
    smtp::Session session(cleartext_config(), trace);
    OneMessage message;
    message.large = large_message;
    drive(server_, session, message, limits, GetParam() == Feed::whole ? 0 : 1);
    EXPECT_TRUE(server_.closed);
    if (message.outcome_) {
      return std::move(*message.outcome_);
    }
    smtp::TransactionOutcome outcome;
    outcome.error = session.error();
    return outcome;
  }

  milliseconds elapsed() const {
    return std::chrono::duration_cast<milliseconds>(clock_.now() - started_);
  }
  milliseconds closed_after() const {
    return std::chrono::duration_cast<milliseconds>(server_.closed_at - started_);
  }

  static std::string message_of(const smtp::TransactionOutcome& outcome) {
    return outcome.error ? outcome.error->message : "(no error)";
  }

  FakeClock clock_;
  FakeTransport server_;
  Clock::time_point started_;
};

INSTANTIATE_TEST_SUITE_P(Feeds, DriverTimeLimits, ::testing::Values(Feed::whole, Feed::one_byte),
                         [](const auto& feed) {
                           return feed.param == Feed::whole ? "Whole" : "OneByteAtATime";
                         });

// The time of a reply starts when it is awaited: bytes that keep coming do not extend it.
TEST_P(DriverTimeLimits, AReplyTricklingInOneByteEveryFourMinutesTimesOutOnceAtFive) {
  server_.trickle("", "220 mx.example.net ESMTP\r\n", 4min);

  const auto outcome = run(limits());

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind, ErrorKind::temporary);
  EXPECT_EQ(outcome.error->message,
            "the server's reply did not arrive complete within 300 s; it may be overloaded, try "
            "again later (while in SMTP state 'greeting'; the message was not sent)");
  EXPECT_EQ(elapsed(), 5min);
  EXPECT_EQ(closed_after(), 5min);
  EXPECT_EQ(server_.written().find("EHLO"), std::string::npos) << server_.written();
}

// RFC 5321 §4.5.3.2: 5 minutes for the greeting, MAIL and RCPT (and EHLO, as the server's own
// timeout), 2 for DATA, 10 for the final dot; each starts afresh with its command.
TEST_P(DriverTimeLimits, EachReplyJustWithinItsOwnLimitIsWaitedFor) {
  const milliseconds early = 1ms;
  good_dialog(server_, {.greeting = 5min - early,
                        .ehlo = 5min - early,
                        .mail = 5min - early,
                        .rcpt = 5min - early,
                        .data = 2min - early,
                        .dot = 10min - early});

  const auto outcome = run(limits());

  EXPECT_TRUE(outcome.accepted()) << message_of(outcome);
  EXPECT_EQ(elapsed(), 32min - 6 * early);
}

// Under PIPELINING, MAIL, RCPT and DATA go in one flight; each reply's time starts when the one
// before it has come, not when the flight went out.
TEST_P(DriverTimeLimits, PipelinedRepliesEachGetTheirOwnLimitFromTheReplyBefore) {
  server_.send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", "250-mx.example.net\r\n250 PIPELINING\r\n")
      .send("DATA\r\n", "250 2.1.0 Ok\r\n", 4min)
      .send("", "250 2.1.5 Ok\r\n", 4min)
      .send("", "354 go ahead\r\n", 2min - 1ms)
      .send("\r\n.\r\n", "250 2.0.0 Ok: queued\r\n")
      .send("QUIT", "221 2.0.0 Bye\r\n")
      .hang_up("");

  const auto outcome = run(limits());

  EXPECT_TRUE(outcome.accepted()) << message_of(outcome);
  EXPECT_EQ(elapsed(), 10min - 1ms);
  EXPECT_TRUE(std::any_of(server_.writes.begin(), server_.writes.end(), [](const auto& write) {
    return write.bytes.find("MAIL FROM") != std::string::npos &&
           write.bytes.find("DATA\r\n") != std::string::npos;
  })) << server_.written();
}

TEST_P(DriverTimeLimits, APipelinedReplyLateAfterTheReplyBeforeItTimesOut) {
  server_.send("", "220 mx.example.net ESMTP\r\n")
      .send("EHLO", "250-mx.example.net\r\n250 PIPELINING\r\n")
      .send("DATA\r\n", "250 2.1.0 Ok\r\n", 4min)
      .send("", "250 2.1.5 Ok\r\n", 4min)
      .send("", "354 go ahead\r\n", 2min + 1ms);

  const auto outcome = run(limits());

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  EXPECT_NE(message_of(outcome).find("did not arrive complete within 120 s"), std::string::npos)
      << message_of(outcome);
  EXPECT_EQ(elapsed(), 10min);
}

TEST_P(DriverTimeLimits, DatasReplyGetsTwoMinutes) {
  good_dialog(server_, {.data = 2min + 1ms});

  const auto outcome = run(limits());

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  EXPECT_EQ(message_of(outcome),
            "the server's reply did not arrive complete within 120 s; it may be overloaded, try "
            "again later (while in SMTP state 'data'; the message was not sent)");
  EXPECT_EQ(elapsed(), 2min);
}

TEST_P(DriverTimeLimits, TheFinalDotsReplyGetsTenMinutesThenDeliveryIsUnknown) {
  good_dialog(server_, {.dot = 10min + 1ms});

  const auto outcome = run(limits());

  EXPECT_EQ(outcome.state, smtp::TransactionState::delivery_unknown);
  EXPECT_EQ(message_of(outcome),
            "delivery state unknown: the whole message was sent, but no reply to it came (the "
            "server's reply did not arrive complete within 600 s; it may be overloaded, try again "
            "later); it may have been delivered \u2014 check before sending it again");
  EXPECT_EQ(elapsed(), 10min);
}

// --timeout lowers every limit and never raises one.
TEST_P(DriverTimeLimits, ATimeoutAboveTenMinutesLeavesTheFinalDotItsTen) {
  good_dialog(server_, {.dot = 10min + 1ms});

  const auto outcome = run(limits(30min));

  EXPECT_EQ(outcome.state, smtp::TransactionState::delivery_unknown);
  EXPECT_EQ(elapsed(), 10min);
}

TEST_P(DriverTimeLimits, ATimeoutLowersTheFinalDotsLimitToo) {
  good_dialog(server_, {.dot = 20s + 1ms});

  const auto outcome = run(limits(20s));

  EXPECT_EQ(outcome.state, smtp::TransactionState::delivery_unknown);
  EXPECT_NE(message_of(outcome).find("(the server's reply did not arrive complete within 20 s;"),
            std::string::npos)
      << message_of(outcome);
  EXPECT_EQ(elapsed(), 20s);
}

TEST_P(DriverTimeLimits, ATimeoutLowersTheGreetingsLimit) {
  good_dialog(server_, {.greeting = 20s + 1ms});

  const auto outcome = run(limits(20s));

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  EXPECT_EQ(message_of(outcome),
            "the server's reply did not arrive complete within 20 s; it may be overloaded, try "
            "again later (while in SMTP state 'greeting'; the message was not sent)");
  EXPECT_EQ(elapsed(), 20s);
}

TEST_P(DriverTimeLimits, RepliesWithinATimeoutGoThrough) {
  good_dialog(server_, {.greeting = 20s - 1ms, .ehlo = 20s - 1ms, .dot = 20s - 1ms});

  const auto outcome = run(limits(20s));

  EXPECT_TRUE(outcome.accepted()) << message_of(outcome);
  EXPECT_EQ(elapsed(), 60s - 3ms);
}

// --max-time bounds the whole dialog, however well each reply keeps its own limit.
TEST_P(DriverTimeLimits, MaxTimeEndsADialogOfRepliesEachWithinItsLimit) {
  good_dialog(server_, {.greeting = 4min, .ehlo = 4min, .mail = 4min});

  const auto outcome = run(limits(std::nullopt, 10min));

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind, ErrorKind::temporary);
  EXPECT_EQ(message_of(outcome),
            "gave up after --max-time 600 s in all (while in SMTP state 'mail'; the message was "
            "not sent)");
  EXPECT_EQ(elapsed(), 10min);
}

TEST_P(DriverTimeLimits, MaxTimeCutsTheFinalDotsTenMinutesShort) {
  good_dialog(server_, {.greeting = 1min, .dot = 5min});

  const auto outcome = run(limits(std::nullopt, 3min));

  EXPECT_EQ(outcome.state, smtp::TransactionState::delivery_unknown);
  EXPECT_EQ(message_of(outcome),
            "delivery state unknown: the whole message was sent, but no reply to it came (gave "
            "up after --max-time 180 s in all); it may have been delivered \u2014 check before "
            "sending it again");
  EXPECT_EQ(elapsed(), 3min);
}

// --max-time that runs out while a long message streams stops it before its final dot: sending
// the dot after the end of --max-time would leave the message's fate unknown for nothing.
TEST_P(DriverTimeLimits, MaxTimeRunningOutWhileTheMessageStreamsStopsItBeforeTheFinalDot) {
  good_dialog(server_, {.data = 2min, .dot = 0ms});

  const auto outcome = run(limits(std::nullopt, 2min), /*large_message=*/true);

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent) << message_of(outcome);
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind, ErrorKind::temporary);
  EXPECT_EQ(server_.written().find("\r\n.\r\n"), std::string::npos);
}

// After acceptance QUIT is a courtesy: its reply gets 2 seconds, and the message stays accepted.
TEST_P(DriverTimeLimits, QuitsReplyGetsTwoSecondsAfterAcceptance) {
  good_dialog(server_, {.dot = 1min, .quit = std::nullopt});

  const auto outcome = run(limits());

  EXPECT_TRUE(outcome.accepted()) << message_of(outcome);
  EXPECT_EQ(closed_after(), 1min + 2s);
  EXPECT_NE(server_.written().find("QUIT\r\n"), std::string::npos);
}

TEST_P(DriverTimeLimits, ATimeoutBelowTwoSecondsShortensTheWaitForQuitsReply) {
  good_dialog(server_, {.quit = std::nullopt});

  const auto outcome = run(limits(500ms));

  EXPECT_TRUE(outcome.accepted()) << message_of(outcome);
  EXPECT_EQ(closed_after(), 500ms);
}

TEST_P(DriverTimeLimits, MaxTimeShortensTheWaitForQuitsReply) {
  good_dialog(server_, {.dot = 1min, .quit = std::nullopt});

  const auto outcome = run(limits(std::nullopt, 1min + 1s));

  EXPECT_TRUE(outcome.accepted()) << message_of(outcome);
  EXPECT_EQ(closed_after(), 1min + 1s);
}

TEST_P(DriverTimeLimits, QuitsReplyArrivingInTimeEndsTheWaitAtOnce) {
  good_dialog(server_, {.quit = 1s});

  const auto outcome = run(limits());

  EXPECT_TRUE(outcome.accepted()) << message_of(outcome);
  EXPECT_EQ(closed_after(), 1s);
}

// A lower layer's own timeout, before the driver's limit has run out, keeps its own message.
TEST_P(DriverTimeLimits, ATransportTimeoutBeforeTheReplysLimitKeepsItsMessage) {
  server_.send("", "220 mx.example.net ESMTP\r\n").read_timeout("EHLO", 1s);

  const auto outcome = run(limits());

  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind, ErrorKind::temporary);
  EXPECT_EQ(message_of(outcome),
            "no reply from the server within 300 s; it may be overloaded, try again later (while "
            "in SMTP state 'ehlo'; the message was not sent)");
  EXPECT_EQ(elapsed(), 1s);
}

TEST_P(DriverTimeLimits, AConnectionLostWhileTheFinalReplyIsAwaitedLeavesDeliveryUnknown) {
  good_dialog(server_, {.dot = std::nullopt});
  server_.reset("\r\n.\r\n", 30s);

  const auto outcome = run(limits());

  EXPECT_EQ(outcome.state, smtp::TransactionState::delivery_unknown);
  EXPECT_EQ(message_of(outcome),
            "delivery state unknown: the whole message was sent, but no reply to it came (lost the "
            "connection to the server while receiving: Connection reset by peer); it may have "
            "been delivered \u2014 check before sending it again");
  EXPECT_EQ(elapsed(), 30s);
}

// A write of the body that fails: the server may have said why before it went (a content
// filter's 5xx); the driver looks for that parting reply for 2 seconds at most.
TEST_P(DriverTimeLimits, AFailedBodyWriteFindsTheServersPartingReply) {
  good_dialog(server_, {.dot = std::nullopt});
  server_.fail_write("a line of a message");
  server_.send("", "554 5.7.1 refused by the content filter\r\n", 1s);

  const auto outcome = run(limits(), /*large_message=*/true);

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind, ErrorKind::unavailable);
  EXPECT_EQ(message_of(outcome),
            "the server refused the message while it was being sent: 554 5.7.1 refused by the "
            "content filter");
  EXPECT_EQ(elapsed(), 1s);
}

TEST_P(DriverTimeLimits, AFailedBodyWriteWaitsTwoSecondsForAPartingReplyThatNeverComes) {
  good_dialog(server_, {.dot = std::nullopt});
  server_.fail_write("a line of a message");

  const auto outcome = run(limits(), /*large_message=*/true);

  EXPECT_EQ(outcome.state, smtp::TransactionState::not_sent);
  EXPECT_EQ(message_of(outcome),
            "lost the connection to the server while sending: Broken pipe (while in SMTP state "
            "'body'; the message was not sent)");
  EXPECT_EQ(elapsed(), 2s);
}

}  // namespace
}  // namespace smtpsend::app
