#include "mime/prepared_message_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace smtpsend::mime {
namespace {

// The whole input in one chunk.
std::string filtered(std::string_view input) {
  PreparedMessageFilter filter;
  std::string out;
  filter.add(input, out);
  filter.finish(out);
  return out;
}

// The input in two chunks split at `split`.
std::string filtered_in_two(std::string_view input, std::size_t split) {
  PreparedMessageFilter filter;
  std::string out;
  filter.add(input.substr(0, split), out);
  filter.add(input.substr(split), out);
  filter.finish(out);
  return out;
}

std::string filtered_byte_by_byte(std::string_view input) {
  PreparedMessageFilter filter;
  std::string out;
  for (const char c : input) {
    filter.add(std::string_view(&c, 1), out);
  }
  filter.finish(out);
  return out;
}

TEST(PreparedMessageFilter, BccFieldIsRemovedFromTheHeaderSection) {
  EXPECT_EQ(filtered("From: a@example.com\r\n"
                     "Bcc: hidden@example.net\r\n"
                     "Subject: hi\r\n"
                     "\r\n"
                     "body\r\n"),
            "From: a@example.com\r\n"
            "Subject: hi\r\n"
            "\r\n"
            "body\r\n");
}

TEST(PreparedMessageFilter, BccContinuationLinesGoWithIt) {
  EXPECT_EQ(filtered("To: b@example.com,\r\n"
                     "\tc@example.com\r\n"
                     "Bcc: one@example.net,\r\n"
                     " two@example.net,\r\n"
                     "\tthree@example.net\r\n"
                     "Subject: hi\r\n"
                     "\r\n"
                     "body\r\n"),
            "To: b@example.com,\r\n"
            "\tc@example.com\r\n"
            "Subject: hi\r\n"
            "\r\n"
            "body\r\n");
}

TEST(PreparedMessageFilter, BccNameMatchesInAnyCaseAndWithWhitespaceBeforeTheColon) {
  EXPECT_EQ(filtered("bcc: a@example.net\n"
                     "BCC:b@example.net\n"
                     "bCc \t: c@example.net\n"
                     "Subject: hi\n"),
            "Subject: hi\r\n");
}

TEST(PreparedMessageFilter, FieldsWhoseNamesOnlyStartWithBccAreKept) {
  const std::string input =
      "Bccx: 1\r\n"
      "Bcc-Note: 2\r\n"
      "X-Bcc: 3\r\n"
      "Bc: 4\r\n"
      "Bcc\r\n"
      "\r\n";
  EXPECT_EQ(filtered(input), input);
}

TEST(PreparedMessageFilter, BccInTheBodyIsKept) {
  const std::string input =
      "Subject: forwarded\r\n"
      "\r\n"
      "Bcc: stays@example.net\r\n"
      "\r\n"
      "Bcc: stays too\r\n";
  EXPECT_EQ(filtered(input), input);
}

TEST(PreparedMessageFilter, ContinuationOfAKeptFieldAfterADroppedOneIsKept) {
  EXPECT_EQ(filtered("Bcc: x@example.net\n"
                     "Subject: a\n"
                     " b\n"
                     "\n"),
            "Subject: a\r\n"
            " b\r\n"
            "\r\n");
}

TEST(PreparedMessageFilter, BareLfAndBareCrBecomeCrlf) {
  EXPECT_EQ(filtered("Subject: x\n\nline one\rline two\nline three\r\n"),
            "Subject: x\r\n\r\nline one\r\nline two\r\nline three\r\n");
}

TEST(PreparedMessageFilter, EmptyLineMadeOfBareCrEndsTheHeader) {
  EXPECT_EQ(filtered("Subject: x\r\rBcc: body text\r"), "Subject: x\r\n\r\nBcc: body text\r\n");
}

TEST(PreparedMessageFilter, MessageWithoutEmptyLineIsAllHeader) {
  EXPECT_EQ(filtered("Subject: x\nBcc: y@example.net"), "Subject: x\r\n");
  EXPECT_EQ(filtered("Subject: x\nBcc: y@example.net\n"), "Subject: x\r\n");
}

TEST(PreparedMessageFilter, LastLineWithoutLineEndGetsCrlf) {
  EXPECT_EQ(filtered("Subject: x\n\nno end"), "Subject: x\r\n\r\nno end\r\n");
  EXPECT_EQ(filtered("Bc"), "Bc\r\n");
}

TEST(PreparedMessageFilter, EmptyInputStaysEmpty) {
  EXPECT_EQ(filtered(""), "");
}

TEST(PreparedMessageFilter, CrAtTheEndOfAChunkAndLfAtTheStartOfTheNextAreOneLineEnd) {
  PreparedMessageFilter filter;
  std::string out;
  filter.add("Subject: x\r", out);
  filter.add("\n\r", out);
  filter.add("\nbody\r", out);
  filter.add("\n", out);
  filter.finish(out);
  EXPECT_EQ(out, "Subject: x\r\n\r\nbody\r\n");
}

TEST(PreparedMessageFilter, EverySplitGivesTheSameOutput) {
  const std::string input =
      "From: a@example.com\r\n"
      "BCC : one@example.net,\r\n"
      "\ttwo@example.net\n"
      "Bccx: kept\r"
      "Subject: hi\r\n"
      "\r\n"
      "Bcc: body\n"
      ".dot\r\n";
  const std::string expected =
      "From: a@example.com\r\n"
      "Bccx: kept\r\n"
      "Subject: hi\r\n"
      "\r\n"
      "Bcc: body\r\n"
      ".dot\r\n";
  ASSERT_EQ(filtered(input), expected);
  for (std::size_t split = 0; split <= input.size(); ++split) {
    EXPECT_EQ(filtered_in_two(input, split), expected) << "split at " << split;
  }
  EXPECT_EQ(filtered_byte_by_byte(input), expected);
}

TEST(PreparedMessageFilter, BccNameWithALineOfWhitespaceIsDropped) {
  const std::string input = "Bcc" + std::string(1200, ' ') + ": x@example.net\nSubject: s\n";
  EXPECT_EQ(filtered(input), "Subject: s\r\n");
}

}  // namespace
}  // namespace smtpsend::mime
