#include "mime/header_encoding.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "mime/syntax_helpers.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

enum class WordEncoding { base64, quoted };

// RFC 2047 §2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
constexpr std::string_view word_charset = "UTF-8";
constexpr std::size_t word_overhead = 2 + word_charset.size() + 3 + 2;  // "=?UTF-8?B?" + "?="
// The longest character (4 bytes) as Q is 12 characters; B needs 8.
constexpr std::size_t shortest_useful_word = word_overhead + 12;

using syntax::is_wsp;

// RFC 2047 §5(3): in a phrase only these may stand for themselves in Q-encoded text. Using the
// strictest set everywhere keeps one encoder valid in every place an encoded word may appear.
bool is_q_literal(unsigned char byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
         (byte >= '0' && byte <= '9') || byte == '!' || byte == '*' || byte == '+' || byte == '-' ||
         byte == '/';
}

// RFC 2047 §4.2: space may be written "_"; every other byte outside the literal set is "=XX".
std::size_t q_length(unsigned char byte) {
  return is_q_literal(byte) || byte == ' ' ? 1 : 3;
}

std::size_t q_length(std::string_view bytes) {
  std::size_t length = 0;
  for (const char c : bytes) {
    length += q_length(static_cast<unsigned char>(c));
  }
  return length;
}

void append_q(std::string_view bytes, std::string& output) {
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_q_literal(byte)) {
      output += c;
    } else if (byte == ' ') {
      output += '_';
    } else {
      output += '=';
      syntax::append_hex_octet(byte, output);
    }
  }
}

WordEncoding choose_encoding(std::string_view text) {
  return q_length(text) <= base64_encoded_length(text.size()) ? WordEncoding::quoted
                                                              : WordEncoding::base64;
}

// Takes from the front of `text` the longest run of whole UTF-8 characters whose encoded word
// fits in `max_length` characters and returns that word; returns "" when not even one fits.
std::string take_encoded_word(std::string_view& text, WordEncoding encoding,
                              std::size_t max_length) {
  if (max_length <= word_overhead) {
    return {};
  }
  const std::size_t budget = max_length - word_overhead;
  std::size_t taken = 0;
  std::size_t q_taken_length = 0;
  while (taken < text.size()) {
    const std::size_t length = std::max<std::size_t>(1, utf8_character_length(text, taken));
    if (encoding == WordEncoding::base64) {
      if (base64_encoded_length(taken + length) > budget) {
        break;
      }
    } else {
      const std::size_t character_length = q_length(text.substr(taken, length));
      if (q_taken_length + character_length > budget) {
        break;
      }
      q_taken_length += character_length;
    }
    taken += length;
  }
  if (taken == 0) {
    return {};
  }
  std::string word = "=?";
  word += word_charset;
  word += encoding == WordEncoding::base64 ? "?B?" : "?Q?";
  if (encoding == WordEncoding::base64) {
    word += encode_base64(text.substr(0, taken));
  } else {
    append_q(text.substr(0, taken), word);
  }
  word += "?=";
  text.remove_prefix(taken);
  return word;
}

std::string printable_for_message(std::string_view text) {
  std::string printable;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    printable += byte < 0x20 || byte == 0x7F ? '?' : c;
  }
  return printable;
}

void require_valid_utf8(std::string_view name, std::string_view text) {
  const std::size_t invalid = find_invalid_utf8(text);
  if (invalid != std::string_view::npos) {
    throw Failure(ErrorKind::data, "header '" + std::string(name) +
                                       "' is not valid UTF-8 (at byte " + std::to_string(invalid) +
                                       "); convert it to UTF-8");
  }
}

// One whitespace-separated word of a value and the whitespace before it (RFC 5322 §2.2.3: a fold
// is a CRLF inserted before whitespace).
struct Piece {
  std::string separator;
  std::string_view word;
  bool encode = false;
};

std::vector<Piece> split_at_whitespace(std::string_view value) {
  std::vector<Piece> pieces;
  std::size_t position = 0;
  while (position < value.size()) {
    const std::size_t word_start =
        std::find_if_not(value.begin() + position, value.end(), is_wsp) - value.begin();
    const std::size_t word_end =
        std::find_if(value.begin() + word_start, value.end(), is_wsp) - value.begin();
    pieces.push_back({std::string(value.substr(position, word_start - position)),
                      value.substr(word_start, word_end - word_start)});
    position = word_end;
  }
  // The conventional single space after the colon; the value's own leading whitespace follows.
  if (!pieces.empty()) {
    pieces.front().separator.insert(0, 1, ' ');
  }
  return pieces;
}

// Collects the lines of one header field and decides where to fold.
class FoldedLines {
 public:
  explicit FoldedLines(std::string_view name) : name_(name), line_(name) { line_ += ':'; }

  // Columns left on the current line for a word after `separator` within `limit`.
  std::size_t room(std::string_view separator, std::size_t limit) const {
    const std::size_t used = line_.size() + separator.size();
    return used < limit ? limit - used : 0;
  }
  // Only a line that already holds a word may be folded; otherwise the fold would leave the name
  // alone or produce a line of nothing but whitespace (RFC 5322 §3.2.2 warns against both).
  bool can_fold() const { return line_has_word_; }
  void fold() {
    lines_.push_back(std::move(line_));
    line_.clear();
    line_has_word_ = false;
  }
  void append(std::string_view separator, std::string_view word) {
    line_ += separator;
    line_ += word;
    line_has_word_ = line_has_word_ || !word.empty();
  }
  // Places a word that cannot be split: on this line when it fits, else on the next.
  void add_word(std::string_view separator, std::string_view word, std::size_t limit) {
    if (!word.empty() && can_fold() && room(separator, limit) < word.size()) {
      fold();
    }
    append(separator, word);
  }

