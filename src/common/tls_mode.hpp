#pragma once
// How a connection is protected: one name for it from the command line to the socket.

#include <string_view>

namespace smtpsend {

enum class TlsMode {
  none,      // plain TCP, no TLS at all (AUTH then needs allow_plaintext_auth)
  starttls,  // plain TCP upgraded with STARTTLS, which is then required (RFC 3207)
  smtps,     // TLS from the first byte (implicit TLS, port 465, RFC 8314)
};

// "none", "starttls", "smtps": the words --tls and the tls key take.
constexpr std::string_view tls_mode_name(TlsMode mode) {
  switch (mode) {
    case TlsMode::none:
      return "none";
    case TlsMode::starttls:
      return "starttls";
    case TlsMode::smtps:
      return "smtps";
  }
  return "?";
}

}  // namespace smtpsend
