#include "net/tls_priorities.hpp"

#include <fmt/format.h>

#include <array>

#include "common/ascii.hpp"
#include "common/error.hpp"

namespace smtpsend::net {
namespace {

// The GnuTLS keywords of the deprecated versions, newest first as GnuTLS's own strings have them.
constexpr std::array<std::string_view, 3> deprecated_versions{"VERS-TLS1.1", "VERS-TLS1.0",
                                                              "VERS-SSL3.0"};
// Both spellings GnuTLS accepts for "every version" (VERS-TLS-ALL is the older one).
constexpr std::array<std::string_view, 2> all_versions{"VERS-ALL", "VERS-TLS-ALL"};

// Whether `priorities` has the element "+keyword"; GnuTLS compares keywords ignoring case.
bool enables(std::string_view priorities, std::string_view keyword) {
  std::size_t start = 0;
  while (start <= priorities.size()) {
    std::size_t end = priorities.find(':', start);
    if (end == std::string_view::npos) {
      end = priorities.size();
    }
    std::string_view element = priorities.substr(start, end - start);
    if (element.size() == keyword.size() + 1 && element.front() == '+' &&
        equals_ignoring_ascii_case(element.substr(1), keyword)) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

[[noreturn]] void throw_priority_failure(const std::string& priorities, const char* error_position,
                                         const char* parsed, int code) {
  std::size_t offset =
      error_position != nullptr ? static_cast<std::size_t>(error_position - parsed) : 0;
  if (offset > priorities.size()) {
    offset = 0;
  }
  // Quote the element GnuTLS stopped at: elements are separated by colons.
  std::string_view rest = std::string_view(priorities).substr(offset);
  std::string_view element = rest.substr(0, rest.find(':'));
  throw Failure(ErrorKind::config,
                fmt::format("the TLS priority string '{}' is rejected at character {} ('{}'): {}; "
                            "check --tls-priorities (the syntax is GnuTLS's, e.g. "
                            "\"NORMAL:-VERS-ALL:+VERS-TLS1.3\")",
                            priorities, offset + 1, element, gnutls_strerror(code)));
}

}  // namespace

std::string effective_priorities(std::string_view priorities) {
  if (priorities.empty()) {
    return tls_priority;
  }
  std::string effective(priorities);
  for (std::string_view all : all_versions) {
    if (enables(priorities, all)) {
      return effective;
    }
  }
  for (std::string_view version : deprecated_versions) {
    if (!enables(priorities, version)) {
      effective += fmt::format(":-{}", version);
    }
  }
  return effective;
}

void check_priority_string(const std::string& priorities) {
  gnutls_priority_t raw = nullptr;
  const char* error_position = nullptr;
  int rc = gnutls_priority_init2(&raw, priorities.c_str(), &error_position, 0);
  UniquePriority priority(raw);
  if (rc < 0) {
    throw_priority_failure(priorities, error_position, priorities.c_str(), rc);
  }
}

UniquePriority load_priorities(const std::string& user_priorities) {
  const std::string effective = effective_priorities(user_priorities);
  gnutls_priority_t raw = nullptr;
  const char* error_position = nullptr;
  int rc = gnutls_priority_init2(&raw, effective.c_str(), &error_position, 0);
  UniquePriority priority(raw);
  if (rc >= 0) {
    return priority;
  }
  if (user_priorities.empty()) {
    throw Failure(ErrorKind::internal,
                  fmt::format("the built-in TLS priority string is rejected at '{}': {}",
                              error_position ? error_position : "", gnutls_strerror(rc)));
  }
  // The user's string is the start of the effective one, so the position is the same in both.
  throw_priority_failure(user_priorities, error_position, effective.c_str(), rc);
}

std::vector<gnutls_protocol_t> enabled_versions(gnutls_priority_t priority) {
  const unsigned* list = nullptr;
  int count = gnutls_priority_protocol_list(priority, &list);
  std::vector<gnutls_protocol_t> versions;
  for (int i = 0; i < count; ++i) {
    auto version = static_cast<gnutls_protocol_t>(list[i]);
    // The list may hold DTLS versions too; a TCP session never uses them.
    if (version < GNUTLS_DTLS_VERSION_MIN || version > GNUTLS_DTLS_VERSION_MAX) {
      versions.push_back(version);
    }
  }
  return versions;
}

bool is_deprecated_version(gnutls_protocol_t version) {
  return version == GNUTLS_SSL3 || version == GNUTLS_TLS1_0 || version == GNUTLS_TLS1_1;
}

std::string version_name(gnutls_protocol_t version) {
  switch (version) {
    case GNUTLS_SSL3:
      return "SSL 3.0";
    case GNUTLS_TLS1_0:
      return "TLS 1.0";
    case GNUTLS_TLS1_1:
      return "TLS 1.1";
    case GNUTLS_TLS1_2:
      return "TLS 1.2";
    case GNUTLS_TLS1_3:
      return "TLS 1.3";
    default: {
      const char* name = gnutls_protocol_get_name(version);
      return name != nullptr ? name : "an unknown version";
    }
  }
}

}  // namespace smtpsend::net
