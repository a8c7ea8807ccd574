#pragma once
// The lexical layer of RFC 5322 address lists (§3.2): character classes and a tokenizer that
// drops comments and folding whitespace. Used by address.cpp; kept apart so the grammar there
// reads on its own.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::mime::address_syntax {

// RFC 5322 §3.2.3 atext, plus UTF-8 (bytes >= 0x80) as RFC 6532 §3.2 allows; the caller has
// checked that the input is well-formed UTF-8.
bool is_atext(char c);
bool is_wsp(char c);
// Control characters other than TAB (which is whitespace).
bool is_control(char c);
// dot-atom-text (§3.2.3): atext runs separated by single dots.
bool is_dot_atom_text(std::string_view text);

enum class TokenKind { atom, quoted_string, domain_literal, special, end };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;           // atom; quoted-string content unescaped; literal content; the special
  std::size_t offset = 0;     // where the token starts in the input
  bool space_before = false;  // whitespace or a comment came before it

  bool is(char special) const {
    return kind == TokenKind::special && text.size() == 1 && text[0] == special;
  }
  bool is_word() const { return kind == TokenKind::atom || kind == TokenKind::quoted_string; }
};

// What went wrong and where (an input offset); address.cpp turns it into the user's message.
struct SyntaxError {
  std::size_t offset;
  std::string why;
};

// Atoms, quoted strings, domain literals and the specials "<>:;@,." of `input`, ending with one
// token of kind end. Throws SyntaxError for unterminated quotes, comments and literals, stray
// ')' or ']', control characters and line breaks that are not folds.
std::vector<Token> tokenize(std::string_view input);

}  // namespace smtpsend::mime::address_syntax
