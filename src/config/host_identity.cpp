#include "config/host_identity.hpp"

#include <netdb.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

namespace smtpsend::config {

namespace {

const passwd* own_passwd_entry() {
  return ::getpwuid(::getuid());
}

// The user's full name from the password database (the GECOS field up to its first comma).
std::string full_name() {
  const passwd* entry = own_passwd_entry();
  if (entry == nullptr || entry->pw_gecos == nullptr) {
    return "";
  }
  const std::string gecos = entry->pw_gecos;
  return gecos.substr(0, gecos.find(','));
}

}  // namespace

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  if (std::strchr(name, '.') != nullptr) {
    return name;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* found = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &found) == 0 && found != nullptr) {
    std::string canonical = found->ai_canonname != nullptr ? found->ai_canonname : "";
    ::freeaddrinfo(found);
    if (canonical.find('.') != std::string::npos) {
      return canonical;
    }
  }
  return "localhost";
}

std::string mail_name() {
  std::ifstream file("/etc/mailname");
  std::string line;
  if (file && std::getline(file, line) && !line.empty()) {
    return line;
  }
  return host_name();
}

std::string login_name(const Environment& environment) {
  for (const char* variable : {"USER", "LOGNAME"}) {
    if (auto value = environment(variable); value && !value->empty()) {
      return *value;
    }
  }
  const passwd* entry = own_passwd_entry();
  return entry != nullptr && entry->pw_name != nullptr ? entry->pw_name : "";
}

std::string expand_placeholders(std::string_view value, const Environment& environment) {
  std::string expanded;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%' || i + 1 == value.size()) {
      expanded += value[i];
      continue;
    }
    switch (value[i + 1]) {
      case 'U':
        expanded += login_name(environment);
        break;
      case 'H':
      case 'C':
        expanded += host_name();
        break;
      case 'M':
        expanded += mail_name();
        break;
      case 'F':
        expanded += full_name();
        break;
      default:
        expanded += value.substr(i, 2);
        break;
    }
    ++i;
  }
  return expanded;
}

bool is_valid_ehlo_name(std::string_view name) {
  if (name.empty() || name.size() > 255) {
    return false;
  }
  if (name.front() == '[') {
    return name.size() > 2 && name.back() == ']' &&
           std::all_of(name.begin() + 1, name.end() - 1, [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':';
           });
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace smtpsend::config
