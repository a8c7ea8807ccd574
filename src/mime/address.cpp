#include "mime/address.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/address_syntax.hpp"
#include "mime/header_encoding.hpp"
#include "mime/syntax_helpers.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

using address_syntax::is_atext;
using address_syntax::is_control;
using address_syntax::is_dot_atom_text;
using address_syntax::is_wsp;
using address_syntax::SyntaxError;
using address_syntax::Token;
using address_syntax::TokenKind;

// Encoded display names follow "Reply-To: " (the longest of our address header names) and still
// keep their line within RFC 2047 §2's 76 characters.
constexpr std::size_t max_display_name_word_length =
    encoded_word_line_length - std::string_view("Reply-To: ").size();

// The text with control bytes and bytes that are not UTF-8 replaced, for quoting in a message.
std::string printable(std::string_view text) {
  std::string result;
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t length = utf8_character_length(text, position);
    if (length == 0 || is_control(text[position])) {
      result += '?';
      position += std::max<std::size_t>(length, 1);
    } else {
      result += text.substr(position, length);
      position += length;
    }
  }
  return result;
}

// Recursive descent over the tokens, following §3.4 and the obsolete forms of §4.4.
class Parser {
 public:
  Parser(std::vector<Token> tokens, LocalNames local_names)
      : tokens_(std::move(tokens)), local_names_(local_names) {}

  std::vector<Mailbox> parse_list() {
    std::vector<Mailbox> mailboxes;
    while (true) {
      skip_empty_elements();
      if (peek().kind == TokenKind::end) {
        return mailboxes;
      }
      element_start_ = peek().offset;
      parse_address(mailboxes, /*in_group=*/false);
      if (peek().is(',')) {
        advance();
      } else if (peek().kind != TokenKind::end) {
        fail_unexpected_after_address();
      }
    }
  }

  std::size_t element_start() const { return element_start_; }

 private:
  const Token& peek() const { return tokens_[index_]; }
  const Token& advance() { return tokens_[index_++]; }  // never past the end token

  [[noreturn]] void fail(std::string why) const {
    throw SyntaxError{peek().offset, std::move(why)};
  }

  [[noreturn]] void fail_unexpected_after_address() const {
    if (peek().is('@')) {
      fail("more than one '@'");
    }
    if (peek().is('<') || peek().is('>')) {
      fail("unbalanced '<' or '>'");
    }
    if (peek().is(';')) {
      fail("';' outside a group");
    }
    fail("missing ',' between addresses");
  }

  // obs-addr-list and obs-mbox-list (§4.4) allow empty elements: "a@b, , c@d".
  void skip_empty_elements() {
    while (peek().is(',')) {
      advance();
    }
  }

  // Words and dots up to the next other token: a display name or a local part.
  std::vector<Token> take_words() {
    std::vector<Token> words;
    while (peek().is_word() || peek().is('.')) {
      words.push_back(advance());
    }
    return words;
  }

  // address = mailbox / group; mailbox = name-addr / addr-spec (§3.4).
  void parse_address(std::vector<Mailbox>& out, bool in_group) {
    std::vector<Token> words = take_words();
    if (peek().is('@')) {
      if (words.empty()) {
        fail("missing local part before '@'");
      }
      std::string local_part = make_local_part(words);
      advance();
      out.push_back({"", local_part + "@" + parse_domain()});
    } else if (peek().is('<')) {
      advance();
      std::string address = parse_angle_addr_content();
      out.push_back({make_display_name(words), std::move(address)});
    } else if (peek().is(':')) {
      if (in_group) {
        fail("a group cannot contain another group");
      }
      if (words.empty()) {
        fail("a group needs a name before ':'");
      }
      advance();
      parse_group_members(out, make_display_name(words));
    } else if (words.empty()) {
      if (peek().kind == TokenKind::domain_literal) {
        fail("domain literal without a local part and '@'");
      }
      if (peek().is('>')) {
        fail("unbalanced '>'");
      }
      fail(peek().kind == TokenKind::end ? "missing address" : "unexpected '" + peek().text + "'");
    } else {
      out.push_back({"", local_name(words)});
    }
  }

