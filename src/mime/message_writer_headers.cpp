#include "mime/message_writer_headers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "mime/address.hpp"
#include "mime/date.hpp"
#include "mime/header_encoding.hpp"
#include "mime/message_id.hpp"
#include "mime/mime_parameters.hpp"
#include "mime/syntax_helpers.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

// Fields this writer produces itself, with what sets them instead; an extra header of the same
// name would make a second one (RFC 5322 §3.6 allows most of them once only). The part fields
// are here because at the top they describe the top part. Date and Message-ID are not: an extra
// header gives them (see given_field).
struct ReservedHeader {
  std::string_view name;
  std::string_view instead;
};
constexpr std::string_view from_parts = "smtpsend writes it from the parts (--text, --html, -a)";
constexpr ReservedHeader reserved_headers[] = {
    {"From", "give the sender with -f/--from (and its name with -F)"},
    {"To", "give the recipients with -t/--to"},
    {"Cc", "give them with -c/--cc"},
    {"Reply-To", "give it with -r/--reply-to"},
    {"Subject", "give it with -s/--subject"},
    {"MIME-Version", from_parts},
    {"Content-Type", from_parts},
    {"Content-Transfer-Encoding", from_parts},
    {"Content-Disposition", from_parts},
    {"Content-ID", from_parts},
};

// Fields the writer makes unless an extra header gives them, once, in the form RFC 5322 asks.
constexpr std::string_view date_header = "Date";
constexpr std::string_view message_id_header = "Message-ID";

// Fields whose recipients must stay invisible (RFC 5322 §3.6.3 Bcc, §3.6.6 Resent-Bcc): as
// header fields they would show them to every recipient.
constexpr std::string_view hidden_recipient_header_names[] = {"Bcc", "Resent-Bcc"};

// Structured fields (RFC 5322 §3.6) whose value is a list of mailboxes. A value that is not ASCII
// is parsed and written again, so that a display name becomes encoded words (RFC 2047 §5(3))
// while the addresses stay intact.
constexpr std::string_view address_header_names[] = {
    "Sender",
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Cc",
    "Resent-Reply-To",
    "Disposition-Notification-To",  // RFC 8098 §2.1
};

// Structured fields that hold message IDs, dates, paths or URLs: there is no text in them that
// encoded words could stand for (RFC 2047 §5 lists where they may appear), so a value that is
// not ASCII cannot be written correctly. Names ending in "Message-ID" count too
// (Resent-Message-ID, Original-Message-ID), and so do all "List-" fields (RFC 2369, RFC 2919).
constexpr std::string_view ascii_only_header_names[] = {
    "In-Reply-To", "References", "Return-Path", "Received", "Resent-Date",
};
constexpr std::string_view message_id_suffix = "Message-ID";
constexpr std::string_view list_header_prefix = "List-";

enum class ExtraHeaderKind { addresses, ascii_only, unstructured };

bool is_one_of(std::string_view name, std::span<const std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [name](std::string_view listed) {
    return equals_ignoring_ascii_case(name, listed);
  });
}

ExtraHeaderKind kind_of(std::string_view name) {
  if (is_one_of(name, address_header_names)) {
    return ExtraHeaderKind::addresses;
  }
  const bool ends_with_message_id =
      name.size() >= message_id_suffix.size() &&
      equals_ignoring_ascii_case(name.substr(name.size() - message_id_suffix.size()),
                                 message_id_suffix);
  if (is_one_of(name, ascii_only_header_names) || ends_with_message_id ||
      starts_with_ignoring_ascii_case(name, list_header_prefix)) {
    return ExtraHeaderKind::ascii_only;
  }
  // Subject-like text, Comments, Keywords, Organization, X- fields and every other optional
  // field (RFC 5322 §3.6.8 gives them unstructured values).
  return ExtraHeaderKind::unstructured;
}

// Control characters would reach the reader raw (an ESC can drive a terminal) or be taken apart
// by the transport; RFC 5322 §3.2.5 allows none but TAB in header text.
void require_no_control_characters(std::string_view name, std::string_view value) {
  const auto control = std::find_if(value.begin(), value.end(), syntax::is_control);
  if (control != value.end()) {
    throw Failure(ErrorKind::data,
                  fmt::format("extra header '{}' contains the control character 0x{:02X}; remove "
                              "it (only TAB is allowed in a header value)",
                              name, static_cast<unsigned char>(*control)));
  }
}

