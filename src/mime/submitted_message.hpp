#pragma once
// The message a sendmail-mode caller (cron, mailx, PHP's mail()) writes to standard input: a
// complete message, header section and body, made ready to send.
//
//   SubmissionRules rules;
//   rules.from_field = "Jane Doe <jane@example.org>";
//   const auto message = read_submitted_message(STDIN_FILENO, rules);
//   message->headers().to   // the recipients, for -t, known before connecting
//   session.send(*message)  // the header section, then the body as it is read
//
// What is sent is exactly what goes on the wire before dot-stuffing:
// - every line end (CRLF, bare LF, bare CR) becomes CRLF and a last line without one gets one
//   (prepared_message_filter.hpp);
// - the header section ends at the first empty line, or at the first line that is neither a field
//   nor a continuation, before which an empty line is then inserted so that the result is a
//   valid message; an mbox "From " line at the very start is dropped
//   (submitted_header_section.hpp);
// - Bcc and Resent-Bcc fields, with their continuation lines, are taken out (remove_bcc);
// - lines over 998 octets are broken, and a NUL byte is refused with Failure(data)
//   (prepared_message_filter.hpp): when it is in the header section, before anything is sent;
//   later, from next(), after which the caller must end the transaction without the final dot;
// - with replace_from, From fields are taken out and from_field added; with
//   undisclosed_recipients, To, Cc and Bcc are taken out and "To: undisclosed-recipients:;"
//   added;
// - From, Date and Message-ID fields that the message lacks are added at the end of its header
//   section, from the rules, as sendmail does (RFC 5322 §3.6 requires the first two, §3.6.4
//   recommends the third); a message without a header section gets them and keeps its text as
//   the body;
// - without -i/-oi (dot_ends_input), a line holding only "." ends the message wherever it is,
//   and nothing after it is sent or read.
//
// Reading: the header section is read when the message is opened, so that the recipients are
// known before connecting; the body is read as the stream is drained, a piece at a time, in
// constant memory. Input is read in pieces of 32 KiB (a pipe cannot be read less far than that
// without reading a byte at a time); when the message ends at a "." line in a file that can be
// positioned, the file is left positioned just after that line, as if read no further.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mime/message.hpp"
#include "mime/prepared_message_filter.hpp"
#include "mime/submitted_header_section.hpp"

namespace smtpsend::mime {

struct SubmissionRules {
  bool dot_ends_input = true;  // sendmail without -i/-oi: a line holding only "." ends the message
  bool remove_bcc = true;      // take Bcc fields out of the header section
  // Field values to add at the end of the header section when the message has no such field
  // ("" = never add). Already in header form: RFC 2047-encoded by the caller where needed.
  std::string from_field;        // "Jane Doe <jane@example.org>"
  std::string date_field;        // an RFC 5322 §3.3 date-time (date.hpp)
  std::string message_id_field;  // "<...@...>" (message_id.hpp)
  // set_from_header on: every From field is removed and from_field added in its place.
  bool replace_from = false;
  // undisclosed_recipients on: the To, Cc and Bcc fields are removed (headers() still has them,
  // for -t) and "To: undisclosed-recipients:;" is added.
  bool undisclosed_recipients = false;
};

// The header section is at most this large (after line ends became CRLF). Real ones are a few
// kilobytes; more means the empty line before the body is missing.
inline constexpr std::size_t maximum_submitted_header_section = std::size_t{1024} * 1024;

class SubmittedMessage final : public MessageStream {
 public:
  ~SubmittedMessage() override = default;
  SubmittedMessage(const SubmittedMessage&) = delete;
  SubmittedMessage& operator=(const SubmittedMessage&) = delete;

  // What the header section says (before Bcc was removed, without the added fields).
  const SubmittedHeaders& headers() const { return headers_; }

  // The header section as it is sent, then the body in pieces of at most 64 KiB. Throws
  // Failure(io) when the input cannot be read.
  bool next(std::string& chunk) override;
  // Unknown: the body is read only as it is sent.
  std::uint64_t size() const override { return 0; }
  // False only when the input ended (at its end or at a lone ".") within what was read with the
  // header section, and all of it was 7-bit; else the body is not known yet.
  bool has_8bit() const override { return has_8bit_; }
  // That long lines were broken, once the stream is drained.
  std::vector<std::string> warnings() const override;

 private:
  friend std::unique_ptr<SubmittedMessage> read_submitted_message(int descriptor,
                                                                  const SubmissionRules& rules);
  SubmittedMessage(int descriptor, const SubmissionRules& rules);

  // Reads up to the end of the header section; returns what is sent first.
  std::string read_header_section(const SubmissionRules& rules);
  // Reads the next piece of input through the filter into `out`; false once the input has
  // ended (at its end or at a lone "."), when nothing more is read.
  bool read_piece(std::string& out);
  std::size_t read_some();
  // Puts back what was read past the lone "." when the input can be positioned.
  void unread(std::size_t count);

  int descriptor_;
  std::string input_name_;  // for error messages
  PreparedMessageFilter filter_;
  std::string read_buffer_;
  bool input_ended_ = false;
  bool header_section_read_ = false;  // a failure now comes after part of the message was sent
  SubmittedHeaders headers_;
  std::string opening_;  // the header section as it is sent and the body read with it
  std::size_t opening_sent_ = 0;
  bool has_8bit_ = true;
};

// Reads the header section from `descriptor` now (at most maximum_submitted_header_section, else
// Failure(data) saying so) and the body later, as the stream is drained. The descriptor stays
// open and the caller's. Throws Failure(io) when it cannot be read, and Failure(data) when a
// field to add is not a valid header value.
std::unique_ptr<SubmittedMessage> read_submitted_message(int descriptor,
                                                         const SubmissionRules& rules);

}  // namespace smtpsend::mime
