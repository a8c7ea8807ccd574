#include "net/tls_version_refusal.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "net/tls_priorities.hpp"

namespace smtpsend::net {
namespace {

// RFC 5246 §6.2.1 (ContentType) and §7.4 (HandshakeType); TLS versions are 3.x on the wire.
constexpr unsigned char handshake_record = 22;
constexpr unsigned char server_hello = 2;
constexpr unsigned char major_version = 3;

constexpr std::string_view upgrade_advice =
    "ask the server's administrator to enable TLS 1.2 or later";

std::string join_names(const std::vector<gnutls_protocol_t>& versions) {
  std::string joined;
  for (gnutls_protocol_t version : versions) {
    joined += joined.empty() ? version_name(version) : ", " + version_name(version);
  }
  return joined.empty() ? std::string("none") : joined;
}

// How to allow `version` anyway: the user's string (or GnuTLS's NORMAL) with it added by name.
std::string allow_advice(const VersionRefusal& refusal, gnutls_protocol_t version) {
  // RFC 7568 forbids SSL 3.0 outright, and GnuTLS builds usually leave it out.
  if (version == GNUTLS_SSL3) {
    return std::string(upgrade_advice);
  }
  const char* keyword = gnutls_protocol_get_name(version);  // "TLS1.1"
  return fmt::format("{}, or allow {} with --tls-priorities '{}:+VERS-{}' at your own risk",
                     upgrade_advice, version_name(version),
                     refusal.user_priorities.empty() ? "NORMAL" : refusal.user_priorities,
                     keyword != nullptr ? keyword : "TLS1.1");
}

bool offers(const VersionRefusal& refusal, gnutls_protocol_t version) {
  return std::find(refusal.offered.begin(), refusal.offered.end(), version) !=
         refusal.offered.end();
}

}  // namespace

std::optional<gnutls_protocol_t> deprecated_server_hello_version(std::string_view first_bytes) {
  if (first_bytes.size() < server_hello_version_end) {
    return std::nullopt;
  }
  auto byte = [&](std::size_t index) { return static_cast<unsigned char>(first_bytes[index]); };
  // Record: type, version (2), length (2); handshake: type, length (3); ServerHello: version (2).
  if (byte(0) != handshake_record || byte(1) != major_version || byte(5) != server_hello ||
      byte(9) != major_version) {
    return std::nullopt;
  }
  switch (byte(10)) {
    case 0:
      return GNUTLS_SSL3;
    case 1:
      return GNUTLS_TLS1_0;
    case 2:
      return GNUTLS_TLS1_1;
    default:
      return std::nullopt;
  }
}

std::optional<std::string> version_refusal_message(const VersionRefusal& refusal) {
  if (refusal.chosen && !offers(refusal, *refusal.chosen)) {
    return fmt::format(
        "{} answered with {}, the newest TLS version it speaks, which smtpsend does not use "
        "unless --tls-priorities names it (RFC 8996 deprecates TLS 1.0 and 1.1); {}",
        refusal.host, version_name(*refusal.chosen), allow_advice(refusal, *refusal.chosen));
  }
  if (!refusal.protocol_version_alert) {
    return std::nullopt;
  }
  bool only_current = offers(refusal, GNUTLS_TLS1_2) &&
                      std::none_of(refusal.offered.begin(), refusal.offered.end(),
                                   [](gnutls_protocol_t v) { return is_deprecated_version(v); });
  if (only_current) {
    return fmt::format(
        "{} refused every TLS version smtpsend offered ({}) with a protocol_version alert: it "
        "probably speaks only TLS 1.0 or 1.1 (or SSL 3.0), which smtpsend does not use unless "
        "--tls-priorities names them (RFC 8996 deprecates TLS 1.0 and 1.1); {}",
        refusal.host, join_names(refusal.offered), allow_advice(refusal, GNUTLS_TLS1_1));
  }
  return fmt::format(
      "{} supports none of the TLS versions smtpsend offered ({}; protocol_version "
      "alert); {}",
      refusal.host, join_names(refusal.offered),
      refusal.user_priorities.empty()
          ? std::string(upgrade_advice)
          : fmt::format("check --tls-priorities '{}'", refusal.user_priorities));
}

}  // namespace smtpsend::net
