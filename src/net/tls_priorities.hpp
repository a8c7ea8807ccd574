#pragma once
// Which TLS versions and algorithms a session may negotiate: GnuTLS priority strings, ours and the
// user's (--tls-priorities), and the rule that keeps deprecated versions off unless asked for.

#include <gnutls/gnutls.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::net {

// GnuTLS's defaults minus everything older than TLS 1.2: RFC 8996 deprecates TLS 1.0 and 1.1, and
// RFC 8314 §4.1 asks mail clients for TLS 1.2 or later. SSL 3.0 is listed for older GnuTLS
// builds that still know it.
inline constexpr const char* tls_priority = "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1";

// The string a session uses for the user's `priorities` ("" gives tls_priority). The user's string
// goes through as given, followed by "-VERS-TLS1.1", "-VERS-TLS1.0" and "-VERS-SSL3.0" for each of
// those versions it does not enable by name ("+VERS-TLS1.1", case as GnuTLS allows), unless it
// enables every version ("+VERS-ALL"): GnuTLS's NORMAL still has TLS 1.0 and 1.1, and a user
// tuning ciphers must not get a deprecated version without asking for it.
std::string effective_priorities(std::string_view priorities);

// Checks a GnuTLS priority string (--tls-priorities) without connecting, so a caller can refuse it
// early. Throws smtpsend::Failure(config) quoting the part GnuTLS rejected and its position.
void check_priority_string(const std::string& priorities);

struct PriorityDeleter {
  void operator()(gnutls_priority_t priority) const { gnutls_priority_deinit(priority); }
};
using UniquePriority = std::unique_ptr<gnutls_priority_st, PriorityDeleter>;

// The priorities for a session: effective_priorities(user_priorities), parsed. Throws
// smtpsend::Failure(config) as check_priority_string does for a bad user string.
UniquePriority load_priorities(const std::string& user_priorities);

// The protocol versions `priority` enables, in its order of preference (newest first).
std::vector<gnutls_protocol_t> enabled_versions(gnutls_priority_t priority);

// True for SSL 3.0, TLS 1.0 and TLS 1.1 (RFC 8996, RFC 7568).
bool is_deprecated_version(gnutls_protocol_t version);

// "TLS 1.2", "SSL 3.0": a version's name for messages.
std::string version_name(gnutls_protocol_t version);

}  // namespace smtpsend::net
