#include "mime/idna.hpp"

namespace smtpsend::mime {

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
