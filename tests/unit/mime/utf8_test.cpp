#include "mime/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtpsend::mime {
namespace {

TEST(Utf8, CharacterLengthsOfOneToFourBytes) {
  const std::string text = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";  // a é 日 😀
  EXPECT_EQ(utf8_character_length(text, 0), 1U);
  EXPECT_EQ(utf8_character_length(text, 1), 2U);
  EXPECT_EQ(utf8_character_length(text, 3), 3U);
  EXPECT_EQ(utf8_character_length(text, 6), 4U);
  EXPECT_TRUE(is_valid_utf8(text));
}

TEST(Utf8, ContinuationByteDoesNotStartACharacter) {
  EXPECT_EQ(utf8_character_length("\xA9", 0), 0U);
  EXPECT_EQ(utf8_character_length("\xC3\xA9", 1), 0U);
}

TEST(Utf8, OverlongFormsAreInvalid) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // '/' in two bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
}

TEST(Utf8, SurrogatesAndCodePointsBeyondUnicodeAreInvalid) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8, TruncatedSequenceIsInvalidAtItsStart) {
  EXPECT_EQ(find_invalid_utf8("ok\xE6\x97"), 2U);
  EXPECT_EQ(find_invalid_utf8("ok\xE6\x97x"), 2U);
  EXPECT_EQ(find_invalid_utf8("ok"), std::string::npos);
}

}  // namespace
}  // namespace smtpsend::mime
