#include "smtp/capabilities.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "smtp/reply_parser.hpp"

namespace smtpsend::smtp {
namespace {

// The replies in one of the recorded server transcripts in tests/data/ehlo.
std::vector<Reply> fixture_replies(const std::string& name) {
  std::ifstream file(std::string(SMTPSEND_TEST_DATA_DIR) + "/ehlo/" + name, std::ios::binary);
  EXPECT_TRUE(file) << name;
  std::ostringstream content;
  content << file.rdbuf();
  ReplyParser parser;
  parser.feed(content.str());
  std::vector<Reply> replies;
  while (auto reply = parser.next()) {
    replies.push_back(std::move(*reply));
  }
  return replies;
}

// The EHLO reply of a transcript: the first reply with code 250.
Reply ehlo_reply(const std::string& name) {
  for (auto& reply : fixture_replies(name)) {
    if (reply.code == 250) {
      return reply;
    }
  }
  ADD_FAILURE() << "no 250 reply in " << name;
  return {};
}

Capabilities parse_lines(std::vector<std::string> lines) {
  return parse_capabilities(Reply{250, "", std::move(lines)});
}

TEST(Capabilities, HotmailLowerCase8bitmimeAndTrailingOkLine) {
  const Capabilities caps = parse_capabilities(ehlo_reply("hotmail-2009-587-plain.txt"));
  EXPECT_TRUE(caps.esmtp);
  EXPECT_TRUE(caps.eightbitmime);
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.starttls);
  EXPECT_TRUE(caps.dsn);
  EXPECT_TRUE(caps.enhanced_status_codes);
  EXPECT_TRUE(caps.chunking);
  EXPECT_FALSE(caps.smtputf8);
  EXPECT_EQ(std::optional<std::uint64_t>(35840000), caps.size);
  EXPECT_TRUE(caps.auth.empty());
}

TEST(Capabilities, GmailImplicitTlsOffersAuthLoginPlain) {
  const Capabilities caps = parse_capabilities(ehlo_reply("gmail-2009-465-tls.txt"));
  EXPECT_EQ((std::vector<std::string>{"LOGIN", "PLAIN"}), caps.auth);
  EXPECT_EQ(std::optional<std::uint64_t>(35651584), caps.size);
  EXPECT_TRUE(caps.pipelining);
  EXPECT_FALSE(caps.starttls);
  EXPECT_FALSE(caps.enhanced_status_codes);
}

TEST(Capabilities, GmailSubmissionBeforeTlsHasNoAuth) {
  const Capabilities caps = parse_capabilities(ehlo_reply("gmail-2009-587-plain-auth-refused.txt"));
  EXPECT_TRUE(caps.enhanced_status_codes);
  EXPECT_TRUE(caps.auth.empty());
  EXPECT_FALSE(caps.pipelining);
}

TEST(Capabilities, PostfixBeforeTlsOffersStarttlsButNoAuth) {
  const Capabilities caps = parse_capabilities(ehlo_reply("postfix-3.7-before-tls.txt"));
  EXPECT_TRUE(caps.starttls);
  EXPECT_TRUE(caps.auth.empty());
  EXPECT_TRUE(caps.smtputf8);
  EXPECT_TRUE(caps.chunking);
  EXPECT_EQ(std::optional<std::uint64_t>(1100000000), caps.size);
}

TEST(Capabilities, PostfixAfterTlsOffersAuthAndNoStarttls) {
  const Capabilities caps = parse_capabilities(ehlo_reply("postfix-3.7-after-tls.txt"));
  EXPECT_FALSE(caps.starttls);
  EXPECT_EQ(
      (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}),
      caps.auth);
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.dsn);
  EXPECT_TRUE(caps.eightbitmime);
  EXPECT_TRUE(caps.smtputf8);
}

TEST(Capabilities, FirstLineIsTheGreetingNotAnExtension) {
  const Capabilities caps = parse_lines({"PIPELINING STARTTLS"});
  EXPECT_TRUE(caps.esmtp);
  EXPECT_FALSE(caps.pipelining);
  EXPECT_FALSE(caps.starttls);
}

TEST(Capabilities, OldAuthEqualsFormIsReadAndMergedWithoutDuplicates) {
  const Capabilities caps = parse_lines({"mx", "AUTH=LOGIN PLAIN", "AUTH plain cram-md5"});
  EXPECT_EQ((std::vector<std::string>{"LOGIN", "PLAIN", "CRAM-MD5"}), caps.auth);
}

TEST(Capabilities, KeywordsAreCaseInsensitive) {
  const Capabilities caps = parse_lines({"mx", "pipelining", "StartTLS", "smtputf8", "size 10"});
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.starttls);
  EXPECT_TRUE(caps.smtputf8);
  EXPECT_EQ(std::optional<std::uint64_t>(10), caps.size);
}

TEST(Capabilities, SizeWithoutANumberMeansNoFixedLimit) {
  EXPECT_EQ(std::optional<std::uint64_t>(0), parse_lines({"mx", "SIZE"}).size);
  EXPECT_EQ(std::optional<std::uint64_t>(0), parse_lines({"mx", "SIZE lots"}).size);
  EXPECT_FALSE(parse_lines({"mx"}).size.has_value());
}

TEST(Capabilities, UnknownKeywordsAreIgnored) {
  const Capabilities caps = parse_lines({"mx", "X-EXPS GSSAPI", "TURN", "VRFY", "XCLIENT NAME"});
  EXPECT_TRUE(caps.auth.empty());
  EXPECT_FALSE(caps.pipelining);
}

}  // namespace
}  // namespace smtpsend::smtp
