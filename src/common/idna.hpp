#pragma once
// Internationalized domain names (RFC 5890, IDNA2008 via libidn2): a non-ASCII domain name is
// written as its A-label form (xn--...) wherever the protocol is ASCII: a mail domain, so that a
// message to user@bücher.example needs no SMTPUTF8 support from the server (RFC 6531), and a
// server's host name for the resolver, SNI (RFC 6066 §3) and the certificate check (RFC 6125
// §6.4.2).

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace smtpsend {

// "bücher.example" -> "xn--bcher-kva.example"; an ASCII name is returned as it is (lower case is
// not forced, and no IDNA rule is applied to it). Throws Failure(`kind`) for a name IDNA2008 does
// not allow, naming it and libidn2's reason, followed by "; `advice`" when advice is given.
std::string domain_to_ascii(std::string_view domain, ErrorKind kind = ErrorKind::data,
                            std::string_view advice = {});

}  // namespace smtpsend
