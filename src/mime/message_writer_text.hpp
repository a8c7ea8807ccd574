#pragma once
// Text and HTML bodies as they go into a part: canonical CRLF line ends (RFC 2046 §4.1.1) and
// the lightest transfer encoding that keeps the message 7-bit (RFC 2045 §6).

#include <string>
#include <string_view>

namespace smtpsend::mime {

struct EncodedText {
  std::string body;        // the encoded body: whole CRLF-ended lines, or empty
  bool seven_bit = false;  // true: sent as is ("7bit"); false: "quoted-printable"
  std::string_view transfer_encoding() const { return seven_bit ? "7bit" : "quoted-printable"; }
};

// Normalizes every line end (CRLF, LF, lone CR) to CRLF and ends a non-empty text with CRLF.
// The result is 7bit when it is ASCII without NUL and no line exceeds 998 octets (RFC 2045 §2.7),
// else quoted-printable. When `charset` is UTF-8, invalid UTF-8 is Failure(data) naming `what`
// ("the message body", "the HTML body") and the offset of the first bad byte.
EncodedText encode_text_body(std::string_view text, std::string_view charset,
                             std::string_view what);

}  // namespace smtpsend::mime
