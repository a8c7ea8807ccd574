#pragma once
// Message-ID values (RFC 5322 §3.6.4): "<20261122234510.3f9a1c2b7e4d5a60@example.com>", the UTC
// time to the second, 64 random bits and a domain. The random source is passed in so that tests
// are exact; production passes a CSPRNG nonce (gnutls_rnd with GNUTLS_RND_NONCE).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace smtpsend::mime {

using RandomSource = std::function<std::uint64_t()>;

// `domain` is the sender's domain (a dot-atom or a [literal]); when it is empty or could not
// stand in a msg-id (not ASCII, say), this host's name is used instead.
std::string make_message_id(
    std::string_view domain, const RandomSource& random,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Whether `value` is one msg-id (RFC 5322 §3.6.4) as a Message-ID field holds it:
// "<" id-left "@" id-right ">", id-left a dot-atom-text, id-right a dot-atom-text or a
// no-fold-literal ("[...]"), ASCII only, with no comments or whitespace around it.
bool is_message_id(std::string_view value);

// This host's name (gethostname), or "localhost" when it has none that fits a msg-id.
std::string local_host_name();

}  // namespace smtpsend::mime
