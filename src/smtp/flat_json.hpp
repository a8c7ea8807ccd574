#pragma once
// A strict, bounded reader for one flat JSON object (RFC 8259) of strings and numbers: what an
// OAuth 2.0 error challenge holds (RFC 7628 §3.2.2: {"status":"invalid_token","scope":...};
// Google's XOAUTH2: {"status":"401","schemes":"bearer","scope":...}). It reads the server's
// bytes, so it accepts nothing more than that: no nesting (an object or array as a value is
// refused, not skipped), no duplicate names, no text after the object but blanks, and at most
// `max_flat_json_size` bytes and `max_flat_json_members` members. A general JSON library would
// read far more than this needs, and hand a hostile server more to play with.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::smtp {

// An error challenge is a few hundred bytes; RFC 4954 §4 bounds a 334 line to 12288 octets of
// base64 anyway, and the reply parser bounds it further.
inline constexpr std::size_t max_flat_json_size = 4096;
inline constexpr std::size_t max_flat_json_members = 32;

struct FlatJsonMember {
  std::string name;   // the member's name, unescaped
  std::string value;  // a string's unescaped text (UTF-8), or a number's or literal's text as
                      // written ("401", "-1.5e3", "true", "null")
  bool is_string = false;
};

using FlatJsonObject = std::vector<FlatJsonMember>;

// The members of `text`, in their order, or nullopt when `text` is anything but one flat object
// within the limits above. The literals true, false and null are taken as values too.
std::optional<FlatJsonObject> parse_flat_json_object(std::string_view text);

// The member called `name`, or nullptr.
const FlatJsonMember* find_member(const FlatJsonObject& object, std::string_view name);

}  // namespace smtpsend::smtp
