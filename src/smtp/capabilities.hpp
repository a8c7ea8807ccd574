#pragma once
// What a server announced in its reply to EHLO (RFC 5321 §4.1.1.1): the first line is the
// greeting, each further line one extension keyword with optional parameters.

#include "smtp/reply.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {

// Reads the extensions this client uses from a positive EHLO reply. Keywords are matched without
// regard to case (RFC 5321 §2.4; Hotmail sends "8bitmime"); unknown ones are ignored.
Capabilities parse_capabilities(const Reply& ehlo_reply);

}  // namespace smtpsend::smtp
