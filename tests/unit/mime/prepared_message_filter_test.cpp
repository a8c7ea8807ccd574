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

// What a filter with `rules` makes of `input` given whole, and how much of it it took.
struct Filtered {
  std::string out;
  std::size_t taken = 0;
  bool ended = false;
};

Filtered filtered_with(PreparedMessageFilterRules rules, std::string_view input) {
  PreparedMessageFilter filter(rules);
  Filtered result;
  result.taken = filter.add(input, result.out);
  filter.finish(result.out);
  result.ended = filter.ended();
  return result;
}

// The same in two chunks split at `split`.
Filtered filtered_in_two_with(PreparedMessageFilterRules rules, std::string_view input,
                              std::size_t split) {
  PreparedMessageFilter filter(rules);
  Filtered result;
  result.taken = filter.add(input.substr(0, split), result.out);
  if (result.taken == split) {
    result.taken += filter.add(input.substr(split), result.out);
  }
  filter.finish(result.out);
  result.ended = filter.ended();
  return result;
}

constexpr PreparedMessageFilterRules body_only{.remove_bcc = false, .dot_ends_input = false};
constexpr PreparedMessageFilterRules body_until_dot{.remove_bcc = false, .dot_ends_input = true};

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

TEST(PreparedMessageFilter, WithoutBccRemovalOnlyLineEndsChange) {
  const Filtered result = filtered_with(body_only, "Bcc: kept@example.net\n.\nbody\rend");
  EXPECT_EQ(result.out, "Bcc: kept@example.net\r\n.\r\nbody\r\nend\r\n");
  EXPECT_FALSE(result.ended);
}

TEST(PreparedMessageFilter, LoneDotEndsTheInputAndTheRestIsNotTaken) {
  const std::string input = "line\n.\nafter\n";
  const Filtered result = filtered_with(body_until_dot, input);
  EXPECT_EQ(result.out, "line\r\n");
  EXPECT_TRUE(result.ended);
  EXPECT_EQ(result.taken, std::string_view("line\n.\n").size());
}

TEST(PreparedMessageFilter, LoneDotWithCrlfEndsTheInput) {
  const Filtered result = filtered_with(body_until_dot, "line\r\n.\r\nafter\r\n");
  EXPECT_EQ(result.out, "line\r\n");
  EXPECT_EQ(result.taken, std::string_view("line\r\n.\r\n").size());
}

TEST(PreparedMessageFilter, LoneDotAtTheEndOfTheInputEndsIt) {
  const Filtered result = filtered_with(body_until_dot, "line\n.");
  EXPECT_EQ(result.out, "line\r\n");
  EXPECT_TRUE(result.ended);
}

TEST(PreparedMessageFilter, LoneDotAsTheFirstLineLeavesNothing) {
  const Filtered result = filtered_with(body_until_dot, ".\nSubject: x\n");
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.taken, 2U);
}

TEST(PreparedMessageFilter, LoneDotInTheHeaderSectionEndsTheInputToo) {
  const Filtered result = filtered_with({.remove_bcc = true, .dot_ends_input = true},
                                        "Subject: x\nBcc: a@example.net\n.\nTo: b@example.net\n");
  EXPECT_EQ(result.out, "Subject: x\r\n");
  EXPECT_TRUE(result.ended);
}

TEST(PreparedMessageFilter, LinesThatOnlyStartWithADotAreKept) {
  const std::string input = "..\r\n.x\r\n. \r\n\r\n";
  const Filtered result = filtered_with(body_until_dot, input);
  EXPECT_EQ(result.out, input);
  EXPECT_FALSE(result.ended);
}

// sendmail ends lines at LF only, so "." then a bare CR is not its lone dot.
TEST(PreparedMessageFilter, DotFollowedByABareCrIsAnOrdinaryLine) {
  EXPECT_EQ(filtered_with(body_until_dot, "a\n.\rb\n").out, "a\r\n.\r\nb\r\n");
  EXPECT_EQ(filtered_with(body_until_dot, "a\n.\r\rb").out, "a\r\n.\r\n\r\nb\r\n");
  EXPECT_EQ(filtered_with(body_until_dot, "a\n.\r").out, "a\r\n.\r\n");
}

TEST(PreparedMessageFilter, DotLineIsKeptWithoutDotEndsInput) {
  const Filtered result = filtered_with(body_only, "a\n.\nb\n");
  EXPECT_EQ(result.out, "a\r\n.\r\nb\r\n");
  EXPECT_FALSE(result.ended);
}

TEST(PreparedMessageFilter, NothingIsTakenOnceTheInputHasEnded) {
  PreparedMessageFilter filter(body_until_dot);
  std::string out;
  EXPECT_EQ(filter.add("a\n.", out), 3U);
  EXPECT_EQ(filter.add("\r", out), 1U);
  EXPECT_EQ(filter.add("\nb\n", out), 1U);
  EXPECT_TRUE(filter.ended());
  EXPECT_EQ(filter.add("c\n", out), 0U);
  filter.finish(out);
  EXPECT_EQ(out, "a\r\n");
}

TEST(PreparedMessageFilter, EverySplitEndsAtTheSameLoneDot) {
  const std::string input =
      "Subject: x\r\n"
      "\r\n"
      ".leading dot\r"
      ".\rx\n"
      "\n"
      "..\n"
      ".\r\n"
      "not sent\n";
  const std::string expected =
      "Subject: x\r\n"
      "\r\n"
      ".leading dot\r\n"
      ".\r\n"
      "x\r\n"
      "\r\n"
      "..\r\n";
  const std::size_t taken = input.find("not sent");
  const Filtered whole = filtered_with(body_until_dot, input);
  ASSERT_EQ(whole.out, expected);
  ASSERT_EQ(whole.taken, taken);
  for (std::size_t split = 0; split <= input.size(); ++split) {
    const Filtered in_two = filtered_in_two_with(body_until_dot, input, split);
    EXPECT_EQ(in_two.out, expected) << "split at " << split;
    EXPECT_EQ(in_two.taken, taken) << "split at " << split;
    EXPECT_TRUE(in_two.ended) << "split at " << split;
  }
}

}  // namespace
}  // namespace smtpsend::mime
