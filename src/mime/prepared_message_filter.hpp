#pragma once
// What a prepared message (--message FILE|-, or sendmail's standard input) becomes before it is
// sent: its line ends made CRLF, its lines made at most 998 octets long, and its Bcc and
// Resent-Bcc fields taken out of the top-level header section. The bytes arrive in chunks of any
// size; at most one line (998 octets) and the CRs before its end are held back between them.
//
// Line ends, found the way sendmail, Postfix and msmtp find them, with LF:
// - an LF, with every CR just before it, is one line end: "\n", "\r\n" and "\r\r\n" (text
//   converted to CRLF twice, common from Windows tools) each end one line, and never make an
//   empty line of their own;
// - a CR not followed by LF (a bare CR) is a space in the header section, so that it can neither
//   end the header section nor start a field the header section does not show ("To: a\rBcc: b"
//   is one To field); in the body it ends a line, as the SMTP session would make it
//   (RFC 5321 §2.3.8);
// - every line end is written as CRLF, and a last line without one gets one, as the session
//   would add before the final dot (RFC 5321 §4.1.1.4); an empty input stays empty.
// So what a reader of the output sees as lines is exactly what went on the wire: only CRLF
// leaves the filter, and the header section's lines are the ones the rules above decided.
//
// The header section is the lines before the first empty line (RFC 5322 §2.1), or the whole
// message when there is none. With `header_ends_at_non_field` (sendmail mode), it ends earlier,
// at the first line that SubmittedHeaderSection takes as the start of the body (a line that is
// neither a field nor a continuation; submitted_header_section.hpp), which is then judged by the
// body's rules; a bare CR ends such a line as soon as what comes before it cannot start a field.
// So the filter never takes a line for the body while that parser still takes it for a header
// line, and a bare CR can never make an empty line it would see in the header section. The
// header section is tracked whatever the rules, as bare CRs and long lines depend on it.
//
// Long lines (RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6: at most 998 octets before the CRLF) are
// broken as Postfix does (smtp_line_length_limit) rather than refused, so that a cron job's
// long log line still arrives: a header line is folded (RFC 5322 §2.2.3) before the last space
// or tab within the limit, or, when it has none, by inserting CRLF and a space; a body line gets
// a CRLF after 998 octets. Whitespace between a field's name and its colon (obs-optional) that
// would reach the limit is cut short instead, so that the field's name and colon stay on one line.
// A break never splits a UTF-8 sequence (it moves before the sequence's
// first byte) or a CRLF. long_lines() and first_long_line() say what was broken, for a warning.
//
// NUL bytes are refused: Failure(data) naming the line (RFC 2045 §2.7-2.8: no mail text may
// contain them); send such data as an attachment.
//
// Bcc (RFC 5322 §3.6.3) and Resent-Bcc (§3.6.6): their recipients are in the envelope and must
// not be shown to the others. A field starts with a line that does not begin with a space or
// tab; lines that do are its continuation (§2.2.3) and go with it. The field is removed when its
// name, matched in any case, is "Bcc" or "Resent-Bcc", with the whitespace before the colon that
// §4.5 (obs-optional) allows; also when that name is followed by whitespace up to the 998-octet
// limit, the safe side. Lines after the header section (the body, nested parts) are never
// touched. With `remove_bcc` off nothing is removed.
//
// The lone dot (sendmail without -i/-oi): with `dot_ends_input`, a line holding exactly "." and
// ended by a line end with LF (above) or by the end of the input ends the message, in the header
// section as in the body. That line and everything after it are left out, and add() says how
// much of its chunk it took so that the caller can leave the rest unread. A "." followed by a
// bare CR is an ordinary line (sendmail ends lines at LF only), and so is a "." that remains of
// a line broken at the limit.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace smtpsend::mime {

// What the filter does besides making line ends CRLF and lines short enough.
struct PreparedMessageFilterRules {
  bool remove_bcc = true;       // take Bcc and Resent-Bcc out of the header section
  bool dot_ends_input = false;  // a line holding only "." ends the message
  // The header section also ends at a line that is not a field (sendmail mode, see above).
  bool header_ends_at_non_field = false;
};

class PreparedMessageFilter {
 public:
  PreparedMessageFilter() = default;
  explicit PreparedMessageFilter(PreparedMessageFilterRules rules);

  // Appends the filtered form of the next `chunk` to `out`. Returns how many bytes of `chunk`
  // were taken: all of them, unless the message ended (ended()) within it, and none after that.
  // Throws Failure(data) at a NUL byte.
  std::size_t add(std::string_view chunk, std::string& out);
  // Appends what was held back and the CRLF a last unended line needs; call once at the end.
  void finish(std::string& out);
  // True once a line holding only "." has ended the message (dot_ends_input).
  bool ended() const { return ended_; }
  // How many input lines were longer than 998 octets and broken, and the number (from 1) of the
  // first; 0 when none.
  std::size_t long_lines() const { return long_lines_; }
  std::size_t first_long_line() const { return first_long_line_; }
  // The warning to show when lines were broken, naming `message` ("the message file 'x'");
  // nothing when none were.
  std::optional<std::string> long_lines_warning(std::string_view message) const;

 private:
  // Whether the current line's text is written.
  enum class Line {
    undecided,  // nothing of it written yet: in the header section, is it a field to remove?
    kept,
    dropped,  // a removed field's line
  };

  // Adds ordinary bytes (neither CR nor LF) to the line, breaking it at the limit.
  void append(std::string_view text, std::string& out);
  void append_byte(char c, std::string& out);
  // Settles the CRs seen since the last other byte, which no LF followed.
  void bare_crs(std::string& out);
  // The line ends; `with_lf` when by an LF or the end of the input (a lone dot may end here).
  void end_line(bool with_lf, std::string& out);
  // The line is full and `next` comes: writes part of it and keeps the rest.
  void break_line(char next, std::string& out);
  // Whether the current line, so far (`complete` false) or whole, belongs to the header section
  // under `header_ends_at_non_field`.
  bool is_header_line(bool complete) const;
  // At a line's end or first break: leaves the header section if the line is not in it.
  void settle_header_role();
  // Writes `text` and a CRLF unless the line is dropped, deciding first when undecided.
  void write_line(std::string_view text, bool continues, std::string& out);

  PreparedMessageFilterRules rules_;
  bool in_header_ = true;
  bool dropping_field_ = false;  // the current header field is removed: its continuations go too
  bool ended_ = false;
  bool broken_ = false;      // the current line continues one broken at the limit
  bool first_line_ = true;   // no line but an mbox "From " line came before this one
  bool seen_field_ = false;  // a field started in the header section: a continuation may follow
  Line line_state_ = Line::undecided;
  std::size_t pending_crs_ = 0;  // CRs seen since the last other byte
  std::size_t line_number_ = 1;  // of the input line being read
  std::size_t long_lines_ = 0;
  std::size_t first_long_line_ = 0;
  std::string line_;  // the part of the current line not written yet, at most 998 octets
};

// Runs `step` (a call of a filter's add() or finish()); a Failure(data) it throws (a NUL byte) is
// thrown again naming `message` ("the message file 'x'"), with `outcome` appended ("; nothing was
// sent" when nothing was).
template <typename Step>
void filter_naming_message(std::string_view message, std::string_view outcome, Step step) {
  try {
    step();
  } catch (const Failure& failure) {
    if (failure.error().kind != ErrorKind::data) {
      throw;
    }
    throw Failure(ErrorKind::data, "cannot send " + std::string(message) + ": " +
                                       failure.error().message + std::string(outcome));
  }
}

}  // namespace smtpsend::mime
