#pragma once
// The header section of a message that a sendmail-mode caller pipes in, taken a line at a time
// (after its line ends were made CRLF) until the line that ends it, with what the fields say
// about recipients and the fields the sender must add.
//
// Where it ends: at the first empty line (RFC 5322 §2.1), or at the first line that is neither a
// field ("name:" with a name of printable ASCII other than ':', §2.2 and §3.6.8, and the
// whitespace before the colon that §4.5 allows) nor a continuation (a line that starts with a
// space or tab, §2.2.3). The second is Postfix's rule for text that forgot the empty line: that
// line starts the body. A message whose first line is either has no header section at all.
// An mbox "From " line at the very start ("From", a space, and no colon before it, so not the
// obsolete "From :" form of the From field) is dropped, as sendmail does: it is mailbox framing.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::mime {

// Whether `line` (without its line end) starts a header field under the rule above.
bool is_field_start(std::string_view line);
// Whether `line_start`, the beginning of a line not yet complete, may still become a field's
// first line: a field start already, or field name characters and whitespace with no colon yet.
bool may_become_field_start(std::string_view line_start);
// Whether `line` is the mbox "From " line, dropped when it is the first line.
bool is_mbox_from_line(std::string_view line);

// What the header section says. Field bodies are unfolded (each CRLF before a continuation's
// whitespace removed, the whitespace kept) and have the whitespace around them trimmed. Field
// names match in any case.
struct SubmittedHeaders {
  std::vector<std::string> to;   // one entry per To field
  std::vector<std::string> cc;   // one entry per Cc field
  std::vector<std::string> bcc;  // one entry per Bcc field, also when the fields are removed
  // The same for Resent-To, Resent-Cc and Resent-Bcc (RFC 5322 §3.6.6).
  std::vector<std::string> resent_to;
  std::vector<std::string> resent_cc;
  std::vector<std::string> resent_bcc;
  std::optional<std::string> from;  // the first From field's body
  bool has_date = false;
  bool has_message_id = false;
};

// Which fields, with their continuation lines, are left out of text().
struct HeaderSectionRemovals {
  bool bcc = true;         // Bcc and Resent-Bcc (RFC 5322 §3.6.3, §3.6.6)
  bool from = false;       // From, to be replaced by the sender's
  bool to_and_cc = false;  // To and Cc, to be replaced by an undisclosed-recipients group
};

class SubmittedHeaderSection {
 public:
  // Where a line belongs.
  enum class LineRole {
    header,     // in the header section (or the dropped mbox "From " line): take the next line
    separator,  // the empty line that ends the header section
    body,       // the first line of the body, which needs an empty line inserted before it
  };

  // `remove_bcc`: leave Bcc and Resent-Bcc fields (RFC 5322 §3.6.3, §3.6.6), with their
  // continuation lines, out of text().
  explicit SubmittedHeaderSection(bool remove_bcc);
  explicit SubmittedHeaderSection(HeaderSectionRemovals removals);

  // Takes the next line, without its CRLF. After a line that is not `header`, the header section
  // is complete and must not be given more lines.
  LineRole add_line(std::string_view line);
  // The input ended (or a lone "." ended it) within the header section.
  void end_of_input();

  // The header section as it is to be sent: its lines, each ended by CRLF, Bcc and Resent-Bcc
  // left out when asked; neither the empty line that ends it nor the mbox line.
  const std::string& text() const { return text_; }
  const SubmittedHeaders& headers() const { return headers_; }

 private:
  // The field whose lines are being taken.
  enum class Field { none, to, cc, bcc, resent_to, resent_cc, resent_bcc, from, other };
  // Whether the current field's lines are left out of text().
  bool removing_field() const;

  void start_field(std::string_view name, std::string_view body);
  void end_field();

  HeaderSectionRemovals removals_;
  bool at_first_line_ = true;
  Field field_ = Field::none;
  std::string field_body_;  // unfolded, of a recipient field or From
  std::string text_;
  SubmittedHeaders headers_;
};

}  // namespace smtpsend::mime
