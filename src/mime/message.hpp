#pragma once
// The message as a tree of parts, written as a stream of CRLF lines in constant memory.
//
// The structure is the simplest that fits what was given (RFC 2046, RFC 2387):
//   text only                         -> text/plain
//   text + html                       -> multipart/alternative (text first, then HTML)
//   html + inline images              -> multipart/related (HTML part first, then the images)
//   text + html + inline images       -> multipart/related > [multipart/alternative, images]
//   any of these + attachments        -> multipart/mixed > [the above, attachments...]
//   attachments only                  -> multipart/mixed > [attachments...] (no empty text part)
//   nothing at all                    -> an empty text/plain
// Inline parts need the HTML that refers to them (without it: Failure(usage)). Text and HTML are
// 7bit when they can be, else quoted-printable; files are always base64 with Content-Disposition
// (RFC 2183) and their names in RFC 2231 form when not plain ASCII (mime_parameters.hpp).
// Text and HTML bodies are held in memory once, as given (they are read whole to choose 7bit or
// quoted-printable), and encoded as the stream is pulled; inline images and attachments are read
// from their files as the stream is pulled, and base64-encoded on the fly, so a 1 GB attachment
// needs no more memory than a 1 kB one.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mime/address.hpp"
#include "mime/message_id.hpp"

namespace smtpsend::mime {

struct FilePart {
  std::string path;        // the file to read (opened by open_message, read while streaming);
                           // "-" is standard input
  std::string media_type;  // "" = from the file name's extension (media_types.hpp)
  std::string file_name;   // "" = the base name of path; may be non-ASCII (RFC 2231)
  std::string content_id;  // inline parts: the ID used as cid:ID in the HTML; "" = file name
};

struct MessageSpec {
  Mailbox from;
  std::vector<Mailbox> to, cc;  // Bcc never appears in the message
  std::vector<Mailbox> reply_to;
  std::string subject;  // "" leaves the Subject header out
  // Caller's headers (-H), in order; validated (name syntax, no CR/LF/NUL in values); names the
  // writer produces itself, Bcc and Resent-Bcc are refused with Failure(data).
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::optional<std::string> text;     // the plain-text body, any line ends
  std::optional<std::string> html;     // the HTML alternative, any line ends
  std::vector<FilePart> inline_parts;  // images referenced from the HTML as cid:ID
  std::vector<FilePart> attachments;
  std::string charset = "UTF-8";  // of text and html
  std::string html_charset;       // of html when it differs from charset; "" = charset
  std::chrono::system_clock::time_point date;
  std::string message_id;  // with angle brackets; "" leaves it out
  RandomSource random;     // boundaries (and nothing else)
};

// Pulls the message a piece at a time.
class MessageStream {
 public:
  virtual ~MessageStream() = default;
  // Appends the next piece (at most about 64 KiB) to `chunk`; returns false at the end.
  // Throws Failure(io) when a file cannot be read.
  virtual bool next(std::string& chunk) = 0;
  // The exact size in octets of the whole message, computed without reading the files' contents;
  // 0 when it cannot be known (a prepared message on standard input).
  virtual std::uint64_t size() const = 0;
  // True when the message may contain 8-bit data, so that BODY=8BITMIME should be asked for
  // (RFC 6152). For messages this module writes it is false: every part is 7bit,
  // quoted-printable or base64, and header text is ASCII or RFC 2047 encoded words. It does not
  // cover addresses: a header with a UTF-8 address (RFC 6532) is 8-bit too, and the caller, which
  // has the addresses, decides SMTPUTF8 from them (needs_smtputf8() in address.hpp) and asks for
  // 8BITMIME with it. For prepared messages it reflects their content (see
  // open_prepared_message), and is true when that is unknown.
  virtual bool has_8bit() const = 0;
  // True only when the content is known to contain 8-bit bytes (a prepared message in a regular
  // file that has some), so that a server without 8BITMIME must be refused; false when the
  // content is 7-bit or unknown.
  virtual bool is_known_8bit() const { return false; }
  // What the caller should tell the user about the message once the stream is drained (next()
  // returned false), one sentence each: for prepared messages, that long lines were broken
  // (prepared_message_filter.hpp). Empty for messages this module writes.
  virtual std::vector<std::string> warnings() const { return {}; }
};

// Validates everything (addresses, headers, charset, media-type overrides, content IDs unique)
// and opens every file, so that all errors come before anything is sent: a missing or
// unreadable file is Failure(no_input) naming it; bad data is Failure(data).
// The spec is taken by value so that its text and HTML can be moved in rather than copied.
std::unique_ptr<MessageStream> open_message(MessageSpec spec);

// The cid: references in `html` that no inline part provides (for a warning).
std::vector<std::string> unresolved_content_ids(const std::string& html,
                                                const std::vector<FilePart>& inline_parts);

// A complete message prepared elsewhere (--message FILE|-), passed through in chunks with these
// changes (prepared_message_filter.hpp): the Bcc and Resent-Bcc fields are removed from its
// top-level header section, so that their recipients stay hidden from the others; every line
// end (LF with any CRs before it; a bare CR in the body) is written as CRLF, with one added after
// a last line that has none, and a bare CR in the header section becomes a space; lines over 998
// octets are broken. The stream is thus
// exactly what the SMTP session sends before dot-stuffing. `path` "-" is standard input.
// A regular file is read once when opened (in chunks) through the same filter: size() is then
// the exact number of octets the stream produces, has_8bit() and is_known_8bit() say whether
// they include 8-bit bytes. Standard input cannot be read twice: size() is 0 (unknown),
// has_8bit() true and is_known_8bit() false. A missing file or a directory is Failure(no_input);
// a regular file that is found to have changed size while it is sent is Failure(io). Lines over
// 998 octets are broken (warnings() says so after the stream is drained); a NUL byte is
// Failure(data), for a regular file when it is opened, for standard input from next(), which
// the caller must then take as the end of the transaction: nothing may be delivered.
std::unique_ptr<MessageStream> open_prepared_message(const std::string& path);

}  // namespace smtpsend::mime
