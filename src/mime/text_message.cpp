#include "mime/text_message.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "common/error.hpp"
#include "mime/date.hpp"
#include "mime/header_encoding.hpp"
#include "mime/quoted_printable.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

namespace {

// RFC 2045 §2.7: 7bit data has lines of at most 998 octets, no NUL, and CR and LF only as CRLF.
constexpr std::size_t maximum_7bit_line_length = 998;

// Headers this renderer writes; an extra header of the same name would make a second one.
// Bcc is here too: its recipients must stay invisible.
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
                                                      "Content-Transfer-Encoding"};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Every line end (CRLF, LF, lone CR) as CRLF, and a final CRLF after a last unended line.
std::string normalize_line_ends(std::string_view text) {
  std::string normalized;
  normalized.reserve(text.size() + text.size() / 32 + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      normalized += "\r\n";
    } else if (c == '\n') {
      normalized += "\r\n";
    } else {
      normalized += c;
    }
  }
  if (!normalized.empty() && !normalized.ends_with("\r\n")) {
    normalized += "\r\n";
  }
  return normalized;
}

// `body` has CRLF line ends only.
bool is_7bit(std::string_view body) {
  if (!is_ascii(body) || body.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t line_start = 0;
  while (line_start < body.size()) {
    std::size_t line_end = body.find("\r\n", line_start);
    line_end = line_end == std::string_view::npos ? body.size() : line_end;
    if (line_end - line_start > maximum_7bit_line_length) {
      return false;
    }
    line_start = line_end + 2;
  }
  return true;
}

// RFC 2045 §5.1: a parameter value that is a token needs no quotes; charset names are tokens.
void validate_charset(std::string_view charset) {
  constexpr std::string_view tspecials = "()<>@,;:\\\"/[]?=";
  const bool is_token =
      !charset.empty() && std::all_of(charset.begin(), charset.end(), [&](char c) {
        return c > 32 && c < 127 && tspecials.find(c) == std::string_view::npos;
      });
  if (!is_token) {
    throw Failure(ErrorKind::data, "invalid charset name '" + std::string(charset) +
                                       "'; use a name such as UTF-8 or ISO-8859-1");
  }
}

void validate_body_charset(std::string_view charset, std::string_view body) {
  if (!equals_ignoring_case(charset, "UTF-8") && !equals_ignoring_case(charset, "UTF8")) {
    return;
  }
  const std::size_t invalid = find_invalid_utf8(body);
  if (invalid != std::string_view::npos) {
    throw Failure(ErrorKind::data, "the message body is not valid UTF-8 (at byte " +
                                       std::to_string(invalid) +
                                       "); convert it to UTF-8 or declare its real charset");
  }
}

std::string format_extra_header(std::string_view name, std::string_view value) {
  for (const auto reserved : reserved_header_names) {
    if (equals_ignoring_case(name, reserved)) {
      throw Failure(ErrorKind::data, "extra header '" + std::string(name) +
                                         "' is written by smtpsend itself; set it through its "
                                         "own option instead");
    }
  }
  return is_ascii(value) ? format_header(name, value) : format_unstructured_header(name, value);
}

}  // namespace

std::string render_text_message(const TextMessageSpec& spec) {
  if (spec.from.address.empty()) {
    throw Failure(ErrorKind::data, "the message has no sender address; give one for From");
  }
  validate_charset(spec.charset);
  validate_body_charset(spec.charset, spec.body);

  std::string message;
  message += format_header("Date", format_date(spec.date));
  message += format_header("From", format_mailbox(spec.from));
  if (!spec.to.empty()) {
    message += format_header("To", format_mailbox_list(spec.to));
  } else if (spec.cc.empty()) {
    // An empty group (RFC 5322 §3.4) names no one and tells the reader so.
    message += format_header("To", "undisclosed-recipients:;");
  }
  if (!spec.cc.empty()) {
    message += format_header("Cc", format_mailbox_list(spec.cc));
  }
  if (!spec.reply_to.empty()) {
    message += format_header("Reply-To", format_mailbox_list(spec.reply_to));
  }
  if (!spec.subject.empty()) {
    message += format_unstructured_header("Subject", spec.subject);
  }
  if (!spec.message_id.empty()) {
    message += format_header("Message-ID", spec.message_id);
  }
  for (const auto& [name, value] : spec.extra_headers) {
    message += format_extra_header(name, value);
  }

  const std::string body = normalize_line_ends(spec.body);
  const bool plain_7bit = is_7bit(body);
  message += format_header("MIME-Version", "1.0");
  message += format_header("Content-Type", "text/plain; charset=" + spec.charset);
  message += format_header("Content-Transfer-Encoding", plain_7bit ? "7bit" : "quoted-printable");
  message += "\r\n";
  if (plain_7bit) {
    message += body;
  } else {
    QuotedPrintableEncoder encoder;
    encoder.feed(body, message);
    encoder.finish(message);
  }
  return message;
}

}  // namespace smtpsend::mime
