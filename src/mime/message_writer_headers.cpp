#include "mime/message_writer_headers.hpp"

#include <algorithm>
#include <cctype>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/date.hpp"
#include "mime/header_encoding.hpp"
#include "mime/mime_parameters.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

// Fields this writer produces itself; an extra header of the same name would make a second one
// (RFC 5322 §3.6 allows most of them once only). Bcc is here too: its recipients must stay
// invisible. The part fields are here because at the top they describe the top part.
constexpr std::string_view reserved_header_names[] = {"Date",
                                                      "From",
                                                      "To",
                                                      "Cc",
                                                      "Bcc",
                                                      "Reply-To",
                                                      "Subject",
                                                      "Message-ID",
                                                      "MIME-Version",
                                                      "Content-Type",
                                                      "Content-Transfer-Encoding",
                                                      "Content-Disposition",
                                                      "Content-ID"};

std::string format_extra_header(std::string_view name, std::string_view value) {
  for (const auto reserved : reserved_header_names) {
    if (equals_ignoring_ascii_case(name, reserved)) {
      throw Failure(ErrorKind::data, "extra header '" + std::string(name) +
                                         "' is written by smtpsend itself; set it through its "
                                         "own option instead");
    }
  }
  return is_ascii(value) ? format_header(name, value) : format_unstructured_header(name, value);
}

}  // namespace

void validate_charset(std::string_view charset) {
  if (!is_mime_token(charset)) {
    throw Failure(ErrorKind::data, "invalid charset name '" + std::string(charset) +
                                       "'; use a name such as UTF-8 or ISO-8859-1");
  }
}

std::string format_message_headers(const MessageSpec& spec) {
  if (spec.from.address.empty()) {
    throw Failure(ErrorKind::data, "the message has no sender address; give one for From");
  }
  std::string headers;
  headers += format_header("Date", format_date(spec.date));
  headers += format_header("From", format_mailbox(spec.from));
  if (!spec.to.empty()) {
    headers += format_header("To", format_mailbox_list(spec.to));
  } else if (spec.cc.empty()) {
    // An empty group (RFC 5322 §3.4) names no one and tells the reader so.
    headers += format_header("To", "undisclosed-recipients:;");
  }
  if (!spec.cc.empty()) {
    headers += format_header("Cc", format_mailbox_list(spec.cc));
  }
  if (!spec.reply_to.empty()) {
    headers += format_header("Reply-To", format_mailbox_list(spec.reply_to));
  }
  if (!spec.subject.empty()) {
    headers += format_unstructured_header("Subject", spec.subject);
  }
  if (!spec.message_id.empty()) {
    headers += format_header("Message-ID", spec.message_id);
  }
  for (const auto& [name, value] : spec.extra_headers) {
    headers += format_extra_header(name, value);
  }
  // RFC 2045 §4.
  headers += format_header("MIME-Version", "1.0");
  return headers;
}

}  // namespace smtpsend::mime
