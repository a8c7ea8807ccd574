#include "mime/header_encoding.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "mime/utf8.hpp"
#include "mime_test_decoders.hpp"

namespace smtpsend::mime {
namespace {

std::string data_error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    return failure.error().message;
  }
  ADD_FAILURE() << "no Failure thrown";
  return {};
}

// Checks the RFC 2047 and RFC 5322 line rules on a formatted unstructured header and returns
// the text a reader would see.
std::string check_and_decode(const std::string& header, std::string_view name) {
  for (const auto& line : testing::header_lines(header, name)) {
    EXPECT_LE(line.size(), recommended_line_length) << line;
    if (line.find("=?") != std::string::npos) {
      EXPECT_LE(line.size(), encoded_word_line_length) << line;
    }
  }
  for (const auto& word : testing::header_words(header, name)) {
    if (testing::is_encoded_word(word)) {
      EXPECT_LE(word.size(), maximum_encoded_word_length) << word;
      // Each word alone must be whole UTF-8: no character split between two words.
      EXPECT_TRUE(is_valid_utf8(testing::decode_encoded_word(word))) << word;
    }
  }
  return testing::decode_unstructured_header(header, name);
}

TEST(ValidateHeader, AcceptsOrdinaryHeader) {
  EXPECT_NO_THROW(validate_header("X-Mailer", "smtpsend 0.1"));
}

TEST(ValidateHeader, RefusesNamesWithSpaceColonOrNothing) {
  EXPECT_NE(data_error_message([] { validate_header("X Mailer", "v"); }).find("'X Mailer'"),
            std::string::npos);
  data_error_message([] { validate_header("X:Mailer", "v"); });
  data_error_message([] { validate_header("", "v"); });
  data_error_message([] { validate_header("Caf\xC3\xA9", "v"); });
  data_error_message([] { validate_header(std::string(77, 'X'), "v"); });
}

TEST(ValidateHeader, RefusesLineBreaksAndNulInValuesNamingTheHeader) {
  const std::string injected =
      data_error_message([] { validate_header("Subject", "hi\r\nBcc: victim@example.com"); });
  EXPECT_EQ(injected, "header 'Subject' contains a line break; a header value must be one line");
  EXPECT_NE(data_error_message([] { validate_header("Subject", "a\nb"); }).find("'Subject'"),
            std::string::npos);
  EXPECT_NE(data_error_message([] { validate_header("Subject", "a\rb"); }).find("'Subject'"),
            std::string::npos);
  EXPECT_NE(
      data_error_message([] { validate_header("Subject", std::string("a\0b", 3)); }).find("NUL"),
      std::string::npos);
}

TEST(FormatHeader, ShortValueIsOneLine) {
  EXPECT_EQ(format_header("Subject", "hello"), "Subject: hello\r\n");
}

TEST(FormatHeader, EmptyValueGivesNameAndColon) {
  EXPECT_EQ(format_header("X-Empty", ""), "X-Empty:\r\n");
}

TEST(FormatHeader, FoldsAtTheLastSpaceThatKeepsTheLineWithin78) {
  const std::string a(40, 'a');
  const std::string b(30, 'b');
  const std::string c(20, 'c');
  // "To: " + a + " " + b = 75 characters; adding " " + c would make 96.
  EXPECT_EQ(format_header("To", a + " " + b + " " + c),
            "To: " + a + " " + b + "\r\n " + c + "\r\n");
}

TEST(FormatHeader, LongValueIsFoldedIntoLinesOfAtMost78) {
  std::string value;
  for (int i = 0; i < 40; ++i) {
    value += "user" + std::to_string(i) + "@example.com, ";
  }
  value += "last@example.com";
  const std::string header = format_header("To", value);
  std::string unfolded;
  for (const auto& line : testing::header_lines(header, "To")) {
    EXPECT_LE(line.size(), recommended_line_length);
    unfolded += line;
  }
  EXPECT_EQ(unfolded, "To: " + value);
}

TEST(FormatHeader, UnbreakableWordGetsItsOwnLongLine) {
  const std::string word(100, 'w');
  EXPECT_EQ(format_header("X-Long", "short " + word + " end"),
            "X-Long: short\r\n " + word + "\r\n end\r\n");
}

TEST(FormatHeader, WordBeyond998CharactersIsAnError) {
  const std::string message =
      data_error_message([] { format_header("X-Long", "a " + std::string(1000, 'w')); });
  EXPECT_NE(message.find("'X-Long'"), std::string::npos);
}

TEST(FormatHeader, TabsAndRepeatedSpacesArePreserved) {
  EXPECT_EQ(format_header("X-Test", "a\t b  c"), "X-Test: a\t b  c\r\n");
}

TEST(UnstructuredHeader, AsciiTextIsNotEncoded) {
  EXPECT_EQ(format_unstructured_header("Subject", "Meeting at 10:00 (room 4)"),
            "Subject: Meeting at 10:00 (room 4)\r\n");
}

TEST(UnstructuredHeader, OnlyNonAsciiWordsAreEncoded) {
  EXPECT_EQ(format_unstructured_header("Subject",
                                       "Gr\xC3\xBC\xC3\x9F"
                                       "e aus K\xC3\xB6ln"),
            "Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?=\r\n");
}

TEST(UnstructuredHeader, ShortNonAsciiWordsUseTheShorterB) {
  // "café crème" is 16 characters as B and 20 as Q.
  EXPECT_EQ(format_unstructured_header("Subject", "caf\xC3\xA9 cr\xC3\xA8me"),
            "Subject: =?UTF-8?B?Y2Fmw6kgY3LDqG1l?=\r\n");
}

