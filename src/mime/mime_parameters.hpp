#pragma once
// Header fields that carry a value and parameters (RFC 2045 §5.1: Content-Type; RFC 2183:
// Content-Disposition), written so that every line stays within 78 characters:
//
//   ParameterizedField field("Content-Disposition", "attachment");
//   field.add_file_name("filename", "Straße €uro.pdf");
//   field.format()
//     -> Content-Disposition: attachment;
//         filename="=?UTF-8?B?U3RyYcOfZSDigqx1cm8ucGRm?=";
//         filename*=UTF-8''Stra%C3%9Fe%20%E2%82%ACuro.pdf
//
// File names that are printable ASCII and short enough for one line are simply quoted. Any
// other name is written twice: as RFC 2231 extended parameters (attribute*=, continued as
// attribute*0*=, attribute*1*=, ... when long), which is what the standard says and what RFC
// 2231-aware readers use, and first as RFC 2047 encoded words inside the quotes of the plain
// parameter. That second form is outside RFC 2047 (§5 forbids encoded words in quoted strings),
// but it is what Outlook and Thunderbird write and read for name= and what readers without RFC
// 2231 support show; they ignore the starred parameter.

#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::mime {

class ParameterizedField {
 public:
  // `name` is the field name, `value` the part before the parameters ("attachment", "image/png").
  ParameterizedField(std::string_view name, std::string_view value);

  // A parameter whose value is printable ASCII (charset, boundary, type): bare when it is a
  // token (RFC 2045 §5.1), else quoted. Throws Failure(data) for any other value.
  ParameterizedField& add(std::string_view attribute, std::string_view value);

  // A file name (valid UTF-8) in both forms described above, or simply quoted when it can be.
  ParameterizedField& add_file_name(std::string_view attribute, std::string_view file_name);

  // A file name for readers that know only the plain parameter (Content-Type's legacy name=):
  // quoted, or RFC 2047 encoded words inside the quotes; never the RFC 2231 form.
  ParameterizedField& add_legacy_file_name(std::string_view attribute, std::string_view file_name);

  // "Name: value; a=b;\r\n c=\"d\"\r\n": parameters share a line while they fit in 78
  // characters; a fold goes after a ';' or between the encoded words of one quoted value. Throws
  // Failure(data) when a line would exceed 998 characters (only an absurdly long given value can
  // do that).
  std::string format() const;

 private:
  // One parameter as the words it is written in; a fold may replace the space between words.
  using Parameter = std::vector<std::string>;

  void add_encoded_words_fallback(std::string_view attribute, std::string_view file_name);
  // Adds attribute="file name" when the name is printable ASCII that fits on a line and cannot be
  // mistaken for an encoded word; returns whether it did.
  bool add_plain_file_name(std::string_view attribute, std::string_view file_name);
  void add_extended(std::string_view attribute, std::string_view file_name);

  std::string name_;
  std::string value_;
  std::vector<Parameter> parameters_;
};

// RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
bool is_mime_token(std::string_view text);

// RFC 2231 §7 extended-value text: every byte that is not an attribute-char as %XX (upper-case
// hex). The bytes are taken as they are; the caller declares their charset.
std::string percent_encode_parameter_value(std::string_view bytes);

}  // namespace smtpsend::mime
