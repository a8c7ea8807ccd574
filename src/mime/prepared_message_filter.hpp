#pragma once
// What a prepared message (--message FILE|-) becomes before it is sent: its line ends normalized
// to CRLF and its Bcc field taken out of the top-level header section. The bytes arrive in chunks
// of any size; nothing but the start of a possible Bcc field name is held back between them.
//
// Line ends: CRLF, a bare LF and a bare CR each end a line and are written as CRLF, the same rule
// the SMTP session applies (RFC 5321 §2.3.8), so the output goes through it unchanged and its
// length is what goes on the wire before dot-stuffing. A CR at the end of one chunk and an LF at
// the start of the next are one line end. A last line without a line end gets a CRLF, as the
// session would add before the final dot (RFC 5321 §4.1.1.4); an empty input stays empty.
//
// Bcc (RFC 5322 §3.6.3): its recipients are in the envelope and must not be shown to the others.
// The header section is the lines before the first empty line (RFC 5322 §2.1), or the whole
// message when there is none. A field starts with a line that does not begin with a space or tab;
// lines that do are its continuation (§2.2.3) and go with it. The field is Bcc when its name,
// matched in any case, is "Bcc", with the whitespace before the colon that §4.5 (obs-optional)
// allows. Lines after the header section (the body, nested parts) are never touched.

#include <cstdint>
#include <string>
#include <string_view>

namespace smtpsend::mime {

class PreparedMessageFilter {
 public:
  // Appends the filtered form of the next `chunk` to `out`.
  void add(std::string_view chunk, std::string& out);
  // Appends what was held back and the CRLF a last unended line needs; call once at the end.
  void finish(std::string& out);

 private:
  enum class Line {
    deciding,  // in the header section, at the start of a field's first line: Bcc or not?
    kept,      // copied
    dropped,   // a Bcc field's line: left out, line end included
  };

  void end_line(std::string& out);
  // Settles a `deciding` line once its start shows whether it is Bcc.
  void decide(bool is_bcc, std::string& out);
  void add_to_field_name(char c, std::string& out);

  bool in_header_ = true;
  bool at_line_start_ = true;
  bool after_cr_ = false;        // the last byte was a CR, already taken as a line end
  bool dropping_field_ = false;  // the current header field is Bcc: its continuations go too
  Line line_ = Line::kept;
  std::string held_;  // the start of a `deciding` line: "Bcc" or a prefix of it, then whitespace
};

}  // namespace smtpsend::mime
