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

// What the header section says. Field bodies are unfolded (each CRLF before a continuation's
// whitespace removed, the whitespace kept) and have the whitespace around them trimmed. Field
// names match in any case.
struct SubmittedHeaders {
  std::vector<std::string> to;      // one entry per To field
  std::vector<std::string> cc;      // one entry per Cc field
  std::vector<std::string> bcc;     // one entry per Bcc field, also when the fields are removed
  std::optional<std::string> from;  // the first From field's body
  bool has_date = false;
  bool has_message_id = false;
};

class SubmittedHeaderSection {
 public:
  // Where a line belongs.
  enum class LineRole {
    header,     // in the header section (or the dropped mbox "From " line): take the next line
    separator,  // the empty line that ends the header section
    body,       // the first line of the body, which needs an empty line inserted before it
  };

  // `remove_bcc`: leave Bcc fields, with their continuation lines, out of text().
  explicit SubmittedHeaderSection(bool remove_bcc);

  // Takes the next line, without its CRLF. After a line that is not `header`, the header section
  // is complete and must not be given more lines.
  LineRole add_line(std::string_view line);
  // The input ended (or a lone "." ended it) within the header section.
  void end_of_input();

  // The header section as it is to be sent: its lines, each ended by CRLF, Bcc left out when
  // asked; neither the empty line that ends it nor the mbox line.
  const std::string& text() const { return text_; }
  const SubmittedHeaders& headers() const { return headers_; }

 private:
  // The field whose lines are being taken.
  enum class Field { none, to, cc, bcc, from, other };

  void start_field(std::string_view name, std::string_view body);
  void end_field();

  bool remove_bcc_;
  bool at_first_line_ = true;
  Field field_ = Field::none;
  std::string field_body_;  // unfolded, of a To, Cc, Bcc or From field
  std::string text_;
  SubmittedHeaders headers_;
};

}  // namespace smtpsend::mime
