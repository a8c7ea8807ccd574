#include "mime/address_syntax.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smtpsend::mime::address_syntax {
namespace {

// "kind:text" for each token but the final end token, and "^" before tokens after CFWS.
std::vector<std::string> describe(std::string_view input) {
  std::vector<std::string> described;
  for (const auto& token : tokenize(input)) {
    if (token.kind == TokenKind::end) {
      break;
    }
    const char* kind = token.kind == TokenKind::atom             ? "atom"
                       : token.kind == TokenKind::quoted_string  ? "quoted"
                       : token.kind == TokenKind::domain_literal ? "literal"
                                                                 : "special";
    described.push_back((token.space_before ? "^" : "") + std::string(kind) + ":" + token.text);
  }
  return described;
}

SyntaxError error_for(std::string_view input) {
  try {
    tokenize(input);
  } catch (const SyntaxError& error) {
    return error;
  }
  ADD_FAILURE() << "no SyntaxError for: " << input;
  return {};
}

TEST(AddressSyntax, AtomsSpecialsAndWhitespaceMarks) {
  EXPECT_EQ(describe("Ann  <a.b@c>"),
            (std::vector<std::string>{"atom:Ann", "^special:<", "atom:a", "special:.", "atom:b",
                                      "special:@", "atom:c", "special:>"}));
}

TEST(AddressSyntax, CommentsCountAsWhitespaceAndVanish) {
  EXPECT_EQ(describe("a(x(y)\\)z)b"), (std::vector<std::string>{"atom:a", "^atom:b"}));
}

TEST(AddressSyntax, QuotedStringIsUnescapedAndUnfolded) {
  EXPECT_EQ(describe(R"("a \"b\" \\ c")"), (std::vector<std::string>{R"(quoted:a "b" \ c)"}));
  EXPECT_EQ(describe("\"a\r\n b\""), (std::vector<std::string>{"quoted:a b"}));
}

TEST(AddressSyntax, DomainLiteralDropsWhitespaceNextToItsBrackets) {
  EXPECT_EQ(describe("[ IPv6:::1 ]"), (std::vector<std::string>{"literal:IPv6:::1"}));
}

// Found by tests/fuzz/address_fuzz: "[1\\2]" came back as "[1\2]", which re-parsed as "[12]".
TEST(AddressSyntax, DomainLiteralRefusesInnerWhitespaceAndQuotedPairs) {
  EXPECT_EQ(error_for("[1 2]").why, "white space inside a domain literal");
  EXPECT_EQ(error_for("[1\\\\2]").why, "backslash inside a domain literal");
  EXPECT_EQ(error_for("[1\\]2]").why, "backslash inside a domain literal");
}

TEST(AddressSyntax, Utf8IsAtext) {
  EXPECT_EQ(describe("J\xC3\xBCrgen"), (std::vector<std::string>{"atom:J\xC3\xBCrgen"}));
}

TEST(AddressSyntax, ErrorsCarryTheOffsetWhereTheProblemStarts) {
  EXPECT_EQ(error_for("ab \"open").offset, 3U);
  EXPECT_EQ(error_for("ab (open").offset, 3U);
  EXPECT_EQ(error_for("ab [open").offset, 3U);
  EXPECT_EQ(error_for("ab)").offset, 2U);
  EXPECT_EQ(error_for("a\nb").offset, 1U);
  EXPECT_EQ(error_for("a\x01").offset, 1U);
}

TEST(AddressSyntax, CharacterClasses) {
  EXPECT_TRUE(is_atext('!'));
  EXPECT_FALSE(is_atext('.'));
  EXPECT_FALSE(is_atext('@'));
  EXPECT_TRUE(is_dot_atom_text("a.b-c"));
  EXPECT_FALSE(is_dot_atom_text("a..b"));
  EXPECT_FALSE(is_dot_atom_text(".a"));
  EXPECT_FALSE(is_dot_atom_text(""));
  EXPECT_TRUE(is_control('\x7F'));
  EXPECT_FALSE(is_control('\t'));
}

}  // namespace
}  // namespace smtpsend::mime::address_syntax