TEST(UnstructuredHeader, MostlyAsciiRunUsesQWithUnderscoreForSpace) {
  // Adjacent words that need encoding form one run; its space travels inside as "_".
  EXPECT_EQ(format_unstructured_header("Subject", "na\xC3\xAFve-approach caf\xC3\xA9-au-lait"),
            "Subject: =?UTF-8?Q?na=C3=AFve-approach_caf=C3=A9-au-lait?=\r\n");
}

TEST(UnstructuredHeader, WordThatLooksEncodedIsEncoded) {
  const std::string header = format_unstructured_header("Subject", "about =?UTF-8?Q?x?= words");
  EXPECT_EQ(header.find("=?UTF-8?Q?x?="), std::string::npos);
  EXPECT_EQ(check_and_decode(header, "Subject"), "about =?UTF-8?Q?x?= words");
}

TEST(UnstructuredHeader, ControlCharacterIsEncoded) {
  const std::string header = format_unstructured_header("Subject", "bell\x07 here");
  EXPECT_EQ(header, "Subject: =?UTF-8?Q?bell=07?= here\r\n");
}

TEST(UnstructuredHeader, LongJapaneseSubjectIsSplitIntoValidWords) {
  std::string subject;
  for (int i = 0; i < 12; ++i) {
    subject +=
        "\xE4\xBC\x9A\xE8\xAD\xB0\xE3\x81\xAE\xE4\xBB\xB6\xE3\x81\xAB\xE3\x81\xA4"
        "\xE3\x81\x84\xE3\x81\xA6";  // 会議の件について
  }
  const std::string header = format_unstructured_header("Subject", subject);
  EXPECT_GT(testing::header_lines(header, "Subject").size(), 3U);
  EXPECT_EQ(check_and_decode(header, "Subject"), subject);
}

TEST(UnstructuredHeader, EmojiAreNeverSplit) {
  std::string subject = "Party ";
  for (int i = 0; i < 40; ++i) {
    subject += "\xF0\x9F\x8E\x89";  // 🎉
  }
  subject += " tonight";
  const std::string header = format_unstructured_header("Subject", subject);
  EXPECT_EQ(check_and_decode(header, "Subject"), subject);
}

TEST(UnstructuredHeader, CombiningCharactersSurviveSplitting) {
  std::string subject;
  for (int i = 0; i < 30; ++i) {
    subject += "e\xCC\x81o\xCC\x88 ";  // e + combining acute, o + combining diaeresis
  }
  subject += "end";
  const std::string header = format_unstructured_header("Subject", subject);
  EXPECT_EQ(check_and_decode(header, "Subject"), subject);
}

TEST(UnstructuredHeader, MixedTextKeepsSpacesAroundEncodedRuns) {
  const std::string subject =
      "Re: [team] \xE4\xBC\x9A\xE8\xAD\xB0 \xE3\x81\xAE  notes  for  Monday, "
      "\xC3\xA9t\xC3\xA9 2026 and a rather long tail of plain words to force folding";
  const std::string header = format_unstructured_header("Subject", subject);
  EXPECT_EQ(check_and_decode(header, "Subject"), subject);
}

TEST(UnstructuredHeader, LongAsciiSubjectIsFoldedNotEncoded) {
  std::string subject;
  for (int i = 0; i < 30; ++i) {
    subject += "word" + std::to_string(i) + " ";
  }
  subject += "end";
  const std::string header = format_unstructured_header("Subject", subject);
  EXPECT_EQ(header.find("=?"), std::string::npos);
  EXPECT_EQ(check_and_decode(header, "Subject"), subject);
}

TEST(UnstructuredHeader, WordTooLongForAnyLineIsEncodedInPieces) {
  const std::string subject = "see " + std::string(1200, 'x');
  const std::string header = format_unstructured_header("Subject", subject);
  EXPECT_EQ(check_and_decode(header, "Subject"), subject);
}

TEST(UnstructuredHeader, InvalidUtf8IsADataError) {
  EXPECT_NE(data_error_message([] {
              format_unstructured_header("Subject", "Latin-1 caf\xE9");
            }).find("not valid UTF-8"),
            std::string::npos);
}

TEST(EncodePhrase, WordsRespectTheLimitAndDecodeToTheText) {
  const std::string name =
      "J\xC3\xBCrgen M\xC3\xBCller-L\xC3\xBC"
      "denscheid von und zu "
      "\xC3\x96"
      "sterreich-Ungarn";
  const std::string phrase = encode_phrase(name, 40);
  std::string decoded;
  std::size_t start = 0;
  while (start <= phrase.size()) {
    std::size_t end = phrase.find(' ', start);
    end = end == std::string::npos ? phrase.size() : end;
    const std::string word = phrase.substr(start, end - start);
    EXPECT_LE(word.size(), 40U);
    // RFC 2047 §5(3): only these may appear in a Q-encoded word in a phrase.
    EXPECT_EQ(word.substr(10, word.size() - 12)
                  .find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/=_"),
              std::string::npos)
        << word;
    decoded += testing::decode_encoded_word(word);
    start = end + 1;
  }
  EXPECT_EQ(decoded, name);
}

TEST(LooksLikeEncodedWord, NeedsBothMarkersInOrder) {
  EXPECT_TRUE(looks_like_encoded_word("=?x?q?y?="));
  EXPECT_TRUE(looks_like_encoded_word("a=?b?=c"));
  EXPECT_FALSE(looks_like_encoded_word("?= then =?"));
  EXPECT_FALSE(looks_like_encoded_word("a=b?c"));
}

}  // namespace
}  // namespace smtpsend::mime
