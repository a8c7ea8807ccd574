#pragma once
// Telling a server that speaks only deprecated TLS versions from other handshake failures, so
// the message can say so and what to do about it, instead of "did not answer with TLS".

#include <gnutls/gnutls.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::net {

// How many of the first bytes a server sends in the handshake read_server_hello_version() needs:
// the record header (5), the handshake header (4) and the ServerHello's version (2).
inline constexpr std::size_t server_hello_version_end = 11;

// The version a server chose in its ServerHello (RFC 5246 §7.4.1.3), read from the first bytes it
// sent, when that version is older than TLS 1.2 (SSL 3.0, TLS 1.0, TLS 1.1); nothing when the
// bytes are not a handshake record opening with a ServerHello, or name TLS 1.2 (which a TLS 1.3
// ServerHello names too, RFC 8446 §4.1.3). GnuTLS refuses such a ServerHello before it records the
// version anywhere we could ask for it.
std::optional<gnutls_protocol_t> deprecated_server_hello_version(std::string_view first_bytes);

// What a handshake failure says about versions.
struct VersionRefusal {
  std::string host;                         // as messages show it, quoted
  std::string user_priorities;              // --tls-priorities, "" for the default
  std::vector<gnutls_protocol_t> offered;   // the versions we offered, newest first
  std::optional<gnutls_protocol_t> chosen;  // the deprecated version the server chose, if seen
  bool protocol_version_alert = false;      // the server answered with protocol_version
};

// The message when `refusal` shows the server and we have no version in common, or nothing when
// the failure is not about versions: the server chose a deprecated version we did not offer, or
// it refused every version we offered. When what we offered was TLS 1.2 and later only, it says
// the server probably speaks only TLS 1.0/1.1, and how to allow that at one's own risk.
std::optional<std::string> version_refusal_message(const VersionRefusal& refusal);

}  // namespace smtpsend::net