  std::string finish() {
    lines_.push_back(std::move(line_));
    return join_folded_lines(name_, lines_, "a word");
  }

 private:
  std::string name_;
  std::string line_;
  bool line_has_word_ = false;
  std::vector<std::string> lines_;
};

// Writes `text` as encoded words, each as large as the current line allows.
void add_encoded_words(FoldedLines& lines, std::string separator, std::string_view text) {
  const WordEncoding encoding = choose_encoding(text);
  while (!text.empty()) {
    std::size_t room =
        std::min(maximum_encoded_word_length, lines.room(separator, encoded_word_line_length));
    if (room < shortest_useful_word && lines.can_fold()) {
      lines.fold();
      room = std::min(maximum_encoded_word_length, lines.room(separator, encoded_word_line_length));
    }
    // A line too full even when fresh (a very long name or separator) still gets a whole word.
    std::string word = take_encoded_word(text, encoding, std::max(room, shortest_useful_word));
    lines.append(separator, word);
    // RFC 2047 §6.2: whitespace between adjacent encoded words is not displayed, so any spaces
    // of the text travel inside the words and this separator only allows a fold.
    separator = " ";
  }
}

bool needs_encoding(std::string_view word, std::size_t longest_plain_word) {
  const bool has_control = std::any_of(word.begin(), word.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
  return has_control || !is_ascii(word) || looks_like_encoded_word(word) ||
         word.size() > longest_plain_word;
}

}  // namespace

std::string join_folded_lines(std::string_view name, const std::vector<std::string>& lines,
                              std::string_view what) {
  std::string header;
  for (const auto& line : lines) {
    if (line.size() > maximum_line_length) {
      throw Failure(ErrorKind::data, "header '" + std::string(name) + "' has " + std::string(what) +
                                         " too long to fold into lines of " +
                                         std::to_string(maximum_line_length) +
                                         " characters (RFC 5322 §2.1.1); shorten it");
    }
    header += line;
    header += "\r\n";
  }
  return header;
}

bool looks_like_encoded_word(std::string_view text) {
  const std::size_t start = text.find("=?");
  return start != std::string_view::npos && text.find("?=", start + 2) != std::string_view::npos;
}

void validate_header(std::string_view name, std::string_view value) {
  const bool name_is_valid =
      !name.empty() && name.size() <= maximum_header_name_length &&
      std::all_of(name.begin(), name.end(), [](char c) { return c >= 33 && c <= 126 && c != ':'; });
  if (!name_is_valid) {
    throw Failure(ErrorKind::data, "invalid header name '" + printable_for_message(name) +
                                       "': use printable ASCII without spaces or ':', at most " +
                                       std::to_string(maximum_header_name_length) + " characters");
  }
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    throw Failure(ErrorKind::data, "header '" + std::string(name) +
                                       "' contains a line break; a header value must be one line");
  }
  if (value.find('\0') != std::string_view::npos) {
    throw Failure(ErrorKind::data,
                  "header '" + std::string(name) + "' contains a NUL byte; remove it");
  }
}

std::string format_header(std::string_view name, std::string_view value) {
  validate_header(name, value);
  FoldedLines lines(name);
  for (const auto& piece : split_at_whitespace(value)) {
    lines.add_word(piece.separator, piece.word, recommended_line_length);
  }
  return lines.finish();
}

std::string format_unstructured_header(std::string_view name, std::string_view text) {
  validate_header(name, text);
  require_valid_utf8(name, text);
  // A plain word this long might not fit within the hard limit even right after the name (where
  // no fold is possible); as encoded words it can be spread over several lines.
  const std::size_t longest_plain_word = maximum_line_length - name.size() - 2;
  std::vector<Piece> pieces = split_at_whitespace(text);
  for (auto& piece : pieces) {
    piece.encode = needs_encoding(piece.word, longest_plain_word);
  }
  FoldedLines lines(name);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (!pieces[i].encode) {
      lines.add_word(pieces[i].separator, pieces[i].word, recommended_line_length);
      continue;
    }
    // Neighbouring words that need encoding become one run, whitespace included, since the
    // whitespace between two encoded words would be lost (RFC 2047 §6.2).
    std::size_t last = i;
    while (last + 1 < pieces.size() && pieces[last + 1].encode) {
      ++last;
    }
    const std::size_t run_start = static_cast<std::size_t>(pieces[i].word.data() - text.data());
    const std::size_t run_end =
        static_cast<std::size_t>(pieces[last].word.data() - text.data()) + pieces[last].word.size();
    add_encoded_words(lines, pieces[i].separator, text.substr(run_start, run_end - run_start));
    i = last;
  }
  return lines.finish();
}

std::string encode_phrase(std::string_view text, std::size_t max_word_length) {
  const WordEncoding encoding = choose_encoding(text);
  const std::size_t word_length = std::max(max_word_length, shortest_useful_word);
  std::string phrase;
  while (!text.empty()) {
    if (!phrase.empty()) {
      phrase += ' ';
    }
    phrase += take_encoded_word(text, encoding, word_length);
  }
  return phrase;
}

}  // namespace smtpsend::mime
