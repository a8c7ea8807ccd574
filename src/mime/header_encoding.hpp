#pragma once
// Header fields as they go on the wire: validation, RFC 2047 encoded words for text that is not
// plain ASCII, and folding (RFC 5322 §2.2.3) so that lines stay short.
//
//   format_header("To", "Ann <ann@example.com>, bob@example.com")
//       structured or already-encoded values: folded at whitespace, never altered otherwise.
//   format_unstructured_header("Subject", "Grüße aus Köln")
//       free text: words that need it become UTF-8 encoded words, then the result is folded.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::mime {

// RFC 5322 §2.1.1: lines "SHOULD be no more than 78 characters" and "MUST be no more than 998",
// both without the CRLF.
inline constexpr std::size_t recommended_line_length = 78;
inline constexpr std::size_t maximum_line_length = 998;
// RFC 2047 §2: an encoded word is at most 75 characters, and a line holding one at most 76.
inline constexpr std::size_t maximum_encoded_word_length = 75;
inline constexpr std::size_t encoded_word_line_length = 76;
// Header names longer than this could not share a line with any value; nobody needs them.
inline constexpr std::size_t maximum_header_name_length = 76;

// Throws Failure(data) when `name` is not a field name (RFC 5322 §3.6.8: printable ASCII except
// ':', here also at most maximum_header_name_length) or `value` holds CR, LF or NUL, which would
// end the header early or cut the message.
void validate_header(std::string_view name, std::string_view value);

// "Name: value\r\n", folded at whitespace so that no line exceeds 78 characters where the words
// allow; a word is never split. `value` must already be in header form (ASCII, or UTF-8 only
// where SMTPUTF8 allows it). Throws Failure(data) for an invalid header or when a line would
// still exceed 998 characters.
std::string format_header(std::string_view name, std::string_view value);

// "Name: text\r\n" for unstructured text (RFC 5322 §3.2.5: Subject, Comments, ...). Words that
// are not ASCII, contain control characters, look like an encoded word ("=?...?=") or are too
// long for one line become RFC 2047 encoded words in UTF-8 (B or Q, whichever is shorter);
// neighbouring such words share encoded words, which never split a UTF-8 character, are at most
// 75 characters and are sized so that their lines stay within 76. Throws Failure(data) for an
// invalid header or text that is not valid UTF-8.
std::string format_unstructured_header(std::string_view name, std::string_view text);

// The whole of `text` (valid UTF-8) as encoded words separated by single spaces, each at most
// `max_word_length` characters (at least 24, enough for any character). The Q form uses only the
// characters RFC 2047 §5(3) allows in a phrase, so the result may stand as a display name.
std::string encode_phrase(std::string_view text,
                          std::size_t max_word_length = maximum_encoded_word_length);

// The folded lines of header `name` joined, each ended by CRLF. Throws Failure(data) naming the
// header and `what` (the part that would not fold) when a line still exceeds 998 characters.
std::string join_folded_lines(std::string_view name, const std::vector<std::string>& lines,
                              std::string_view what);

// True when `text` holds something that an RFC 2047 decoder could take for an encoded word.
bool looks_like_encoded_word(std::string_view text);

}  // namespace smtpsend::mime
