#pragma once
// What may appear inside an SMTP command line. A command ends at CRLF (RFC 5321 §2.3.8), so a CR
// or LF inside an argument would end it early and let the rest pass as a second command; other
// control bytes have no place in an address or a domain either. The session refuses them before
// it writes a command, whatever the layers before it checked.

#include <string>
#include <string_view>

namespace smtpsend::smtp {

// US-ASCII control characters: 0x00-0x1f and DEL (RFC 5234 Appendix B.1, CTL).
constexpr bool is_control_byte(char c) {
  constexpr unsigned char first_printable = 0x20;
  constexpr unsigned char del = 0x7f;
  const auto byte = static_cast<unsigned char>(c);
  return byte < first_printable || byte == del;
}

// `text` with each control byte shown as \xNN, for error messages that quote user input.
std::string escape_control_bytes(std::string_view text);

// RFC 3461 §4: xtext, for ENVID=: '+', '=' and bytes outside '!'..'~' become "+HH".
std::string xtext(std::string_view text);

}  // namespace smtpsend::smtp
