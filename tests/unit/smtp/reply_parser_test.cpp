#include "smtp/reply_parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace smtpsend::smtp {
namespace {

std::vector<Reply> parse_all(ReplyParser& parser) {
  std::vector<Reply> replies;
  while (auto reply = parser.next()) {
    replies.push_back(std::move(*reply));
  }
  return replies;
}

std::vector<Reply> parse_whole(std::string_view bytes) {
  ReplyParser parser;
  parser.feed(bytes);
  return parse_all(parser);
}

std::vector<Reply> parse_byte_by_byte(std::string_view bytes) {
  ReplyParser parser;
  for (char c : bytes) {
    parser.feed(std::string_view(&c, 1));
  }
  return parse_all(parser);
}

ErrorKind failure_kind(std::string_view bytes) {
  ReplyParser parser;
  try {
    parser.feed(bytes);
    parse_all(parser);
  } catch (const Failure& failure) {
    return failure.error().kind;
  }
  ADD_FAILURE() << "no failure for: " << bytes;
  return ErrorKind::internal;
}

std::string fixture(const std::string& name) {
  std::ifstream file(std::string(SMTPSEND_TEST_DATA_DIR) + "/ehlo/" + name, std::ios::binary);
  EXPECT_TRUE(file) << name;
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

TEST(ReplyParser, SingleLineReply) {
  const auto replies = parse_whole("220 mx.example.org ESMTP ready\r\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ(220, replies[0].code);
  EXPECT_EQ(std::vector<std::string>{"mx.example.org ESMTP ready"}, replies[0].lines);
  EXPECT_EQ("", replies[0].enhanced);
}

TEST(ReplyParser, MultilineReplyIsOneReplyWithAllLines) {
  const auto replies = parse_whole("250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ((std::vector<std::string>{"mx.example.org", "PIPELINING", "SIZE 1000"}),
            replies[0].lines);
}

TEST(ReplyParser, IncompleteReplyIsNotYielded) {
  ReplyParser parser;
  parser.feed("250-mx.example.org\r\n250 PIPELI");
  EXPECT_FALSE(parser.next().has_value());
  EXPECT_TRUE(parser.has_pending_input());
  parser.feed("NING\r\n");
  const auto reply = parser.next();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ("PIPELINING", reply->lines.back());
  EXPECT_FALSE(parser.has_pending_input());
}

TEST(ReplyParser, CoalescedRepliesComeOutInOrder) {
  const auto replies =
      parse_whole("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  ASSERT_EQ(3u, replies.size());
  EXPECT_EQ(250, replies[0].code);
  EXPECT_EQ("2.1.0", replies[0].enhanced);
  EXPECT_EQ("2.1.5", replies[1].enhanced);
  EXPECT_EQ(354, replies[2].code);
}

TEST(ReplyParser, ByteByByteGivesTheSameRepliesAsWhole) {
  for (const char* name : {"hotmail-2009-587-plain.txt", "gmail-2009-465-tls.txt",
                           "gmail-2009-587-plain-auth-refused.txt", "postfix-3.7-after-tls.txt"}) {
    SCOPED_TRACE(name);
    const std::string bytes = fixture(name);
    const auto whole = parse_whole(bytes);
    const auto bytewise = parse_byte_by_byte(bytes);
    ASSERT_EQ(whole.size(), bytewise.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(whole[i].code, bytewise[i].code);
      EXPECT_EQ(whole[i].lines, bytewise[i].lines);
      EXPECT_EQ(whole[i].enhanced, bytewise[i].enhanced);
    }
  }
}

TEST(ReplyParser, RealServerTranscriptsSplitIntoTheirReplies) {
  const auto hotmail = parse_whole(fixture("hotmail-2009-587-plain.txt"));
  ASSERT_EQ(3u, hotmail.size());
  EXPECT_EQ(220, hotmail[0].code);
  EXPECT_EQ(250, hotmail[1].code);
  EXPECT_EQ(14u, hotmail[1].lines.size());
  EXPECT_EQ(220, hotmail[2].code);
  EXPECT_EQ("2.0.0", hotmail[2].enhanced);

  const auto gmail = parse_whole(fixture("gmail-2009-587-plain-auth-refused.txt"));
  ASSERT_EQ(3u, gmail.size());
  EXPECT_EQ(530, gmail[2].code);
  EXPECT_EQ("5.7.0", gmail[2].enhanced);
}

TEST(ReplyParser, LfOnlyLineEndsAreAccepted) {
  const auto replies = parse_whole("250-first\n250 second\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ((std::vector<std::string>{"first", "second"}), replies[0].lines);
}

TEST(ReplyParser, BareCodeLineIsAValidReply) {
  const auto replies = parse_whole("250\r\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ(250, replies[0].code);
  EXPECT_EQ(std::vector<std::string>{""}, replies[0].lines);
}

TEST(ReplyParser, EmptyContinuationLineIsKept) {
  const auto replies = parse_whole("250-\r\n250 done\r\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ((std::vector<std::string>{"", "done"}), replies[0].lines);
}

TEST(ReplyParser, MultilineWithMismatchedCodesIsAProtocolError) {
  EXPECT_EQ(ErrorKind::protocol, failure_kind("250-first\r\n251 second\r\n"));
}

TEST(ReplyParser, NonDigitCodeIsAProtocolError) {
  EXPECT_EQ(ErrorKind::protocol, failure_kind("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_EQ(ErrorKind::protocol, failure_kind("25a ok\r\n"));
  EXPECT_EQ(ErrorKind::protocol, failure_kind("\r\n"));
}

TEST(ReplyParser, CodeOutsideTwoHundredToFiveNinetyNineIsAProtocolError) {
  EXPECT_EQ(ErrorKind::protocol, failure_kind("199 hmm\r\n"));
  EXPECT_EQ(ErrorKind::protocol, failure_kind("600 hmm\r\n"));
  EXPECT_EQ(ErrorKind::protocol, failure_kind("099 hmm\r\n"));
}

TEST(ReplyParser, CodeFollowedByNeitherSpaceNorDashIsAProtocolError) {
  EXPECT_EQ(ErrorKind::protocol, failure_kind("250x ok\r\n"));
  EXPECT_EQ(ErrorKind::protocol, failure_kind("2500 ok\r\n"));
}

TEST(ReplyParser, LineOfMaximumLengthIsAccepted) {
  const std::string line = "250 " + std::string(max_reply_line_length - 4, 'x');
  const auto replies = parse_whole(line + "\r\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ(max_reply_line_length - 4, replies[0].lines[0].size());
}

TEST(ReplyParser, LineLongerThanTheLimitIsAProtocolError) {
  const std::string line = "250 " + std::string(max_reply_line_length - 3, 'x');
  EXPECT_EQ(ErrorKind::protocol, failure_kind(line + "\r\n"));
}

TEST(ReplyParser, EndlessLineFailsBeforeItsEndArrives) {
  ReplyParser parser;
  const std::string chunk(512, 'x');
  bool failed = false;
  for (int i = 0; i < 100 && !failed; ++i) {
    try {
      parser.feed(i == 0 ? "250 " : chunk);
    } catch (const Failure& failure) {
      EXPECT_EQ(ErrorKind::protocol, failure.error().kind);
      failed = true;
    }
  }
  EXPECT_TRUE(failed);
}

TEST(ReplyParser, TooManyLinesIsAProtocolError) {
  std::string reply;
  for (std::size_t i = 0; i < max_reply_lines; ++i) {
    reply += "250-line\r\n";
  }
  EXPECT_EQ(ErrorKind::protocol, failure_kind(reply + "250 last\r\n"));
}

TEST(ReplyParser, ReplyLargerThanTheLimitIsAProtocolError) {
  const std::string line = "250-" + std::string(max_reply_line_length - 4, 'x') + "\r\n";
  std::string reply;
  for (std::size_t i = 0; i < max_reply_size / (max_reply_line_length - 4) + 1; ++i) {
    reply += line;
  }
  ASSERT_LT(reply.size() / line.size(), max_reply_lines);
  EXPECT_EQ(ErrorKind::protocol, failure_kind(reply + "250 last\r\n"));
}

TEST(ReplyParser, RefusesInputAfterAProtocolError) {
  ReplyParser parser;
  parser.feed("garbage\r\n");
  EXPECT_THROW(parser.next(), Failure);
  EXPECT_THROW(parser.feed("250 ok\r\n"), Failure);
}

// Found by tests/fuzz/session_fuzz: a 250 to the final dot and garbage in one read lost the 250.
TEST(ReplyParser, RepliesBeforeAMalformedLineInTheSameReadAreStillDelivered) {
  ReplyParser parser;
  parser.feed("250 2.0.0 queued\r\n221-bye\r\ngarbage\r\n");
  const auto first = parser.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->code, 250);
  EXPECT_THROW(parser.next(), Failure);
  EXPECT_FALSE(parser.next().has_value());
}

TEST(ReplyParser, ErrorMessageQuotesTheOffendingLineEscaped) {
  ReplyParser parser;
  try {
    parser.feed("oops\x1b[2J\r\n");
    parser.next();
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_NE(std::string::npos, failure.error().message.find("\"oops\\x1b[2J\""))
        << failure.error().message;
  }
}

TEST(ReplyParser, EnhancedCodeIsTakenFromTheFirstLine) {
  const auto replies = parse_whole("550-5.1.1 no such user\r\n550 5.1.1 see the docs\r\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ("5.1.1", replies[0].enhanced);
}

TEST(ReplyParser, EnhancedCodeOfAnotherClassIsNotTaken) {
  const auto replies = parse_whole("550 2.5 million messages refused\r\n");
  ASSERT_EQ(1u, replies.size());
  EXPECT_EQ("", replies[0].enhanced);
}

}  // namespace
}  // namespace smtpsend::smtp
