#pragma once
// What a prepared message (--message FILE|-, or sendmail's standard input) becomes before it is
// sent: its line ends normalized to CRLF and its Bcc field taken out of the top-level header
// section. The bytes arrive in chunks of any size; nothing but the start of a possible Bcc field
// name, or a "." that may be a line of its own, is held back between them.
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
// allows. Lines after the header section (the body, nested parts) are never touched. With
// `remove_bcc` off the whole input is treated as body: only line ends change.
//
// The lone dot (sendmail without -i/-oi): with `dot_ends_input`, a line holding exactly "." and
// followed by LF, CRLF or the end of the input ends the message, in the header section as in the
// body. That line and everything after it are left out, and add() says how much of its chunk it
// took so that the caller can leave the rest unread. A "." followed by a bare CR is an ordinary
// line, as sendmail sees it (it ends lines at LF only).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smtpsend::mime {

// What the filter does besides making line ends CRLF.
struct PreparedMessageFilterRules {
  bool remove_bcc = true;       // take the Bcc field out of the header section at the start
  bool dot_ends_input = false;  // a line holding only "." ends the message
};

class PreparedMessageFilter {
 public:
  PreparedMessageFilter() = default;
  explicit PreparedMessageFilter(PreparedMessageFilterRules rules);

  // Appends the filtered form of the next `chunk` to `out`. Returns how many bytes of `chunk`
  // were taken: all of them, unless the message ended (ended()) within it, and none after that.
  std::size_t add(std::string_view chunk, std::string& out);
  // Appends what was held back and the CRLF a last unended line needs; call once at the end.
  void finish(std::string& out);
  // True once a line holding only "." has ended the message (dot_ends_input).
  bool ended() const { return ended_; }

 private:
  enum class Line {
    deciding,  // in the header section, at the start of a field's first line: Bcc or not?
    kept,      // copied
    dropped,   // a Bcc field's line: left out, line end included
  };
  // How far a line that may be the lone dot has got; nothing of it has been written yet.
  enum class LoneDot {
    no,           // not at the start of a line, or not looking
    dot,          // the line so far is "."
    dot_then_cr,  // ".", then a CR that may start its CRLF
  };

  // Handles one byte that is not a line end.
  void add_to_line(char c, std::string& out);
  void start_line(char first);
  void end_line(std::string& out);
  // Settles a `deciding` line once its start shows whether it is Bcc.
  void decide(bool is_bcc, std::string& out);
  void add_to_field_name(char c, std::string& out);

  PreparedMessageFilterRules rules_;
  bool in_header_ = true;
  bool at_line_start_ = true;
  bool after_cr_ = false;        // the last byte was a CR, already taken as a line end
  bool dropping_field_ = false;  // the current header field is Bcc: its continuations go too
  bool ended_ = false;
  Line line_ = Line::kept;
  LoneDot lone_dot_ = LoneDot::no;
  std::string held_;  // the start of a `deciding` line: "Bcc" or a prefix of it, then whitespace
};

}  // namespace smtpsend::mime
