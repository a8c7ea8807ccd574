#pragma once
// Text and HTML bodies as they go into a part: canonical CRLF line ends (RFC 2046 §4.1.1) and
// the lightest transfer encoding that keeps the message 7-bit (RFC 2045 §6).
//
// The body is held once, as it was given, and encoded as the stream is pulled, a piece at a
// time: a 50 MB body needs 50 MB and a little more, never a normalized or encoded copy of it.
// Its encoded size is counted up front by encoding it once without keeping the output.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mime/quoted_printable.hpp"

namespace smtpsend::mime {

class TextBody {
 public:
  // Takes `text` (any line ends). Every line end (CRLF, LF, lone CR) becomes CRLF and a
  // non-empty text ends with CRLF. The result is 7bit when it is ASCII without NUL and no line
  // exceeds 998 octets (RFC 2045 §2.7), else quoted-printable. When `charset` is UTF-8, invalid
  // UTF-8 is Failure(data) naming `what` ("the message body", "the HTML body") and the offset of
  // the first bad byte.
  TextBody(std::string text, std::string_view charset, std::string_view what);

  // "7bit" or "quoted-printable".
  std::string_view transfer_encoding() const { return seven_bit_ ? "7bit" : "quoted-printable"; }
  bool is_7bit() const { return seven_bit_; }
  // The exact number of octets append_encoded() produces in all.
  std::uint64_t encoded_size() const { return encoded_size_; }
  // The text as given (for the boundary check: a boundary holds no CR or LF, so it occurs in
  // the normalized text exactly when it occurs in this). Empty once the body has been sent.
  std::string_view text() const { return text_; }

  // Appends more of the encoded body to `output`, about `room` octets of it (a line of at most
  // 78 octets more); nothing when `room` is very small. Returns true when the body is complete
  // (and the text released).
  bool append_encoded(std::string& output, std::size_t room);

 private:
  // Normalizes and encodes text_[position_, position_ + count) onto `output`.
  void encode(std::size_t count, std::string& output);
  // The end of the body: a last CRLF when the text did not end with a line end, and the
  // encoder's last line.
  void finish(std::string& output);

  std::string text_;
  bool done_ = false;
  bool seven_bit_ = true;
  std::uint64_t encoded_size_ = 0;
  std::size_t position_ = 0;
  bool after_cr_ = false;      // the last byte encoded was a CR (an LF after it is its pair)
  bool at_line_start_ = true;  // the normalized output so far ends with CRLF (or is empty)
  std::string normalized_;     // one piece of normalized text, reused
  QuotedPrintableEncoder encoder_;
};

}  // namespace smtpsend::mime
