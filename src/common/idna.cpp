#include "common/idna.hpp"

#include <idn2.h>

#include <cstdlib>
#include <memory>

#include "common/ascii.hpp"

namespace smtpsend {

std::string domain_to_ascii(std::string_view domain, ErrorKind kind, std::string_view advice) {
  // ASCII names go through untouched: IDNA would refuse names that DNS and hosts files allow
  // (underscores, for one), and they need no conversion.
  if (is_ascii(domain)) {
    return std::string(domain);
  }
  char* converted = nullptr;
  const std::string input(domain);
  // Non-transitional processing (UTS #46) is what browsers and current mail software use: "ß"
  // stays "ß" rather than becoming "ss".
  const int status =
      idn2_to_ascii_8z(input.c_str(), &converted, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  const std::unique_ptr<char, decltype(&std::free)> owner(converted, &std::free);
  if (status != IDN2_OK) {
    std::string message =
        "invalid international domain name '" + input + "': " + idn2_strerror(status);
    if (!advice.empty()) {
      message += "; ";
      message += advice;
    }
    throw Failure(kind, message);
  }
  return converted;
}

}  // namespace smtpsend
