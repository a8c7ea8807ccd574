#include "mime/address_syntax.hpp"

#include <algorithm>
#include <utility>

#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime::address_syntax {

namespace {

// Splits the input into tokens, dropping CFWS; one pass, no backtracking.
class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  std::vector<Token> tokenize() {
    std::vector<Token> tokens;
    while (true) {
      const bool space_before = skip_cfws();
      Token token;
      token.offset = position_;
      token.space_before = space_before;
      if (at_end()) {
        tokens.push_back(std::move(token));
        return tokens;
      }
      const char c = input_[position_];
      if (c == '"') {
        token.kind = TokenKind::quoted_string;
        token.text = read_quoted_string();
      } else if (c == '[') {
        token.kind = TokenKind::domain_literal;
        token.text = read_domain_literal();
      } else if (std::string_view("<>:;@,.").find(c) != std::string_view::npos) {
        token.kind = TokenKind::special;
        token.text = std::string(1, c);
        ++position_;
      } else if (is_atext(c)) {
        token.kind = TokenKind::atom;
        while (!at_end() && is_atext(input_[position_])) {
          token.text += input_[position_++];
        }
      } else {
        throw SyntaxError{position_, describe_unexpected(c)};
      }
      tokens.push_back(std::move(token));
    }
  }

 private:
  bool at_end() const { return position_ >= input_.size(); }

  // RFC 5322 §3.2.2: a fold is CRLF followed by whitespace; anything else is a line break that
  // has no place in one header value.
  bool at_fold() const {
    return input_.substr(position_, 2) == "\r\n" && position_ + 2 < input_.size() &&
           is_wsp(input_[position_ + 2]);
  }

  static std::string describe_unexpected(char c) {
    if (c == '\r' || c == '\n') {
      return "line break inside the address list";
    }
    if (c == ')') {
      return "')' without a matching '('";
    }
    if (c == ']') {
      return "']' without a matching '['";
    }
    if (is_control(c)) {
      return "control character in the address";
    }
    return std::string("unexpected '") + c + "'";
  }

  // CFWS = comments and folding whitespace (§3.2.2). Returns whether anything was skipped.
  bool skip_cfws() {
    const std::size_t start = position_;
    while (!at_end()) {
      if (is_wsp(input_[position_])) {
        ++position_;
      } else if (at_fold()) {
        position_ += 2;
      } else if (input_[position_] == '(') {
        skip_comment();
      } else {
        break;
      }
    }
    return position_ != start;
  }

  // A comment may nest and may hold quoted-pairs (§3.2.2); its content is dropped.
  void skip_comment() {
    const std::size_t start = position_;
    int depth = 0;
    do {
      if (at_end()) {
        throw SyntaxError{start, "unterminated comment (missing ')')"};
      }
      const char c = input_[position_];
      if (c == '\\' && position_ + 1 < input_.size()) {
        position_ += 2;
        continue;
      }
      if (at_fold()) {
        position_ += 2;
        continue;
      }
      if (c == '\r' || c == '\n') {
        throw SyntaxError{position_, "line break inside a comment"};
      }
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      ++position_;
    } while (depth > 0);
  }

  // quoted-string (§3.2.4): the content with quoted-pairs resolved and folds unfolded.
  std::string read_quoted_string() {
    const std::size_t start = position_++;
    std::string content;
    while (true) {
      if (at_end()) {
        throw SyntaxError{start, "unterminated quoted string (missing '\"')"};
      }
      const char c = input_[position_];
      if (c == '"') {
        ++position_;
        return content;
      }
      if (at_fold()) {
        position_ += 2;
        continue;
      }
      if (c == '\\') {
        // quoted-pair = "\" (VCHAR / WSP); RFC 6532 counts UTF-8 characters as VCHAR.
        if (position_ + 1 >= input_.size() || is_control(input_[position_ + 1]) ||
            input_[position_ + 1] == '\r' || input_[position_ + 1] == '\n') {
          throw SyntaxError{position_, "'\\' at the end of a quoted string or before a control"};
        }
        content += input_[position_ + 1];
        position_ += 2;
        continue;
      }
      if (is_control(c) || c == '\r' || c == '\n') {
        throw SyntaxError{position_, "control character or line break in a quoted string"};
      }
      content += c;
      ++position_;
    }
  }

  // domain-literal (§3.4.1): "[" dtext "]", kept strictly to what SMTP can carry (see below).
  std::string read_domain_literal() {
    const std::size_t start = position_++;
    std::string content;
    while (true) {
      if (at_end()) {
        throw SyntaxError{start, "unterminated domain literal (missing ']')"};
      }
      const char c = input_[position_];
      if (c == ']') {
        ++position_;
        break;
      }
      // RFC 5321 §4.1.3: an address literal is what MAIL and RCPT carry as it is, so of RFC
      // 5322's latitude only white space next to the brackets is taken (and dropped); inside it,
      // or a quoted-pair, would change what the literal says.
      if (is_wsp(c) || at_fold()) {
        const std::size_t space = position_;
        while (!at_end() && (is_wsp(input_[position_]) || at_fold())) {
          position_ += is_wsp(input_[position_]) ? 1 : 2;
        }
        if (!content.empty() && !at_end() && input_[position_] != ']') {
          throw SyntaxError{space, "white space inside a domain literal"};
        }
        continue;
      }
      if (c == '\\') {
        throw SyntaxError{position_, "backslash inside a domain literal"};
      }
      if (c >= 33 && c <= 126 && c != '[') {
        content += c;
        ++position_;
      } else {
        throw SyntaxError{position_, "invalid character in a domain literal"};
      }
    }
    if (content.empty()) {
      throw SyntaxError{start, "empty domain literal '[]'"};
    }
    return content;
  }

  std::string_view input_;
  std::size_t position_ = 0;
};

}  // namespace

bool is_wsp(char c) {
  return syntax::is_wsp(c);
}

bool is_atext(char c) {
  return syntax::is_ascii_atext(c) || syntax::is_non_ascii(c);
}

bool is_control(char c) {
  return syntax::is_control(c);
}

bool is_dot_atom_text(std::string_view text) {
  return syntax::is_dot_atom_text(text, is_atext);
}

std::vector<Token> tokenize(std::string_view input) {
  return Lexer(input).tokenize();
}

}  // namespace smtpsend::mime::address_syntax
