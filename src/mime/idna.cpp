#include "mime/idna.hpp"

#include <idn2.h>

#include <cstdlib>
#include <memory>

#include "common/error.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::mime {

std::string domain_to_ascii(std::string_view domain) {
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
    throw Failure(ErrorKind::data,
                  "invalid international domain name '" + input + "': " + idn2_strerror(status));
  }
  return converted;
}

Mailbox with_ascii_domain(const Mailbox& mailbox) {
  const auto at = mailbox.address.rfind('@');
  if (at == std::string::npos || mailbox.address.compare(at + 1, 1, "[") == 0) {
    return mailbox;
  }
  Mailbox converted = mailbox;
  converted.address =
      mailbox.address.substr(0, at + 1) + domain_to_ascii(mailbox.address.substr(at + 1));
  return converted;
}

}  // namespace smtpsend::mime
