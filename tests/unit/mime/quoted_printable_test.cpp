#include "mime/quoted_printable.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mime_test_decoders.hpp"

namespace smtpsend::mime {
namespace {

TEST(QuotedPrintable, PlainAsciiLinesPassUnchanged) {
  EXPECT_EQ(encode_quoted_printable("Hello, world!\r\nSecond line\r\n"),
            "Hello, world!\r\nSecond line\r\n");
}

TEST(QuotedPrintable, EmptyInputGivesNoOutput) {
  EXPECT_EQ(encode_quoted_printable(""), "");
}

TEST(QuotedPrintable, UnendedLastLineEndsWithSoftBreak) {
  EXPECT_EQ(encode_quoted_printable("no newline"), "no newline=\r\n");
}

TEST(QuotedPrintable, EqualsSignIsEncoded) {
  EXPECT_EQ(encode_quoted_printable("a=b\r\n"), "a=3Db\r\n");
}

TEST(QuotedPrintable, NonAsciiBytesAreEncodedInUpperCaseHex) {
  EXPECT_EQ(encode_quoted_printable("caf\xC3\xA9\r\n"), "caf=C3=A9\r\n");
}

TEST(QuotedPrintable, TrailingWhitespaceBeforeLineBreakIsEncoded) {
  EXPECT_EQ(encode_quoted_printable("space \r\ntab\t\r\n"), "space=20\r\ntab=09\r\n");
}

TEST(QuotedPrintable, InnerWhitespaceStaysLiteral) {
  EXPECT_EQ(encode_quoted_printable("a \t b\r\n"), "a \t b\r\n");
}

TEST(QuotedPrintable, WhitespaceBeforeFinalSoftBreakStaysLiteral) {
  EXPECT_EQ(encode_quoted_printable("end "), "end =\r\n");
}

TEST(QuotedPrintable, LineOfExactly76CharactersIsNotBroken) {
  const std::string line(76, 'a');
  EXPECT_EQ(encode_quoted_printable(line + "\r\n"), line + "\r\n");
}

TEST(QuotedPrintable, LongLineGetsSoftBreakAfter75Characters) {
  EXPECT_EQ(encode_quoted_printable(std::string(100, 'a') + "\r\n"),
            std::string(75, 'a') + "=\r\n" + std::string(25, 'a') + "\r\n");
}

TEST(QuotedPrintable, EscapeIsNeverSplitBySoftBreak) {
  EXPECT_EQ(encode_quoted_printable(std::string(74, 'a') + "\xC3\xA9\r\n"),
            std::string(74, 'a') + "=\r\n=C3=A9\r\n");
}

TEST(QuotedPrintable, TrailingSpaceAtLineLimitMovesToItsOwnLine) {
  EXPECT_EQ(encode_quoted_printable(std::string(75, 'a') + " \r\n"),
            std::string(75, 'a') + "=\r\n=20\r\n");
}

TEST(QuotedPrintable, DotAtLineStartIsEncoded) {
  EXPECT_EQ(encode_quoted_printable(".\r\n.hidden\r\na.b\r\n"), "=2E\r\n=2Ehidden\r\na.b\r\n");
}

TEST(QuotedPrintable, DotCarriedToLineStartBySoftBreakIsEncoded) {
  EXPECT_EQ(encode_quoted_printable(std::string(76, 'a') + ".b\r\n"),
            std::string(75, 'a') + "=\r\na.b\r\n");
  EXPECT_EQ(encode_quoted_printable(std::string(75, 'a') + ".b\r\n"),
            std::string(75, 'a') + "=\r\n=2Eb\r\n");
}

TEST(QuotedPrintable, FromAtLineStartIsEncoded) {
  EXPECT_EQ(encode_quoted_printable("From me\r\nsaid From here\r\nFrom\r\n"),
            "=46rom me\r\nsaid From here\r\nFrom\r\n");
}

TEST(QuotedPrintable, LoneLineFeedAndCarriageReturnAreData) {
  EXPECT_EQ(encode_quoted_printable("a\nb\rc\r\n"), "a=0Ab=0Dc\r\n");
  EXPECT_EQ(encode_quoted_printable("a\r"), "a=0D=\r\n");
  EXPECT_EQ(encode_quoted_printable("a\r\r\n"), "a=0D\r\n");
}

TEST(QuotedPrintable, CrlfSplitAcrossChunksIsStillALineBreak) {
  QuotedPrintableEncoder encoder;
  std::string output;
  encoder.feed("line \r", output);
  encoder.feed("\nnext", output);
  encoder.finish(output);
  EXPECT_EQ(output, "line=20\r\nnext=\r\n");
}

TEST(QuotedPrintable, FeedEmitsOnlyCompleteLines) {
  QuotedPrintableEncoder encoder;
  std::string output;
  encoder.feed("partial", output);
  EXPECT_EQ(output, "");
  encoder.feed(" line\r\nmore", output);
  EXPECT_EQ(output, "partial line\r\n");
}

// Text-like random data in random chunks: strict decoding gives the input back, every line is
// at most 76 characters, none starts with '.' or "From ", and chunking never changes the output.
TEST(QuotedPrintable, RandomRoundTripsInRandomChunks) {
  const std::string alphabet[] = {
      "a",    "Z", "0", " ",     "\t",       "\r\n",         "\r",
      "\n",   "=", ".", "From ", "\xC3\xA9", "\xE6\x97\xA5", std::string(1, '\0'),
      "\xFF", "~"};
  std::mt19937 generator(76);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(alphabet) - 1);
  std::uniform_int_distribution<std::size_t> length(0, 600);
  for (int round = 0; round < 300; ++round) {
    std::string input;
    const std::size_t pieces = length(generator);
    for (std::size_t i = 0; i < pieces; ++i) {
      const std::size_t choice = pick(generator);
      input += alphabet[choice];
      if (choice == 0) {
        input += std::string(std::uniform_int_distribution<std::size_t>(0, 90)(generator), 'a');
      }
    }
    QuotedPrintableEncoder encoder;
    std::string output;
    std::size_t position = 0;
    while (position < input.size()) {
      const std::size_t chunk = std::min(
          input.size() - position, std::uniform_int_distribution<std::size_t>(0, 50)(generator));
      encoder.feed(std::string_view(input).substr(position, chunk), output);
      position += chunk;
    }
    encoder.finish(output);
    ASSERT_EQ(output, encode_quoted_printable(input));
    for (const auto& line : testing::split_crlf_lines(output)) {
      ASSERT_LE(line.size(), quoted_printable_line_length) << line;
      ASSERT_FALSE(line.starts_with(".")) << line;
      ASSERT_FALSE(line.starts_with("From ")) << line;
      for (const char c : line) {
        ASSERT_TRUE(c == '\t' || (c >= 32 && c <= 126)) << line;
      }
    }
    ASSERT_EQ(testing::decode_quoted_printable(output), input);
  }
}

}  // namespace
}  // namespace smtpsend::mime
