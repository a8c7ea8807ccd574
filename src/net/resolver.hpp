#pragma once
// Host name resolution: turns the server's name (--server, or the host setting) into the socket
// addresses to try, in the order the system resolver prefers them (RFC 6724 ordering as implemented
// by getaddrinfo).

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::net {

struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
  int protocol = 0;
  std::string text;  // "[2001:db8::1]:587" or "192.0.2.1:587", for traces and messages
};

// Resolves `host` for both IPv6 and IPv4; a numeric address is used as is, with or without the
// brackets of an IPv6 literal, and an international name is looked up as its A-label
// (ascii_host_name). Throws smtpsend::Failure: no_host when the name does not exist, temporary
// when the resolver could not answer now, os when the system failed, config when the name is
// empty or not a valid international name. `hint` ends the messages that are about the name:
// what to fix, which depends on where the name came from.
std::vector<Endpoint> resolve(std::string_view host, std::uint16_t port,
                              std::string_view hint = "check the server name");

// The server's name as the protocols want it: brackets of an IPv6 literal removed, and a non-ASCII
// name as its A-label ("smtp.bücher.example" -> "smtp.xn--bcher-kva.example", IDNA2008 with UTS #46
// mapping), which is what DNS holds, what SNI carries (RFC 6066 §3) and what certificates list
// (RFC 6125 §6.4.2). An ASCII name is returned as it is. Throws smtpsend::Failure(config) for a
// name IDNA2008 does not allow.
std::string ascii_host_name(std::string_view host, std::string_view hint = "check the server name");

// The name for messages, quoted: "'localhost'", or both forms of an international name,
// "'smtp.bücher.example' (smtp.xn--bcher-kva.example)". Never throws.
std::string describe_host(std::string_view host);

// True for "192.0.2.1", "::1" and "[::1]": names that are addresses, which RFC 6066 §3 forbids in
// SNI and which a certificate can match only through an IP address entry.
bool is_ip_literal(std::string_view host);

// Removes the brackets around an IPv6 literal ("[::1]" -> "::1"); other names are returned as is.
std::string strip_brackets(std::string_view host);

// "[::1]:25" or "127.0.0.1:25".
std::string format_endpoint(const sockaddr* address, socklen_t length);

}  // namespace smtpsend::net
