#pragma once
// Mail addresses with international domains: the domain is written as its ASCII form (xn--...,
// see common/idna.hpp), so a message to user@bücher.example needs no SMTPUTF8 support from the
// server. Only a non-ASCII local part does (RFC 6531).

#include "common/idna.hpp"
#include "mime/address.hpp"

namespace smtpsend::mime {

// The same mailbox with its domain in ASCII form; the local part and display name are unchanged.
// A domain literal ([192.0.2.1]) is left alone. Throws Failure(data) for a domain IDNA2008 does
// not allow.
Mailbox with_ascii_domain(const Mailbox& mailbox);

}  // namespace smtpsend::mime
