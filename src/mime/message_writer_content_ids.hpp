#pragma once
// Content-IDs of inline parts and the cid: URLs that refer to them (RFC 2392). A Content-ID is
// written "<ID>"; the HTML refers to the part as "cid:ID", with URL %-escapes where needed.
// unresolved_content_ids() (message.hpp) is built from these.

#include <string>
#include <string_view>
#include <vector>

#include "mime/message.hpp"

namespace smtpsend::mime {

// The ID of an inline part, without angle brackets: part.content_id as given (one enclosing
// pair of "<>" is dropped), else made from the file name: every character other than ASCII
// letters, digits, '-', '_' and single inner dots becomes one '_' ("Grüße.png" -> "Gr__e.png";
// "" -> "part").
std::string content_id_of(const FilePart& part);

// Throws Failure(usage) unless `id` can stand inside "<>" as RFC 5322's msg-id does: a dot-atom
// text, or two joined by '@' ("logo", "logo.png", "logo@example.com"). RFC 2392 asks for the
// "@" form; bare IDs are accepted since every common reader matches them. An ID longer than 984
// characters is refused too: its Content-ID line would exceed 998 octets (RFC 5322 §2.1.1).
void validate_content_id(std::string_view id);

// The IDs that cid: URLs in `html` refer to, %-decoded, in order, each once. A reference starts
// at "cid:" (any case) that does not continue a longer word ("acid:" is none), and ends before
// whitespace, a quote, '(', ')', '<', '>' or '#' (as in src="cid:x", url(cid:x), url('cid:x')).
std::vector<std::string> find_content_id_references(std::string_view html);

}  // namespace smtpsend::mime
