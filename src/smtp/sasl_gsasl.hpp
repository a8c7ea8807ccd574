#pragma once
// The SASL mechanisms GNU SASL provides (SCRAM-SHA-256/-1 and their -PLUS variants, CRAM-MD5,
// DIGEST-MD5, GSSAPI, GS2-KRB5, NTLM, EXTERNAL, PLAIN, LOGIN) behind smtp/sasl.hpp's interface.
// gsasl_step() is sans-I/O, so it fits the session as it is.

#include <memory>
#include <string_view>

#include "smtp/sasl.hpp"

namespace smtpsend::smtp {

// Whether this GNU SASL has the client side of `name` (GSSAPI depends on how it was built).
bool gsasl_supports(std::string_view name);

// nullptr when GNU SASL lacks `name`.
std::unique_ptr<SaslMechanism> make_gsasl_mechanism(std::string_view name,
                                                    const SaslContext& context);

// RFC 5802 §5.1: "i=" is the iteration count the client must spend on the password. A hostile
// server could name billions and keep the client busy for hours; past this, AUTH fails instead.
// Servers use 4096 (RFC 7677's minimum, Dovecot, Cyrus) up to a few hundred thousand.
inline constexpr unsigned long max_scram_iterations = 1'000'000;

}  // namespace smtpsend::smtp
