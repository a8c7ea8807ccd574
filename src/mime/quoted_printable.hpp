#pragma once
// Quoted-printable (RFC 2045 §6.7) as a streaming encoder for text bodies. The input is text in
// canonical form: CRLF is a line break and stays one (a "hard" break); everything else, including
// a lone CR or LF, is data. Feed chunks of any size (a CRLF may be split between chunks) and get
// complete output lines of at most 76 characters, each ended by CRLF.
//
// Beyond what §6.7 requires, two things are encoded so that the output survives transports that
// mangle them: a '.' at the start of a line (=2E) and the 'F' of "From " at the start of a line
// (=46), which mbox-style delivery would otherwise turn into ">From ".

#include <cstddef>
#include <string>
#include <string_view>

namespace smtpsend::mime {

// RFC 2045 §6.7 rule 5: "encoded lines must not be longer than 76 characters, not counting the
// trailing CRLF" — the '=' of a soft line break counts.
inline constexpr std::size_t quoted_printable_line_length = 76;

class QuotedPrintableEncoder {
 public:
  // Encodes `input` and appends every complete output line produced so far to `output`.
  void feed(std::string_view input, std::string& output);

  // Flushes what is left. When the input did not end with CRLF, the last line ends with a soft
  // line break ("=" CRLF) so that the output is whole lines yet decodes to exactly the input.
  // The encoder may be reused afterwards.
  void finish(std::string& output);

 private:
  void append_byte(unsigned char byte, bool force_encoding, std::string& output);
  void hard_line_break(std::string& output);
  void soft_line_break(std::string& output);
  void encode_trailing_whitespace(std::string& output);

  std::string line_;         // the current output line, without its line break
  bool pending_cr_ = false;  // a CR was the last input byte; a following LF makes a line break
};

// Convenience for whole buffers: feed(input) then finish().
std::string encode_quoted_printable(std::string_view input);

}  // namespace smtpsend::mime
