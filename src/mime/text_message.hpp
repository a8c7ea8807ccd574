#pragma once
// The message of the first release: one text/plain part with the usual headers (RFC 5322, MIME
// per RFC 2045), rendered whole with CRLF line ends and ready for the SMTP session (which does
// the dot-stuffing).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "mime/address.hpp"

namespace smtpsend::mime {

struct TextMessageSpec {
  Mailbox from;
  std::vector<Mailbox> to, cc;  // Bcc recipients go to the envelope only; they never appear here
  std::string subject;          // "" leaves the Subject header out
  std::vector<Mailbox> reply_to;
  // Headers of the caller's choosing, in order, after Message-ID. An ASCII value is used as
  // given (so it may be structured or already encoded); any other value is treated as
  // unstructured text and encoded (RFC 2047). Names that render_text_message writes itself, and
  // Bcc, are refused.
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::string body;               // any line ends (LF, CRLF, CR); they become CRLF
  std::string charset = "UTF-8";  // declared in Content-Type as given; UTF-8 bodies are checked
  std::chrono::system_clock::time_point date;
  std::string message_id;  // with its angle brackets; "" leaves it out for the server to add
};

// Renders, in this order: Date, From, To, Cc, Reply-To, Subject, Message-ID, the extra headers,
// MIME-Version, Content-Type: text/plain; charset=<charset>, Content-Transfer-Encoding, a blank
// line and the body. To is left out when there are no To recipients, except that a message with
// neither To nor Cc gets "To: undisclosed-recipients:;" (RFC 5322 §3.6.3 allows no destination
// fields, but many programs show such messages badly). Cc, Reply-To and Subject are left out when
// empty. The transfer encoding is 7bit when the body is ASCII without NUL and no line exceeds
// 998 octets (RFC 2045 §2.7), else quoted-printable, so the body is always 7-bit. A non-empty
// body ends with CRLF. Throws Failure(data) for a missing sender, a bad header or charset name,
// or a body that is not valid UTF-8 when the charset says it is.
std::string render_text_message(const TextMessageSpec& spec);

}  // namespace smtpsend::mime
