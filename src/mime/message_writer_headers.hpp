#pragma once
// The message's own header fields (RFC 5322 §3.6) and the checks on what the caller gave for
// them, shared by every shape of message the writer produces.

#include <string>
#include <string_view>

#include "mime/message.hpp"

namespace smtpsend::mime {

// Date, From, To, Cc, Reply-To, Subject, Message-ID, the extra headers in order and
// "MIME-Version: 1.0", each ended by CRLF; the top part's Content-* fields follow. To is left
// out when there are no To recipients, except that a message with neither To nor Cc gets
// "To: undisclosed-recipients:;" (RFC 5322 §3.6.3 allows no destination fields, but many programs
// show such messages badly). Cc, Reply-To, Subject and Message-ID are left out when empty.
// Extra headers: a value with a control character other than TAB is refused. An ASCII value is
// used as given (it may be structured or already encoded). A value that is not ASCII depends on
// the field: address fields (Sender, Resent-From/-Sender/-To/-Cc/-Reply-To,
// Disposition-Notification-To) are parsed and written again with encoded display names (their
// addresses must be ASCII); fields of message IDs, paths and URLs (In-Reply-To, References,
// *Message-ID, Return-Path, Received, Resent-Date, List-*) are refused; every other field is
// unstructured text and becomes encoded words (RFC 2047). An extra Date or Message-ID replaces
// spec.date or spec.message_id, once, when it is an RFC 5322 date-time (is_date_time) or msg-id
// (is_message_id). Throws Failure(data) for a missing sender, an invalid header or value as
// above, a Date or Message-ID given twice or out of form, or an extra header that names another
// field written here or by the part writer (the message names the option that sets it), and
// Bcc and Resent-Bcc, whose recipients must stay invisible.
std::string format_message_headers(const MessageSpec& spec);

// Throws Failure(data) unless `charset` can stand as a parameter value token (RFC 2045 §5.1).
void validate_charset(std::string_view charset);

}  // namespace smtpsend::mime
