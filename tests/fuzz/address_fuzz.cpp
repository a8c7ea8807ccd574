// libFuzzer target: mime::parse_address_list on arbitrary bytes (RFC 5322 §3.4, §4.4).
//
// Checked: the parser either throws Failure (kind data) or returns mailboxes that survive a
// round trip through the header form: format_mailbox() of each, and format_mailbox_list() of all,
// parse back to the same addresses. Display names come back unchanged when they were written
// without encoded words; names that format_mailbox() writes as RFC 2047 encoded words come back
// encoded (the parser keeps encoded words as written) and must decode to the original name.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "mime/address.hpp"
#include "unit/mime/mime_test_decoders.hpp"

namespace {

namespace mime = smtpsend::mime;
using smtpsend::Failure;

void check(bool condition, const char* what, std::string_view detail = {}) {
  if (!condition) {
    std::fprintf(stderr, "address_fuzz: invariant violated: %s\n  %.*s\n", what,
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

// The display name a reader sees: encoded words decoded, the spaces between them dropped
// (RFC 2047 §6.2), as the unstructured-header decoder of the MIME tests does.
std::string decoded_display_name(const std::string& name) {
  const std::string header = "X: " + name + "\r\n";
  return mime::testing::decode_unstructured_header(header, "X");
}

std::vector<mime::Mailbox> parse_formatted(const std::string& formatted) {
  try {
    return mime::parse_address_list(formatted);
  } catch (const Failure& failure) {
    check(false, "the formatted form of parsed mailboxes parses again", formatted);
  }
  return {};
}

void check_round_trip(const mime::Mailbox& original, const mime::Mailbox& reparsed,
                      const std::string& formatted) {
  check(reparsed.address == original.address, "the address survives formatting", formatted);
  if (reparsed.display_name == original.display_name) {
    return;
  }
  // Only an encoded name may differ, and then only in form.
  std::string decoded;
  try {
    decoded = decoded_display_name(reparsed.display_name);
  } catch (const std::exception& error) {
    check(false, "a changed display name is made of valid encoded words", formatted);
  }
  check(decoded == original.display_name, "an encoded display name decodes to the original",
        formatted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<mime::Mailbox> mailboxes;
  try {
    mailboxes = mime::parse_address_list(input);
  } catch (const Failure& failure) {
    check(failure.error().kind == smtpsend::ErrorKind::data, "parse errors are data errors");
    return 0;
  }

  for (const auto& mailbox : mailboxes) {
    check(mailbox.address.find('@') != std::string::npos, "an address has an '@'", mailbox.address);
    const std::string formatted = mime::format_mailbox(mailbox);
    const auto reparsed = parse_formatted(formatted);
    check(reparsed.size() == 1, "one formatted mailbox parses to one mailbox", formatted);
    check_round_trip(mailbox, reparsed.front(), formatted);
  }

  const std::string list = mime::format_mailbox_list(mailboxes);
  const auto reparsed = parse_formatted(list);
  check(reparsed.size() == mailboxes.size(), "a formatted list keeps its length", list);
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    check_round_trip(mailboxes[i], reparsed[i], list);
  }
  return 0;
}
