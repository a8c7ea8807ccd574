#include "mime/prepared_message_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/error.hpp"

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

// A bare CR in the header section is a space: it can neither end the header section nor start a
// field that the header parser did not see.
TEST(PreparedMessageFilter, BareCrsInTheHeaderSectionAreSpaces) {
  EXPECT_EQ(filtered("Subject: x\r\rBcc: y@example.net\r\n\r\nbody\r"),
            "Subject: x  Bcc: y@example.net\r\n\r\nbody\r\n");
  EXPECT_EQ(filtered("To: a@example.com\rBcc: b@example.net\n\n"),
            "To: a@example.com Bcc: b@example.net\r\n\r\n");
}

// Text converted to CRLF twice, as Windows tools do: each "\r\r\n" is one line end, so the Bcc
// field is still in the header section and is removed.
TEST(PreparedMessageFilter, CrCrLfIsOneLineEndAndBccAfterItIsRemoved) {
  EXPECT_EQ(filtered("From: a@example.com\r\r\n"
                     "Bcc: hidden@example.net\r\r\n"
                     "Subject: hi\r\r\r\n"
                     "\r\r\n"
                     "body\r\r\n"),
            "From: a@example.com\r\n"
            "Subject: hi\r\n"
            "\r\n"
            "body\r\n");
}

TEST(PreparedMessageFilter, ResentBccIsRemovedLikeBcc) {
  EXPECT_EQ(filtered("Resent-From: a@example.com\n"
                     "resent-BCC : hidden@example.net,\n"
                     " other@example.net\n"
                     "Resent-Bccx: kept\n"
                     "\n"
                     "Resent-Bcc: in the body\n"),
            "Resent-From: a@example.com\r\n"
            "Resent-Bccx: kept\r\n"
            "\r\n"
            "Resent-Bcc: in the body\r\n");
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
      "Subject: hi\r\r\n"
      "Bcc: two\r\r\n"
      "\r\r\n"
      "Bcc: body\n"
      ".dot\rx\r\n";
  const std::string expected =
      "From: a@example.com\r\n"
      "Bccx: kept Subject: hi\r\n"
      "\r\n"
      "Bcc: body\r\n"
      ".dot\r\nx\r\n";
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
  const Filtered result = filtered_with(body_only, "Bcc: kept@example.net\n.\n\nbody\rend");
  EXPECT_EQ(result.out, "Bcc: kept@example.net\r\n.\r\n\r\nbody\r\nend\r\n");
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
  EXPECT_EQ(filtered_with(body_until_dot, "\na\n.\rb\n").out, "\r\na\r\n.\r\nb\r\n");
  EXPECT_EQ(filtered_with(body_until_dot, "\na\n.\r\rb").out, "\r\na\r\n.\r\n\r\nb\r\n");
  EXPECT_EQ(filtered_with(body_until_dot, "\na\n.\r").out, "\r\na\r\n.\r\n");
  // In the header section the bare CR is a space, so the line is ". ".
  EXPECT_EQ(filtered_with(body_until_dot, "a\n.\rb\n").out, "a\r\n. b\r\n");
}

// Any run of CRs before the LF is one line end, so ".\r\r\n" is the lone dot.
TEST(PreparedMessageFilter, DotBeforeCrCrLfIsTheLoneDot) {
  const Filtered result = filtered_with(body_until_dot, "a\r\r\n\r\r\nb\r\r\n.\r\r\nafter\n");
  EXPECT_EQ(result.out, "a\r\n\r\nb\r\n");
  EXPECT_TRUE(result.ended);
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

// RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6: 998 octets at most before the CRLF. A body line is
// broken with a CRLF, as Postfix does (smtp_line_length_limit).
TEST(PreparedMessageFilter, LongBodyLineIsBrokenAt998Octets) {
  PreparedMessageFilter filter;
  std::string out;
  filter.add("Subject: log\n\n" + std::string(2000, 'x') + "\nnext\n", out);
  filter.finish(out);
  EXPECT_EQ(out, "Subject: log\r\n\r\n" + std::string(998, 'x') + "\r\n" + std::string(998, 'x') +
                     "\r\n" + std::string(4, 'x') + "\r\nnext\r\n");
  EXPECT_EQ(filter.long_lines(), 1U);
  EXPECT_EQ(filter.first_long_line(), 3U);
}

TEST(PreparedMessageFilter, LineOf998OctetsIsKept) {
  const std::string input = "\r\n" + std::string(998, 'x') + "\r\n";
  PreparedMessageFilter filter;
  std::string out;
  filter.add(input, out);
  filter.finish(out);
  EXPECT_EQ(out, input);
  EXPECT_EQ(filter.long_lines(), 0U);
}

TEST(PreparedMessageFilter, BreakNeverSplitsAUtf8Sequence) {
  // 997 octets, then "é" (two octets) would straddle the limit: it moves to the next line.
  const std::string input = "\n" + std::string(997, 'x') + "\xC3\xA9z\n";
  EXPECT_EQ(filtered(input), "\r\n" + std::string(997, 'x') + "\r\n\xC3\xA9z\r\n");
  EXPECT_EQ(filtered_byte_by_byte(input), filtered(input));
}

// In the header section the line is folded (RFC 5322 §2.2.3): at the last whitespace within the
// limit, so that unfolding gives the field back; without whitespace, CRLF and a space are
// inserted.
TEST(PreparedMessageFilter, LongHeaderFieldIsFolded) {
  const std::string words = "Subject: " + std::string(900, 'a') + " " + std::string(200, 'b');
  EXPECT_EQ(filtered(words + "\n\n"),
            "Subject: " + std::string(900, 'a') + "\r\n " + std::string(200, 'b') + "\r\n\r\n");
  const std::string unbroken = "X-Long:" + std::string(1500, 'c');
  EXPECT_EQ(filtered(unbroken + "\n\n"),
            "X-Long:" + std::string(991, 'c') + "\r\n " + std::string(509, 'c') + "\r\n\r\n");
}

TEST(PreparedMessageFilter, LongBccFieldIsRemovedWhole) {
  const std::string input = "Bcc: " + std::string(3000, 'b') + "@example.net\nSubject: s\n\n";
  EXPECT_EQ(filtered(input), "Subject: s\r\n\r\n");
}

// A line broken at the limit that ends in "." is not the lone dot: sendmail sees one long line.
TEST(PreparedMessageFilter, DotAfterABreakIsNotTheLoneDot) {
  const Filtered result = filtered_with(body_until_dot, "\n" + std::string(998, 'x') + ".\nb\n");
  EXPECT_EQ(result.out, "\r\n" + std::string(998, 'x') + "\r\n.\r\nb\r\n");
  EXPECT_FALSE(result.ended);
}

TEST(PreparedMessageFilter, NulByteIsRefusedWithItsLineNumber) {
  PreparedMessageFilter filter;
  std::string out;
  try {
    filter.add(std::string("Subject: x\n\nline two\nbinary \0 data\n", 35), out);
    ADD_FAILURE() << "no failure for a NUL byte";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_EQ(std::string(failure.what()),
              "line 4 of the message holds a NUL byte, which mail text must not contain "
              "(RFC 2045 §2.7, §2.8); send binary data as an attachment instead (smtpsend -a "
              "FILE)");
  }
}

}  // namespace
}  // namespace smtpsend::mime