  // The local part `words` make when local names are accepted and they make one; else the
  // error an address without '@' is.
  std::string local_name(const std::vector<Token>& words) const {
    if (local_names_ == LocalNames::accepted) {
      try {
        return make_local_part(words);
      } catch (const SyntaxError&) {
        // "John Smith" is a display name without its address, not a local part to quote.
      }
    }
    fail("missing '@'");
  }

  // group = display-name ":" [group-list] ";" (§3.4); the members stand in for the group.
  void parse_group_members(std::vector<Mailbox>& out, const std::string& group_name) {
    while (true) {
      skip_empty_elements();
      if (peek().is(';')) {
        advance();
        return;
      }
      if (peek().kind == TokenKind::end) {
        fail("group '" + group_name + "' is not closed with ';'");
      }
      parse_address(out, /*in_group=*/true);
      if (peek().is(',')) {
        advance();
      } else if (!peek().is(';')) {
        if (peek().kind == TokenKind::end) {
          fail("group '" + group_name + "' is not closed with ';'");
        }
        fail_unexpected_after_address();
      }
    }
  }

  // angle-addr = "<" addr-spec ">", obs-angle-addr allows a source route "@a,@b:" first.
  std::string parse_angle_addr_content() {
    if (peek().is('>')) {
      fail("empty address '<>'");
    }
    if (peek().is('@') || peek().is(',')) {
      skip_obsolete_route();
    }
    std::vector<Token> words = take_words();
    if (!peek().is('@')) {
      if (words.empty()) {
        fail("missing local part before '@'");
      }
      std::string address = local_name(words);
      if (!peek().is('>')) {
        fail("unbalanced '<': missing '>'");
      }
      advance();
      return address;
    }
    if (words.empty()) {
      fail("missing local part before '@'");
    }
    std::string local_part = make_local_part(words);
    advance();
    std::string address = local_part + "@" + parse_domain();
    if (!peek().is('>')) {
      if (peek().is('@')) {
        fail("more than one '@'");
      }
      fail("unbalanced '<': missing '>'");
    }
    advance();
    return address;
  }

  // obs-route = obs-domain-list ":" (§4.4); RFC 5321 §4.1.1.3 says to ignore it.
  void skip_obsolete_route() {
    while (peek().is('@') || peek().is(',')) {
      if (advance().is('@')) {
        parse_domain();
      }
    }
    if (!peek().is(':')) {
      fail("source route not ended by ':'");
    }
    advance();
  }

  // domain = dot-atom / domain-literal / obs-domain (§3.4.1, §4.4).
  std::string parse_domain() {
    if (peek().kind == TokenKind::domain_literal) {
      return "[" + advance().text + "]";
    }
    if (peek().kind != TokenKind::atom) {
      fail(peek().is('.') ? "the domain starts with a dot" : "missing domain after '@'");
    }
    std::string domain = advance().text;
    while (peek().is('.')) {
      advance();
      if (peek().kind != TokenKind::atom) {
        fail(peek().is('.') ? "two dots in a row in the domain" : "the domain ends with a dot");
      }
      domain += '.';
      domain += advance().text;
    }
    return domain;
  }

  // local-part = dot-atom / quoted-string / obs-local-part (word *("." word)). Returned bare when
  // it is a dot-atom, else quoted (RFC 5321 §4.1.2 asks for the unquoted form where possible).
  std::string make_local_part(const std::vector<Token>& words) const {
    std::string local_part;
    bool expect_word = true;
    for (const auto& token : words) {
      const bool is_dot = token.is('.');
      if (expect_word && is_dot) {
        throw SyntaxError{token.offset, local_part.empty() ? "the local part starts with a dot"
                                                           : "two dots in a row in the local part"};
      }
      if (!expect_word && !is_dot) {
        throw SyntaxError{token.offset, "unquoted space in the local part; quote it"};
      }
      local_part += is_dot ? "." : token.text;
      expect_word = is_dot;
    }
    if (expect_word) {
      throw SyntaxError{words.back().offset, "the local part ends with a dot"};
    }
    if (is_dot_atom_text(local_part)) {
      return local_part;
    }
    return syntax::quoted_string(local_part);
  }

