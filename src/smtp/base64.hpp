#pragma once
// Base64 (RFC 4648 §4, no line breaks) for SASL payloads (RFC 4954 §4), through GnuTLS.

#include <optional>
#include <string>
#include <string_view>

namespace smtpsend::smtp {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace smtpsend::smtp
