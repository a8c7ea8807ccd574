#pragma once
// Internationalized domain names (RFC 5890, IDNA2008 via libidn2): a non-ASCII domain is written
// as its ASCII form (xn--...), so a message to user@bücher.example needs no SMTPUTF8 support from
// the server. Only a non-ASCII local part does (RFC 6531).

#include <string>
#include <string_view>

#include "mime/address.hpp"

namespace smtpsend::mime {

// "bücher.example" -> "xn--bcher-kva.example"; an ASCII domain is returned as it is (lower case is
// not forced). Throws Failure(data) for a name IDNA2008 does not allow.
std::string domain_to_ascii(std::string_view domain);

// The same mailbox with its domain in ASCII form; the local part and display name are unchanged.
// A domain literal ([192.0.2.1]) is left alone.
Mailbox with_ascii_domain(const Mailbox& mailbox);

}  // namespace smtpsend::mime
