#pragma once
// Media types (RFC 2045 §5, RFC 6838) for attachments: the type a file name implies, whether a
// type the user typed is well-formed, and whether a type is text (so the body part can be sent as
// quoted-printable rather than base64).

#include <span>
#include <string>
#include <string_view>

namespace smtpsend::mime {

// RFC 2046 §4.5.1: "The "octet-stream" subtype is used to indicate that a body contains arbitrary
// binary data"; it is what a receiver should assume when nothing better is known.
inline constexpr std::string_view default_media_type = "application/octet-stream";

// One row of the built-in table: a file name extension (lower case, without the dot) and the
// media type it implies.
struct MediaTypeMapping {
  std::string_view extension;
  std::string_view media_type;
};

// The built-in table, sorted by extension with no extension listed twice.
std::span<const MediaTypeMapping> media_type_table();

// The media type implied by the last extension of the base name of `file_name`
// ("docs/Report.PDF" -> "application/pdf", "archive.tar.gz" -> "application/gzip"). The match
// ignores ASCII case. Names without an extension, dot-files such as ".bashrc", and extensions the
// table does not know give default_media_type.
std::string media_type_for(std::string_view file_name);

// True when `media_type` is "type/subtype" where both names follow RFC 6838 §4.2's
// restricted-name syntax: 1 to 127 characters of [A-Za-z0-9!#$&^_.+-], the first alphanumeric.
// Parameters ("; charset=...") are not accepted: this checks a user's override of the type only.
bool is_valid_media_type(std::string_view media_type);

// True for text/* and for the application types whose content is text (JSON, XML, YAML,
// JavaScript, SQL, TOML, shell scripts, PEM, and any "+json", "+xml" or "+yaml" structured-syntax
// suffix, RFC 6839 §3.1, RFC 7303, RFC 9512). Case-insensitive; parameters after ';' are ignored.
bool is_text_media_type(std::string_view media_type);

}  // namespace smtpsend::mime
