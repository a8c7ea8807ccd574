// libFuzzer target: the OAuth 2.0 error report (RFC 7628 §3.2.2) as a server sends it, read by
// smtp/flat_json and by the XOAUTH2 and OAUTHBEARER mechanisms (smtp/sasl_oauth).
//
// Checked: nothing throws for a first challenge; the answer is the mechanism's fixed one (^A or
// empty); what refusal_details() gives the error message is bounded, holds no control character
// and never the token; a flat object read back keeps the reader's limits; a second challenge is
// a protocol error and nothing else.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "smtp/flat_json.hpp"
#include "smtp/sasl_oauth.hpp"

namespace {

namespace smtp = smtpsend::smtp;

// The token the mechanisms hold: a server may quote it back, but no message may show it.
constexpr std::string_view token = "ya29.fuzz-token-0123456789";

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "sasl_oauth_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

void check_object(std::string_view input) {
  const auto object = smtp::parse_flat_json_object(input);
  if (!object) {
    return;
  }
  check(input.size() <= smtp::max_flat_json_size, "accepted input within max_flat_json_size");
  check(object->size() <= smtp::max_flat_json_members, "at most max_flat_json_members members");
  std::size_t text = 0;
  for (const auto& member : *object) {
    check(smtp::find_member(*object, member.name) == &member, "member names are unique");
    text += member.name.size() + member.value.size();
  }
  // An escape never decodes to more bytes than it takes (\uXXXX: 6 bytes to at most 3; a pair:
  // 12 to 4).
  check(text <= input.size(), "decoded text no longer than the input");
}

void check_mechanism(std::string_view name, std::string_view challenge) {
  smtp::SaslContext context;
  context.user = "alice@example.org";
  context.secret = std::string(token);
  context.host = "mx.example.net";
  context.port = 587;
  const auto mechanism = smtp::make_oauth_mechanism(name, context);
  check(mechanism != nullptr, "the mechanism is made");
  check(mechanism->initial_response().has_value(), "an initial response");
  const std::string answer = mechanism->step(challenge);
  check(answer == (name == "XOAUTH2" ? std::string() : std::string("\x01")),
        "the answer to an error report is the mechanism's fixed one");
  const std::string details = mechanism->refusal_details();
  check(!details.empty(), "an error report always gets details");
  // Three values of at most 200 bytes each, every byte escaped as 4 at worst, and their labels.
  check(details.size() <= 4096, "details are bounded");
  for (const char c : details) {
    check(static_cast<unsigned char>(c) >= 0x20 && c != '\x7f', "no control character in details");
  }
  check(details.find(token) == std::string::npos, "the token never shows in the details");
  bool refused = false;
  try {
    mechanism->step(challenge);
  } catch (const smtpsend::Failure& failure) {
    refused = failure.error().kind == smtpsend::ErrorKind::protocol;
  }
  check(refused, "a second challenge is a protocol error");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_object(input);
  check_mechanism("XOAUTH2", input);
  check_mechanism("OAUTHBEARER", input);
  return 0;
}
