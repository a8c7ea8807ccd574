// open_message(): the part tree of message.hpp, built from a MessageSpec and written as a
// PieceStream. Everything that can be wrong with the input is found here, before the first
// octet is produced.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "mime/message.hpp"
#include "mime/message_writer_content_ids.hpp"
#include "mime/message_writer_files.hpp"
#include "mime/message_writer_headers.hpp"
#include "mime/message_writer_stream.hpp"
#include "mime/message_writer_text.hpp"
#include "mime/mime_parameters.hpp"

namespace smtpsend::mime {

namespace {

// RFC 2045 §6.7 and §6.8: neither quoted-printable nor base64 output can contain "=_" ('=' is
// followed by two hex digits, a line break, or ends base64), so a boundary that starts with it
// cannot occur in those bodies; only 7bit text must be searched (RFC 2046 §5.1.1).
constexpr std::string_view boundary_prefix = "=_";
// A fresh 64-bit draw collides with a given text only by design or a broken random source;
// after this many tries the source is taken to be broken.
constexpr int boundary_attempts = 16;

struct Part {
  std::string media_type;  // for the related type= of an enclosing part
  // A leaf: its Content-* fields and its body, held as text or read from a file.
  std::string fields;
  std::optional<TextBody> text_body;
  std::optional<Base64FileBody> file_body;
  // A multipart: its subtype, the type= parameter of multipart/related (RFC 2387 §3.1), its
  // parts and, once chosen, its boundary.
  std::string multipart_subtype;
  std::string related_type;
  std::vector<Part> parts;
  std::string boundary;

