#include "net/resolver.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/idna.hpp"

namespace smtpsend::net {
namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

// `host` as messages show it (see describe_host).
[[noreturn]] void throw_resolution_failure(std::string_view host, int code, std::string_view hint) {
  std::string reason = code == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(code);
  switch (code) {
    case EAI_AGAIN:
      // The resolver was reachable but could not answer now: a later try may well succeed.
      throw Failure(ErrorKind::temporary,
                    fmt::format("cannot resolve {}: {}; check the network and DNS, or try again "
                                "later",
                                host, reason));
    case EAI_MEMORY:
    case EAI_SYSTEM:
      throw Failure(ErrorKind::os, fmt::format("cannot resolve {}: {}", host, reason));
    default:
      throw Failure(ErrorKind::no_host,
                    fmt::format("cannot resolve {}: {}; {}", host, reason, hint));
  }
}

}  // namespace

std::string strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::string(host);
}

std::string ascii_host_name(std::string_view host, std::string_view hint) {
  return domain_to_ascii(strip_brackets(host), ErrorKind::config, std::string(hint));
}

std::string describe_host(std::string_view host) {
  std::string bare = strip_brackets(host);
  try {
    std::string ascii = ascii_host_name(bare);
    if (ascii != bare) {
      return fmt::format("'{}' ({})", bare, ascii);
    }
  } catch (const Failure&) {
    // Not convertible: the name as given is all there is to show.
  }
  return fmt::format("'{}'", bare);
}

bool is_ip_literal(std::string_view host) {
  std::string bare = strip_brackets(host);
  in6_addr v6{};
  in_addr v4{};
  return ::inet_pton(AF_INET6, bare.c_str(), &v6) == 1 ||
         ::inet_pton(AF_INET, bare.c_str(), &v4) == 1;
}

std::string format_endpoint(const sockaddr* address, socklen_t length) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return fmt::format("[{}]:{}", text, ntohs(v6->sin6_port));
  }
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return fmt::format("{}:{}", text, ntohs(v4->sin_port));
  }
  return fmt::format("(address family {})", address->sa_family);
}

std::vector<Endpoint> resolve(std::string_view host, std::uint16_t port, std::string_view hint) {
  if (strip_brackets(host).empty()) {
    throw Failure(ErrorKind::config, fmt::format("no server to connect to; {}", hint));
  }
  // getaddrinfo is given the A-label: without AI_IDN (a glibc extension) it would send the UTF-8
  // bytes to DNS as they are, and no DNS name is written that way (RFC 5890 §2.3.2.1).
  std::string name = ascii_host_name(host, hint);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;  // IPv6 and IPv4 alike; the connect loop falls through failures
  hints.ai_socktype = SOCK_STREAM;
  // No AI_ADDRCONFIG: it hides ::1 on hosts with only loopback IPv6, and an address family that
  // does not work here just fails to connect and the next address is tried.
  hints.ai_flags = AI_NUMERICSERV;
  std::string service = std::to_string(port);

  addrinfo* raw = nullptr;
  int code = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &raw);
  AddrinfoList list(raw);
  if (code != 0) {
    throw_resolution_failure(describe_host(host), code, hint);
  }

  std::vector<Endpoint> endpoints;
  for (const addrinfo* entry = list.get(); entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_addrlen > sizeof(sockaddr_storage)) {
      continue;
    }
    Endpoint endpoint;
    std::memcpy(&endpoint.address, entry->ai_addr, entry->ai_addrlen);
    endpoint.length = entry->ai_addrlen;
    endpoint.family = entry->ai_family;
    endpoint.protocol = entry->ai_protocol;
    endpoint.text = format_endpoint(entry->ai_addr, entry->ai_addrlen);
    endpoints.push_back(std::move(endpoint));
  }
  if (endpoints.empty()) {
    throw Failure(ErrorKind::no_host, fmt::format("cannot resolve {}: no usable address; {}",
                                                  describe_host(host), hint));
  }
  return endpoints;
}

}  // namespace smtpsend::net
