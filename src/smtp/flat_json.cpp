#include "smtp/flat_json.hpp"

#include <algorithm>
#include <cstdint>

namespace smtpsend::smtp {

namespace {

// One pass over the text; every function returns false at the first thing RFC 8259 does not
// allow (or this reader does not take), leaving the caller to give up.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool at_end() const { return at_ == text_.size(); }

  // RFC 8259 §2: ws = *( %x20 / %x09 / %x0A / %x0D )
  void skip_blanks() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++at_;
    }
  }

  bool take(char expected) {
    if (at_end() || peek() != expected) {
      return false;
    }
    ++at_;
    return true;
  }

  char peek() const { return text_[at_]; }

  // RFC 8259 §7: a string, its escapes resolved, \u escapes (and their surrogate pairs) as UTF-8.
  bool string(std::string& out) {
    if (!take('"')) {
      return false;
    }
    while (!at_end()) {
      const char c = text_[at_++];
      if (c == '"') {
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return false;  // control characters must be escaped
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) {
        return false;
      }
      const char escaped = text_[at_++];
      switch (escaped) {
        case '"':
        case '\\':
        case '/':
          out += escaped;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          if (!unicode_escape(out)) {
            return false;
          }
          break;
        default:
          return false;
      }
    }
    return false;  // no closing quote
  }

  // RFC 8259 §6: number = [ minus ] int [ frac ] [ exp ], kept as written.
  bool number(std::string& out) {
    const std::size_t start = at_;
    take('-');
    if (take('0')) {
      // no leading zeros: "01" is not a number
    } else if (!digits()) {
      return false;
    }
    if (take('.') && !digits()) {
      return false;
    }
    if (take('e') || take('E')) {
      if (!take('+')) {
        take('-');
      }
      if (!digits()) {
        return false;
      }
    }
    out = std::string(text_.substr(start, at_ - start));
    return true;
  }

  bool literal(std::string& out) {
    for (const std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(at_, word.size()) == word) {
        at_ += word.size();
        out = std::string(word);
        return true;
      }
    }
    return false;
  }

 private:
  bool digits() {
    const std::size_t start = at_;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      ++at_;
    }
    return at_ > start;
  }

  bool hex4(std::uint32_t& value) {
    constexpr std::size_t hex_digits = 4;
    if (text_.size() - at_ < hex_digits) {
      return false;
    }
    value = 0;
    for (std::size_t i = 0; i < hex_digits; ++i) {
      const char c = text_[at_++];
      std::uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      value = value * 16 + digit;
    }
    return true;
  }

  // After "\u": one code point, or a surrogate pair written as two escapes. A lone surrogate
  // stands for no character and is refused.
  bool unicode_escape(std::string& out) {
    std::uint32_t code = 0;
    if (!hex4(code)) {
      return false;
    }
    if (code >= 0xDC00 && code <= 0xDFFF) {
      return false;
    }
    if (code >= 0xD800 && code <= 0xDBFF) {
      std::uint32_t low = 0;
      if (!take('\\') || !take('u') || !hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return false;
      }
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(code, out);
    return true;
  }

  static void append_utf8(std::uint32_t code, std::string& out) {
    const auto byte = [](std::uint32_t value) { return static_cast<char>(value); };
    if (code < 0x80) {
      out += byte(code);
    } else if (code < 0x800) {
      out += byte(0xC0 | (code >> 6));
      out += byte(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += byte(0xE0 | (code >> 12));
      out += byte(0x80 | ((code >> 6) & 0x3F));
      out += byte(0x80 | (code & 0x3F));
    } else {
      out += byte(0xF0 | (code >> 18));
      out += byte(0x80 | ((code >> 12) & 0x3F));
      out += byte(0x80 | ((code >> 6) & 0x3F));
      out += byte(0x80 | (code & 0x3F));
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// A member's value: a string, a number or a literal. '{' and '[' (nesting) are refused here.
bool value(Reader& reader, FlatJsonMember& member) {
  if (reader.at_end()) {
    return false;
  }
  const char first = reader.peek();
  if (first == '"') {
    member.is_string = true;
    return reader.string(member.value);
  }
  if (first == '-' || (first >= '0' && first <= '9')) {
    return reader.number(member.value);
  }
  return reader.literal(member.value);
}

}  // namespace

std::optional<FlatJsonObject> parse_flat_json_object(std::string_view text) {
  if (text.size() > max_flat_json_size) {
    return std::nullopt;
  }
  Reader reader(text);
  FlatJsonObject object;
  reader.skip_blanks();
  if (!reader.take('{')) {
    return std::nullopt;
  }
  reader.skip_blanks();
  if (!reader.take('}')) {
    while (true) {
      if (object.size() == max_flat_json_members) {
        return std::nullopt;
      }
      FlatJsonMember member;
      reader.skip_blanks();
      if (!reader.string(member.name)) {
        return std::nullopt;
      }
      if (find_member(object, member.name) != nullptr) {
        return std::nullopt;  // RFC 8259 §4: names SHOULD be unique; which one would count?
      }
      reader.skip_blanks();
      if (!reader.take(':')) {
        return std::nullopt;
      }
      reader.skip_blanks();
      if (!value(reader, member)) {
        return std::nullopt;
      }
      object.push_back(std::move(member));
      reader.skip_blanks();
      if (reader.take('}')) {
        break;
      }
      if (!reader.take(',')) {
        return std::nullopt;
      }
    }
  }
  // Google's error challenge ends with a line feed.
  reader.skip_blanks();
  if (!reader.at_end()) {
    return std::nullopt;
  }
  return object;
}

const FlatJsonMember* find_member(const FlatJsonObject& object, std::string_view name) {
  const auto found = std::find_if(object.begin(), object.end(), [&](const FlatJsonMember& member) {
    return member.name == name;
  });
  return found == object.end() ? nullptr : &*found;
}

}  // namespace smtpsend::smtp
