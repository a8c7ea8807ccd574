#include "smtp/reply.hpp"

#include <gtest/gtest.h>

namespace smtpsend::smtp {
namespace {

TEST(EnhancedStatusCode, RecognizesClassSubjectDetail) {
  EXPECT_EQ("2.1.0", enhanced_status_code(250, "2.1.0 Ok"));
  EXPECT_EQ("5.7.8", enhanced_status_code(535, "5.7.8 Error: authentication failed"));
  EXPECT_EQ("4.7.0", enhanced_status_code(454, "4.7.0"));
  EXPECT_EQ("5.123.456", enhanced_status_code(550, "5.123.456 detail"));
}

TEST(EnhancedStatusCode, RejectsClassMismatchAndMalformedCodes) {
  EXPECT_EQ("", enhanced_status_code(550, "4.1.1 wrong class"));
  EXPECT_EQ("", enhanced_status_code(354, "3.0.0 no such class"));
  EXPECT_EQ("", enhanced_status_code(550, "5.1 too short"));
  EXPECT_EQ("", enhanced_status_code(550, "5.1.1234 too long"));
  EXPECT_EQ("", enhanced_status_code(550, "5.1.1x glued"));
  EXPECT_EQ("", enhanced_status_code(250, "mx.example.org"));
}

TEST(ReplyConversion, ServerReplyJoinsLinesAndDropsRepeatedEnhancedCodes) {
  Reply reply{550, "5.1.1", {"5.1.1 <bob@example.net>: no such user", "5.1.1 see the docs"}};
  const ServerReply server_reply = to_server_reply(reply);
  EXPECT_EQ(550, server_reply.code);
  EXPECT_EQ("5.1.1", server_reply.enhanced);
  EXPECT_EQ("<bob@example.net>: no such user\nsee the docs", server_reply.text);
  EXPECT_EQ("550 5.1.1 <bob@example.net>: no such user see the docs", describe(server_reply));
}

TEST(ReplyConversion, WireLinesRebuildWhatTheServerSent) {
  Reply reply{250, "", {"mx.example.org", "PIPELINING", "SIZE 10"}};
  EXPECT_EQ((std::vector<std::string>{"250-mx.example.org", "250-PIPELINING", "250 SIZE 10"}),
            wire_lines(reply));
  EXPECT_EQ(std::vector<std::string>{"250"}, wire_lines(Reply{250, "", {""}}));
}

}  // namespace
}  // namespace smtpsend::smtp
