#include "smtp/capabilities.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii.hpp"

namespace smtpsend::smtp {
namespace {

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> result;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
      break;
    }
    text.remove_prefix(start);
    const auto end = std::min(text.find_first_of(" \t"), text.size());
    result.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return result;
}

// RFC 1870 §4: "SIZE" alone or "SIZE 0" means no fixed limit; a value we cannot read is treated
// the same way rather than as a reason to refuse the server.
std::uint64_t size_limit(const std::vector<std::string_view>& params) {
  std::uint64_t limit = 0;
  if (params.empty()) {
    return 0;
  }
  const std::string_view digits = params.front();
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), limit);
  if (error != std::errc{} || end != digits.data() + digits.size()) {
    return 0;
  }
  return limit;
}

void add_auth_mechanisms(Capabilities& caps, const std::vector<std::string_view>& params) {
  for (std::string_view mechanism : params) {
    std::string name = ascii_upper(mechanism);
    if (std::find(caps.auth.begin(), caps.auth.end(), name) == caps.auth.end()) {
      caps.auth.push_back(std::move(name));
    }
  }
}

}  // namespace

Capabilities parse_capabilities(const Reply& ehlo_reply) {
  Capabilities caps;
  caps.esmtp = true;
  // The first line is "domain [greeting]", never an extension.
  for (std::size_t i = 1; i < ehlo_reply.lines.size(); ++i) {
    std::vector<std::string_view> params = words(ehlo_reply.lines[i]);
    if (params.empty()) {
      continue;
    }
    const std::string_view first = params.front();
    const std::string keyword = ascii_upper(first);
    params.erase(params.begin());
    // Servers written before RFC 2554 was final announce "AUTH=LOGIN PLAIN"; read both forms.
    if (keyword.starts_with("AUTH=")) {
      constexpr std::size_t prefix_length = std::string_view("AUTH=").size();
      if (first.size() > prefix_length) {
        params.insert(params.begin(), first.substr(prefix_length));
      }
      add_auth_mechanisms(caps, params);
    } else if (keyword == "AUTH") {
      add_auth_mechanisms(caps, params);
    } else if (keyword == "SIZE") {
      caps.size = size_limit(params);
    } else if (keyword == "PIPELINING") {
      caps.pipelining = true;
    } else if (keyword == "STARTTLS") {
      caps.starttls = true;
    } else if (keyword == "8BITMIME") {
      caps.eightbitmime = true;
    } else if (keyword == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (keyword == "ENHANCEDSTATUSCODES") {
      caps.enhanced_status_codes = true;
    } else if (keyword == "DSN") {
      caps.dsn = true;
    } else if (keyword == "CHUNKING") {
      caps.chunking = true;
    } else if (keyword == "BINARYMIME") {
      caps.binarymime = true;
    }
  }
  return caps;
}

}  // namespace smtpsend::smtp
