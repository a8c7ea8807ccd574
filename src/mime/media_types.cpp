#include "mime/media_types.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "common/ascii.hpp"
#include "common/text.hpp"

namespace smtpsend::mime {
namespace {

// Sorted by extension (byte order of the lower-case ASCII names) so that lookup is a binary
// search; a static_assert below and a unit test keep it that way. Types are the IANA-registered
// ones where one exists, otherwise the de facto type mail and web software agree on.
constexpr auto media_type_rows = std::to_array<MediaTypeMapping>({
    {"3gp", "video/3gpp"},  // RFC 3839
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"apk", "application/vnd.android.package-archive"},
    {"apng", "image/apng"},
    {"asc", "application/pgp-signature"},  // RFC 3156: an ASCII-armored detached signature
    {"atom", "application/atom+xml"},      // RFC 4287
    {"avi", "video/x-msvideo"},
    {"avif", "image/avif"},
    {"bin", "application/octet-stream"},
    {"bmp", "image/bmp"},
    {"bz2", "application/x-bzip2"},
    {"c", "text/x-c"},
    {"cc", "text/x-c"},
    {"cer", "application/pkix-cert"},  // RFC 2585 §4.1
    {"conf", "text/plain"},
    {"cpp", "text/x-c"},
    {"crt", "application/pkix-cert"},
    {"css", "text/css"},  // RFC 2318
    {"csv", "text/csv"},  // RFC 4180
    {"deb", "application/vnd.debian.binary-package"},
    {"diff", "text/x-diff"},
    {"dll", "application/octet-stream"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"eml", "message/rfc822"},  // RFC 2046 §5.2.1
    {"eot", "application/vnd.ms-fontobject"},
    {"eps", "application/postscript"},
    {"epub", "application/epub+zip"},
    // Executables get no type of their own on purpose: application/x-msdownload invites filters
    // to drop the message, and the receiver must not act on the type anyway.
    {"exe", "application/octet-stream"},
    {"flac", "audio/flac"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},  // RFC 6713
    {"h", "text/x-c"},
    {"heic", "image/heic"},
    {"heif", "image/heif"},
    {"hpp", "text/x-c"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ico", "image/vnd.microsoft.icon"},
    {"ics", "text/calendar"},  // RFC 5545 §8.1
    {"ini", "text/plain"},
    {"iso", "application/x-iso9660-image"},
    {"jar", "application/java-archive"},
    {"java", "text/x-java-source"},
    {"jpe", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript"},     // RFC 9239 obsoletes application/javascript
    {"json", "application/json"},  // RFC 8259 §11
    {"jsonld", "application/ld+json"},
    {"log", "text/plain"},
    {"m4a", "audio/mp4"},  // RFC 4337
    {"m4v", "video/mp4"},
    {"markdown", "text/markdown"},  // RFC 7763
    {"mbox", "application/mbox"},   // RFC 4155
    {"md", "text/markdown"},
    {"mid", "audio/midi"},
    {"midi", "audio/midi"},
    {"mjs", "text/javascript"},  // RFC 9239
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},  // RFC 3003
    {"mp4", "video/mp4"},   // RFC 4337
    {"mpeg", "video/mpeg"},
    {"mpg", "video/mpeg"},
    {"msg", "application/vnd.ms-outlook"},
    {"odg", "application/vnd.oasis.opendocument.graphics"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"oga", "audio/ogg"},  // RFC 5334
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    // RFC 7845: an Ogg Opus file is audio/ogg; audio/opus (RFC 7587) names the RTP payload.
    {"opus", "audio/ogg"},
    {"otf", "font/otf"},                     // RFC 8081
    {"p7m", "application/pkcs7-mime"},       // RFC 8551
    {"p7s", "application/pkcs7-signature"},  // RFC 8551
    {"patch", "text/x-diff"},
    {"pdf", "application/pdf"},  // RFC 8118
    // PEM (RFC 7468) has no registered media type; x-pem-file is what other tools send.
    {"pem", "application/x-pem-file"},
    {"png", "image/png"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"ps", "application/postscript"},
    {"py", "text/x-python"},
    {"rar", "application/vnd.rar"},
    {"rss", "application/rss+xml"},
    {"rtf", "application/rtf"},
    {"sh", "application/x-sh"},
    {"sig", "application/pgp-signature"},
    {"sql", "application/sql"},  // RFC 6922
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tgz", "application/gzip"},
    {"tif", "image/tiff"},  // RFC 3302
    {"tiff", "image/tiff"},
    {"toml", "application/toml"},
    {"tsv", "text/tab-separated-values"},
    {"ttf", "font/ttf"},  // RFC 8081
    {"txt", "text/plain"},
    {"vcard", "text/vcard"},  // RFC 6350 §10.1
    {"vcf", "text/vcard"},
    {"vtt", "text/vtt"},
    {"wasm", "application/wasm"},
    {"wav",
     "audio/wav"},  // the type browsers and mail clients use; RFC 2361's audio/vnd.wave is rare
    {"weba", "audio/webm"},
    {"webm", "video/webm"},
    {"webp", "image/webp"},   // RFC 9649
    {"woff", "font/woff"},    // RFC 8081
    {"woff2", "font/woff2"},  // RFC 8081
    {"xhtml", "application/xhtml+xml"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"xml", "application/xml"},  // RFC 7303 makes text/xml an alias of it
    {"xz", "application/x-xz"},
    {"yaml", "application/yaml"},  // RFC 9512
    {"yml", "application/yaml"},
    {"zip", "application/zip"},
    {"zst", "application/zstd"},  // RFC 8878
});

constexpr bool rows_are_sorted_and_unique() {
  for (std::size_t i = 1; i < media_type_rows.size(); ++i) {
    if (!(media_type_rows[i - 1].extension < media_type_rows[i].extension)) {
      return false;
    }
  }
  return true;
}
static_assert(rows_are_sorted_and_unique(), "media_type_rows must be sorted by extension");

// RFC 6838 §4.2 limits type and subtype names to
// restricted-name = restricted-name-first *126restricted-name-chars
constexpr std::size_t max_restricted_name_length = 127;

constexpr bool is_alnum_ascii(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// restricted-name-chars = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "-" / "^" / "_" / "." / "+"
bool is_restricted_name_char(char c) {
  return is_alnum_ascii(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
}

bool is_restricted_name(std::string_view name) {
  if (name.empty() || name.size() > max_restricted_name_length || !is_alnum_ascii(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), is_restricted_name_char);
}

// The extension of the last path component without its dot, or "" when there is none. A leading
// dot marks a hidden file (".bashrc"), not an extension.
std::string_view extension_of(std::string_view file_name) {
  const std::size_t last_slash = file_name.rfind('/');
  std::string_view base_name =
      last_slash == std::string_view::npos ? file_name : file_name.substr(last_slash + 1);
  if (!base_name.empty() && base_name.front() == '.') {
    base_name.remove_prefix(1);
  }
  const std::size_t last_dot = base_name.rfind('.');
  return last_dot == std::string_view::npos ? std::string_view{} : base_name.substr(last_dot + 1);
}

// Application subtypes whose content is text even though the top-level type is not "text".
constexpr std::array<std::string_view, 9> textual_application_subtypes = {
    "ecmascript", "javascript", "json", "sql", "toml", "x-pem-file", "x-sh", "xml", "yaml",
};

// Structured syntax suffixes whose underlying syntax is text: RFC 6839 §3.1 (+json),
// RFC 7303 (+xml), RFC 9512 (+yaml).
constexpr std::array<std::string_view, 3> textual_structured_suffixes = {"+json", "+xml", "+yaml"};

}  // namespace

std::span<const MediaTypeMapping> media_type_table() {
  return media_type_rows;
}

std::string media_type_for(std::string_view file_name) {
  const std::string_view extension = extension_of(file_name);
  if (extension.empty()) {
    return std::string(default_media_type);
  }
  const std::string key = ascii_lower(extension);
  const auto* row = std::lower_bound(media_type_rows.begin(), media_type_rows.end(), key,
                                     [](const MediaTypeMapping& mapping, std::string_view wanted) {
                                       return mapping.extension < wanted;
                                     });
  if (row == media_type_rows.end() || row->extension != key) {
    return std::string(default_media_type);
  }
  return std::string(row->media_type);
}

bool is_valid_media_type(std::string_view media_type) {
  const std::size_t slash = media_type.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  // A second '/' is not a restricted-name char, so the subtype check rejects it.
  return is_restricted_name(media_type.substr(0, slash)) &&
         is_restricted_name(media_type.substr(slash + 1));
}

bool is_text_media_type(std::string_view media_type) {
  const std::string essence = ascii_lower(trim_blanks(media_type.substr(0, media_type.find(';'))));
  const std::size_t slash = essence.find('/');
  if (slash == std::string::npos) {
    return false;
  }
  const std::string_view type = std::string_view(essence).substr(0, slash);
  const std::string_view subtype = std::string_view(essence).substr(slash + 1);
  if (subtype.empty()) {
    return false;
  }
  if (type == "text") {
    return true;
  }
  for (std::string_view suffix : textual_structured_suffixes) {
    if (subtype.size() > suffix.size() && subtype.ends_with(suffix)) {
      return true;
    }
  }
  return type == "application" &&
         std::find(textual_application_subtypes.begin(), textual_application_subtypes.end(),
                   subtype) != textual_application_subtypes.end();
}

}  // namespace smtpsend::mime