  // display-name = phrase, obs-phrase also allows dots (§3.2.5, §4.1). Words are joined by one
  // space where whitespace or a comment separated them.
  static std::string make_display_name(const std::vector<Token>& words) {
    std::string name;
    for (const auto& token : words) {
      if (token.space_before && !name.empty()) {
        name += ' ';
      }
      name += token.text;
    }
    return name;
  }

  std::vector<Token> tokens_;
  LocalNames local_names_;
  std::size_t index_ = 0;
  std::size_t element_start_ = 0;
};

// The list element the error is in: from `start` to `end` or the end, trimmed.
std::string element_text(std::string_view text, std::size_t start, std::size_t end) {
  end = std::min(end, text.size());
  std::string_view element = text.substr(start, end - start);
  while (!element.empty() && (is_wsp(element.front()) || element.front() == ',')) {
    element.remove_prefix(1);
  }
  while (!element.empty() && is_wsp(element.back())) {
    element.remove_suffix(1);
  }
  return std::string(element.empty() ? text : element);
}

bool is_atom_phrase(std::string_view name) {
  if (name.empty() || name.front() == ' ' || name.back() == ' ' ||
      name.find("  ") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return c == ' ' || is_atext(c); });
}

}  // namespace

bool is_local_only(std::string_view address) {
  // A domain never ends with '"'; a quoted local part may hold an '@' of its own.
  return address.find('@') == std::string_view::npos || address.ends_with('"');
}

std::vector<Mailbox> parse_address_list(std::string_view text, LocalNames local_names) {
  const std::size_t invalid = find_invalid_utf8(text);
  if (invalid != std::string_view::npos) {
    throw Failure(ErrorKind::data, "invalid address '" + printable(text) +
                                       "': not valid UTF-8 at byte " + std::to_string(invalid));
  }
  std::optional<Parser> parser;
  try {
    parser.emplace(address_syntax::tokenize(text), local_names);
    return parser->parse_list();
  } catch (const SyntaxError& error) {
    std::size_t start = 0;
    std::size_t end = text.size();
    if (parser) {
      // The element runs from its first token to the next comma after the error.
      start = parser->element_start();
      end = text.find(',', std::max(start, error.offset));
    } else if (error.offset > 0) {
      // The lexer fails before elements are known (often on an unterminated quote or comment,
      // which runs to the end): report from the comma before the error.
      const std::size_t comma = text.rfind(',', error.offset - 1);
      start = comma == std::string_view::npos ? 0 : comma + 1;
    }
    throw Failure(ErrorKind::data, "invalid address '" + printable(element_text(text, start, end)) +
                                       "': " + error.why);
  }
}

std::string format_mailbox(const Mailbox& mailbox) {
  const std::string& name = mailbox.display_name;
  if (name.empty()) {
    return mailbox.address;
  }
  const bool needs_encoding =
      !is_ascii(name) || looks_like_encoded_word(name) ||
      std::any_of(name.begin(), name.end(), [](char c) { return is_control(c); });
  std::string phrase;
  if (needs_encoding) {
    phrase = encode_phrase(name, max_display_name_word_length);
  } else if (is_atom_phrase(name)) {
    phrase = name;
  } else {
    phrase = syntax::quoted_string(name);
  }
  return phrase + " <" + mailbox.address + ">";
}

std::string format_mailbox_list(const std::vector<Mailbox>& mailboxes) {
  std::string list;
  for (const auto& mailbox : mailboxes) {
    if (!list.empty()) {
      list += ", ";
    }
    list += format_mailbox(mailbox);
  }
  return list;
}

bool needs_smtputf8(const Mailbox& mailbox) {
  return !is_ascii(mailbox.address);
}

}  // namespace smtpsend::mime
