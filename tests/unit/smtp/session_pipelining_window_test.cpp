// The window of pipelined commands (RFC 2920 §3.1): however many recipients, the session never
// has more than max_pipelined_commands commands, or max_pipelined_octets of them, sent and
// unanswered; the rest follow as replies arrive, and every reply still goes to its command.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dialog_runner.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::DialogRuns;
using dialog::envelope_to;
using dialog::expect_dialog;
using dialog::short_body;

std::vector<std::string> recipients(std::size_t count) {
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < count; ++i) {
    addresses.push_back("rcpt" + std::to_string(i) + "@example.net");
  }
  return addresses;
}

std::string rcpt_lines(std::size_t from, std::size_t to) {
  std::string lines;
  for (std::size_t i = from; i < to; ++i) {
    lines += "C: RCPT TO:<rcpt" + std::to_string(i) + "@example.net>\n";
  }
  return lines;
}

std::string ok_replies(std::size_t count) {
  std::string lines;
  for (std::size_t i = 0; i < count; ++i) {
    lines += "S: 250 Ok\n";
  }
  return lines;
}

constexpr const char* pipelining_ehlo =
    "S: 220 mx.example.net ESMTP\nC: EHLO client.example\n"
    "S: 250-mx.example.net\nS: 250 PIPELINING\nC: MAIL FROM:<alice@example.org>\n";

constexpr const char* body_and_quit =
    "-- body\nC: Subject: hi\nC:\nC: Hello.\nC: .\nC: QUIT\nS: 250 queued\nS: 221 bye\n"
    "-- closed\n";

TEST(SessionPipeliningWindow, AFewRecipientsStillGoInOneFlightWithMailAndData) {
  // MAIL, 98 RCPTs and DATA are exactly max_pipelined_commands.
  const std::size_t count = max_pipelined_commands - 2;
  const std::string script = std::string(pipelining_ehlo) + rcpt_lines(0, count) + "C: DATA\n" +
                             ok_replies(1 + count) + "S: 354 go\n" + body_and_quit;
  DialogRuns runs;
  expect_dialog(script, cleartext_config(), envelope_to(recipients(count)), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  // The greeting's EHLO, the envelope, the message with QUIT.
  EXPECT_EQ(3u, runs.whole.flights.size());
}

TEST(SessionPipeliningWindow, MoreRecipientsThanTheWindowFollowAsRepliesArrive) {
  const std::size_t count = 150;
  const std::size_t first = max_pipelined_commands - 1;  // MAIL takes one place
  const std::string script = std::string(pipelining_ehlo) + rcpt_lines(0, first) +
                             ok_replies(1 + first) + rcpt_lines(first, count) + "C: DATA\n" +
                             ok_replies(count - first) + "S: 354 go\n" + body_and_quit;
  DialogRuns runs;
  expect_dialog(script, cleartext_config(), envelope_to(recipients(count)), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
  ASSERT_EQ(count, runs.whole.outcome.recipients.size());
  EXPECT_EQ("rcpt149@example.net", runs.whole.outcome.recipients.back().address);
}

// A server that answers, each time, only some of the commands it has: the session's unanswered
// commands never exceed the window, and every RCPT reply lands on its own recipient.
TEST(SessionPipeliningWindow, TenThousandRecipientsNeverExceedTheWindow) {
  const std::size_t count = 10000;
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to(recipients(count)), sink);
  session.receive("220 mx\r\n");
  session.take_output();
  session.receive("250-mx\r\n250 PIPELINING\r\n");

  std::vector<std::string> unanswered;  // command lines sent and not yet answered
  std::size_t unanswered_octets = 0;
  std::size_t rcpts_seen = 0;
  std::size_t batch = 1;
  bool data_answered = false;
  for (int round = 0; round < 100000 && !data_answered; ++round) {
    const std::string flight = session.take_output();
    for (std::size_t start = 0; start < flight.size();) {
      const std::size_t end = flight.find("\r\n", start);
      ASSERT_NE(std::string::npos, end);
      const std::string line = flight.substr(start, end - start);
      if (line.starts_with("RCPT TO:<")) {
        EXPECT_EQ("RCPT TO:<rcpt" + std::to_string(rcpts_seen++) + "@example.net>", line);
      }
      unanswered.push_back(line);
      unanswered_octets += line.size() + 2;
      start = end + 2;
    }
    ASSERT_LE(unanswered.size(), max_pipelined_commands) << "round " << round;
    ASSERT_LE(unanswered_octets, max_pipelined_octets) << "round " << round;
    ASSERT_FALSE(unanswered.empty()) << "round " << round << ": nothing in flight";
    // Answer a varying number of the oldest commands, in one read.
    batch = batch % 37 + 1;
    const std::size_t answered = std::min(batch, unanswered.size());
    std::string replies;
    for (std::size_t i = 0; i < answered; ++i) {
      data_answered = unanswered[i] == "DATA";
      replies += data_answered ? "354 go\r\n" : "250 Ok\r\n";
      unanswered_octets -= unanswered[i].size() + 2;
    }
    unanswered.erase(unanswered.begin(), unanswered.begin() + static_cast<long>(answered));
    session.receive(replies);
  }
  ASSERT_TRUE(data_answered);
  EXPECT_EQ(Step::need_body, session.next_step());
  EXPECT_EQ(count, rcpts_seen);
  const TransactionOutcome outcome = session.outcome();
  const auto& results = outcome.recipients;
  ASSERT_EQ(count, results.size());
  for (std::size_t i = 0; i < count; ++i) {
    ASSERT_EQ("rcpt" + std::to_string(i) + "@example.net", results[i].address);
    ASSERT_TRUE(results[i].accepted);
  }
}

TEST(SessionPipeliningWindow, LongAddressesAreBoundByOctetsFirst) {
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < 200; ++i) {
    addresses.push_back(std::string(200, 'a') + std::to_string(i) + "@example.net");
  }
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to(addresses), sink);
  session.receive("220 mx\r\n");
  session.take_output();
  session.receive("250-mx\r\n250 PIPELINING\r\n");
  const std::string flight = session.take_output();
  EXPECT_LE(flight.size(), max_pipelined_octets);
  EXPECT_GT(flight.size(), max_pipelined_octets - 300);  // as full as a whole RCPT allows
}

TEST(SessionPipeliningWindow, ARefusedSenderStopsTheRestOfTheRecipients) {
  const std::size_t count = 1000;
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to(recipients(count)), sink);
  session.receive("220 mx\r\n");
  session.take_output();
  session.receive("250-mx\r\n250 PIPELINING\r\n");
  std::string written = session.take_output();
  std::string replies = "550 5.7.1 sender refused\r\n";
  for (std::size_t i = 0; i + 1 < max_pipelined_commands; ++i) {
    replies += "503 5.5.1 need MAIL first\r\n";
  }
  session.receive(replies);
  written += session.take_output();
  EXPECT_EQ(std::string::npos, written.find("DATA"));
  EXPECT_TRUE(written.ends_with("QUIT\r\n")) << written.substr(written.size() - 100);
  EXPECT_EQ(Step::finished, session.next_step());
  ASSERT_TRUE(session.outcome().error.has_value());
  EXPECT_EQ(ErrorKind::unavailable, session.outcome().error->kind);
  EXPECT_NE(std::string::npos, session.outcome().error->message.find("550 5.7.1 sender refused"));
}

}  // namespace
}  // namespace smtpsend::smtp