  bool is_multipart() const { return !multipart_subtype.empty(); }
};

Part text_part(std::string_view subtype, std::string text, const std::string& charset,
               std::string_view what) {
  Part part;
  part.text_body.emplace(std::move(text), charset, what);
  part.media_type = "text/" + std::string(subtype);
  part.fields =
      ParameterizedField("Content-Type", part.media_type).add("charset", charset).format();
  part.fields +=
      "Content-Transfer-Encoding: " + std::string(part.text_body->transfer_encoding()) + "\r\n";
  return part;
}

// RFC 2183 for Content-Disposition; RFC 2392 for Content-ID. The legacy name= of Content-Type
// is what readers older than RFC 2183 show.
std::string file_part_fields(const FilePart& file, std::string_view disposition,
                             const std::string& media_type, const std::string* content_id) {
  const std::string name = file_name_of(file);
  std::string fields =
      ParameterizedField("Content-Type", media_type).add_legacy_file_name("name", name).format();
  fields += "Content-Transfer-Encoding: base64\r\n";
  if (content_id != nullptr) {
    fields += "Content-ID: <" + *content_id + ">\r\n";
  }
  fields += ParameterizedField("Content-Disposition", disposition)
                .add_file_name("filename", name)
                .format();
  return fields;
}

struct CheckedFile {
  const FilePart* file;
  std::string media_type;
  std::string content_id;  // inline parts only
};

std::vector<CheckedFile> check_inline_parts(const MessageSpec& spec) {
  if (!spec.inline_parts.empty() && !spec.html) {
    throw Failure(ErrorKind::usage,
                  "inline parts are shown only by an HTML body that refers to them as cid:ID; "
                  "give the HTML, or send the files as attachments");
  }
  std::vector<CheckedFile> checked;
  for (const auto& file : spec.inline_parts) {
    std::string id = content_id_of(file);
    validate_content_id(id);
    for (const auto& earlier : checked) {
      if (earlier.content_id == id) {
        throw Failure(ErrorKind::usage, "two inline parts have the content ID '" + id + "' ('" +
                                            earlier.file->path + "' and '" + file.path +
                                            "'); give each its own ID");
      }
    }
    checked.push_back({&file, media_type_of(file), std::move(id)});
  }
  return checked;
}

Part multipart(std::string subtype) {
  Part part;
  part.multipart_subtype = std::move(subtype);
  part.media_type = "multipart/" + part.multipart_subtype;
  return part;
}

// Moves the text and HTML out of `spec`: they are held once, in the parts.
Part build_part_tree(MessageSpec& spec) {
  // Checked before any file is opened, so that a usage error does not wait on the disk.
  const std::vector<CheckedFile> inline_files = check_inline_parts(spec);
  std::vector<CheckedFile> attachment_files;
  for (const auto& file : spec.attachments) {
    attachment_files.push_back({&file, media_type_of(file), {}});
  }

  std::optional<Part> body;
  if (spec.text) {
    body = text_part("plain", std::move(*spec.text), spec.charset, "the message body");
  }
  if (spec.html) {
    const std::string& charset = spec.html_charset.empty() ? spec.charset : spec.html_charset;
    Part html = text_part("html", std::move(*spec.html), charset, "the HTML body");
    // RFC 2046 §5.1.4: alternatives in increasing order of preference, plain text first.
    if (body) {
      Part alternative = multipart("alternative");
      alternative.parts.push_back(std::move(*body));
      alternative.parts.push_back(std::move(html));
      body = std::move(alternative);
    } else {
      body = std::move(html);
    }
  }
  if (!inline_files.empty()) {
    // RFC 2387 §3.1: the related type= names the root part's type; the root comes first.
    Part related = multipart("related");
    related.related_type = body->media_type;
    related.parts.push_back(std::move(*body));
    for (const auto& checked : inline_files) {
      Part image;
      image.media_type = checked.media_type;
      image.fields =
          file_part_fields(*checked.file, "inline", checked.media_type, &checked.content_id);
      image.file_body.emplace(checked.file->path, "inline part");
      related.parts.push_back(std::move(image));
    }
    body = std::move(related);
  }
  if (attachment_files.empty()) {
    // Neither text, HTML nor files: an empty text/plain message, as mail(1) sends.
    return body ? std::move(*body) : text_part("plain", "", spec.charset, "the message body");
  }
  // Without text or HTML the mixed part holds just the attachments: an empty first part would
  // only add a blank body that some readers show as an extra attachment.
  Part mixed = multipart("mixed");
  if (body) {
    mixed.parts.push_back(std::move(*body));
  }
  for (const auto& checked : attachment_files) {
    Part attachment;
    attachment.media_type = checked.media_type;
    attachment.fields = file_part_fields(*checked.file, "attachment", checked.media_type, nullptr);
    attachment.file_body.emplace(checked.file->path, "attachment");
    mixed.parts.push_back(std::move(attachment));
  }
  return mixed;
}

// The texts as given: a boundary (no CR or LF in it) occurs in a normalized body exactly when it
// occurs in the text. Quoted-printable bodies are collected too: they cannot hold "=_", so
// checking them is free.
void collect_text_bodies(const Part& part, std::vector<std::string_view>& bodies) {
  if (part.text_body && !part.text_body->text().empty()) {
    bodies.push_back(part.text_body->text());
  }
  for (const auto& child : part.parts) {
    collect_text_bodies(child, bodies);
  }
}

std::string draw_boundary(const RandomSource& random) {
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(random()));
  return std::string(boundary_prefix) + digits;
}

// RFC 2046 §5.1.1: a boundary must not occur in the parts it encloses, and one boundary must not
// start another (a reader would take the inner delimiter for the outer one).
void choose_boundaries(Part& part, const RandomSource& random,
                       const std::vector<std::string_view>& bodies,
                       std::vector<std::string>& chosen) {
  if (!part.is_multipart()) {
    return;
  }
  if (!random) {
    throw Failure(ErrorKind::internal, "no random source for MIME boundaries");
  }
  for (int attempt = 0; attempt < boundary_attempts && part.boundary.empty(); ++attempt) {
    std::string candidate = draw_boundary(random);
    const auto clashes = [&](std::string_view text) {
      return text.find(candidate) != std::string_view::npos;
    };
    const bool taken = std::any_of(chosen.begin(), chosen.end(), [&](const std::string& other) {
      return other.starts_with(candidate) || candidate.starts_with(other);
    });
    if (!taken && std::none_of(bodies.begin(), bodies.end(), clashes)) {
      part.boundary = std::move(candidate);
    }
  }
  if (part.boundary.empty()) {
    throw Failure(ErrorKind::internal,
                  "could not find a MIME boundary that does not occur in the message; the random "
                  "source returns the same values");
  }
  chosen.push_back(part.boundary);
  for (auto& child : part.parts) {
    choose_boundaries(child, random, bodies, chosen);
  }
}

// RFC 2046 §5.1.1: each body part follows "--boundary" CRLF; the CRLF before a delimiter
// belongs to it, so every body (which ends with CRLF or is empty) is followed by CRLF
// "--boundary". The close delimiter "--boundary--" ends with CRLF, with an empty epilogue.
void write_part(Part& part, PieceStream& stream) {
  if (!part.is_multipart()) {
    stream.add_text(std::move(part.fields) + "\r\n");
    if (part.file_body) {
      stream.add_file(std::move(*part.file_body));
    } else if (part.text_body) {
      stream.add_text_body(std::move(*part.text_body));
    }
    return;
  }
  ParameterizedField content_type("Content-Type", part.media_type);
  content_type.add("boundary", part.boundary);
  if (!part.related_type.empty()) {
    content_type.add("type", part.related_type);
  }
  stream.add_text(content_type.format() + "\r\n");
  for (std::size_t i = 0; i < part.parts.size(); ++i) {
    stream.add_text((i == 0 ? "--" : "\r\n--") + part.boundary + "\r\n");
    write_part(part.parts[i], stream);
  }
  stream.add_text("\r\n--" + part.boundary + "--\r\n");
}

}  // namespace

std::unique_ptr<MessageStream> open_message(MessageSpec spec) {
  validate_charset(spec.charset);
  if (!spec.html_charset.empty()) {
    validate_charset(spec.html_charset);
  }
  std::string headers = format_message_headers(spec);
  Part root = build_part_tree(spec);

  std::vector<std::string_view> bodies;
  collect_text_bodies(root, bodies);
  std::vector<std::string> boundaries;
  choose_boundaries(root, spec.random, bodies, boundaries);

  auto stream = std::make_unique<PieceStream>();
  stream->add_text(std::move(headers));
  write_part(root, *stream);
  return stream;
}

}  // namespace smtpsend::mime