std::string format_address_header(std::string_view name, std::string_view value) {
  const std::vector<Mailbox> mailboxes = parse_address_list(value);
  if (mailboxes.empty()) {
    throw Failure(ErrorKind::data,
                  "extra header '" + std::string(name) + "' names no address; give one or more");
  }
  for (const auto& mailbox : mailboxes) {
    // Such an address needs SMTPUTF8 (RFC 6531), which is chosen from the sender and recipients
    // only; here it would reach a server that never agreed to it.
    if (needs_smtputf8(mailbox)) {
      throw Failure(ErrorKind::data, "extra header '" + std::string(name) + "' has the address '" +
                                         mailbox.address +
                                         "', which is not ASCII; only display names may be "
                                         "non-ASCII in an extra header");
    }
  }
  return format_header(name, format_mailbox_list(mailboxes));
}

std::string format_extra_header(std::string_view name, std::string_view value) {
  if (is_one_of(name, hidden_recipient_header_names)) {
    throw Failure(ErrorKind::data, "extra header '" + std::string(name) +
                                       "' would show its hidden recipients to everyone; give them "
                                       "with -b/--bcc instead");
  }
  for (const auto& reserved : reserved_headers) {
    if (equals_ignoring_ascii_case(name, reserved.name)) {
      throw Failure(ErrorKind::data, "extra header '" + std::string(name) +
                                         "' is written by smtpsend itself; " +
                                         std::string(reserved.instead));
    }
  }
  validate_header(name, value);
  require_no_control_characters(name, value);
  if (is_ascii(value)) {
    // Used as given: it may be structured, or text the caller has already encoded.
    return format_header(name, value);
  }
  switch (kind_of(name)) {
    case ExtraHeaderKind::addresses:
      return format_address_header(name, value);
    case ExtraHeaderKind::ascii_only:
      throw Failure(ErrorKind::data, "extra header '" + std::string(name) +
                                         "' must be ASCII: its value is structured (message IDs, "
                                         "paths or URLs), which encoded words cannot stand for");
    case ExtraHeaderKind::unstructured:
      break;
  }
  return format_unstructured_header(name, value);
}

// The value an extra header gives the field `name` (Date, Message-ID), checked with `is_valid`,
// or nullptr when none does. Failure(data) when it is given twice or is not in its form.
const std::string* given_field(const MessageSpec& spec, std::string_view name,
                               bool (*is_valid)(std::string_view), std::string_view example) {
  const std::string* given = nullptr;
  for (const auto& [header, value] : spec.extra_headers) {
    if (!equals_ignoring_ascii_case(header, name)) {
      continue;
    }
    if (given != nullptr) {
      throw Failure(ErrorKind::data, "extra header '" + header + "' is given twice; give it once");
    }
    if (!is_valid(value)) {
      throw Failure(ErrorKind::data,
                    fmt::format("extra header '{}' has the value '{}', which is not in the form "
                                "RFC 5322 asks; write it as '{}'",
                                header, value, example));
    }
    given = &value;
  }
  return given;
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
  // RFC 5322 §3.3 date-time and §3.6.4 msg-id; a value given replaces the one made here.
  const std::string* given_date =
      given_field(spec, date_header, is_date_time, "Mon, 23 Nov 2026 09:15:00 +0100");
  const std::string* given_message_id =
      given_field(spec, message_id_header, is_message_id, "<unique-part@example.com>");
  std::string headers;
  headers += format_header(date_header, given_date ? *given_date : format_date(spec.date));
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
  if (given_message_id != nullptr || !spec.message_id.empty()) {
    headers +=
        format_header(message_id_header, given_message_id ? *given_message_id : spec.message_id);
  }
  for (const auto& [name, value] : spec.extra_headers) {
    if (!equals_ignoring_ascii_case(name, date_header) &&
        !equals_ignoring_ascii_case(name, message_id_header)) {
      headers += format_extra_header(name, value);
    }
  }
  // RFC 2045 §4.
  headers += format_header("MIME-Version", "1.0");
  return headers;
}

}  // namespace smtpsend::mime
