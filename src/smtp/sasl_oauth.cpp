#include "smtp/sasl_oauth.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/secret_wipe.hpp"
#include "common/text.hpp"
#include "smtp/command_text.hpp"
#include "smtp/flat_json.hpp"

namespace smtpsend::smtp {

namespace {

constexpr char field_separator = '\x01';  // ^A: RFC 7628 §3.1 kvsep, and XOAUTH2's

enum class Form { xoauth2, oauthbearer };

std::string_view name_of(Form form) {
  return form == Form::xoauth2 ? "XOAUTH2" : "OAUTHBEARER";
}

// A value from the server's error report as the error message shows it: as it is when it is
// short, printable ASCII; else escaped and cut (common/text.hpp).
std::string shown(std::string_view value) {
  constexpr std::size_t longest_shown = 200;
  const bool plain =
      value.size() <= longest_shown && !value.empty() &&
      std::all_of(value.begin(), value.end(), [](char c) { return c > ' ' && c < '\x7f'; });
  return plain ? std::string(value) : quoted_for_message(value, longest_shown);
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), is_control_byte);
}

// RFC 6750 §3.1 names its error codes with the HTTP status each goes with; Google's XOAUTH2
// reports the number, RFC 7628 §3.2.2 the name.
std::string_view bearer_error_of_status(std::string_view status) {
  if (status == "400") {
    return "invalid_request";
  }
  if (status == "401") {
    return "invalid_token";
  }
  if (status == "403") {
    return "insufficient_scope";
  }
  return {};
}

// RFC 5801 §4: in the GS2 header's authzid, "," is written "=2C" and "=" is written "=3D".
std::string gs2_saslname(std::string_view user) {
  std::string escaped;
  for (const char c : user) {
    if (c == ',') {
      escaped += "=2C";
    } else if (c == '=') {
      escaped += "=3D";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

class OAuthMechanism final : public SaslMechanism {
 public:
  OAuthMechanism(Form form, const SaslContext& context)
      : form_(form),
        user_(context.user),
        token_(context.secret),
        host_(context.host),
        port_(context.port) {
    check_credentials();
  }
  ~OAuthMechanism() override { wipe(token_); }
  OAuthMechanism(const OAuthMechanism&) = delete;
  OAuthMechanism& operator=(const OAuthMechanism&) = delete;
  OAuthMechanism(OAuthMechanism&&) = delete;
  OAuthMechanism& operator=(OAuthMechanism&&) = delete;

  std::string_view name() const override { return name_of(form_); }

  std::optional<std::string> initial_response() override {
    sent_ = true;
    return form_ == Form::xoauth2 ? xoauth2_response() : oauthbearer_response();
  }

  std::string step(std::string_view challenge) override {
    if (!sent_) {
      // RFC 4422 §5: an empty challenge before anything was sent asks for the initial
      // response (a server that did not take it on the AUTH line).
      if (challenge.empty()) {
        return *initial_response();
      }
      throw Failure(ErrorKind::protocol,
                    fmt::format("the server sent an AUTH {} challenge before it had the token; "
                                "the mechanism has nothing to answer it with",
                                name()));
    }
    if (reported_) {
      // RFC 7628 §3.2.3: after the error report and the client's answer, the server ends the
      // exchange with a failure; another challenge is a server in a loop.
      throw Failure(ErrorKind::protocol,
                    fmt::format("the server sent a further AUTH {} challenge after its error "
                                "report ({}) instead of ending the exchange",
                                name(), details_));
    }
    reported_ = true;
    read_error_report(challenge);
    // The answer that lets the server send its failure reply: ^A for OAUTHBEARER (RFC 7628
    // §3.2.3), an empty response for XOAUTH2 (Google's documentation).
    return form_ == Form::oauthbearer ? std::string(1, field_separator) : std::string();
  }

  // Nothing is left to do once the token went out; after an error report, a 235 would
  // contradict it (RFC 7628 §3.2.3: the server ends with a failure) and is not taken.
  bool complete() const override { return sent_ && !reported_; }

  std::string refusal_details() const override { return details_; }

  // A report that says the token expired or is invalid; or a refusal with no report at all,
  // which is how Microsoft 365 refuses an expired XOAUTH2 token (a bare 535 5.7.3). A report
  // that names something else (a wrong scope, a 400) is not helped by a fresh token.
  bool fresh_secret_may_help() const override { return token_expired_ || (sent_ && !reported_); }

 private:
  void check_credentials() const {
    // Messages name the token's problem, never the token (not even its length).
    if (token_.empty()) {
      throw Failure(ErrorKind::config,
                    fmt::format("the OAuth 2.0 token for AUTH {} is empty; nothing was sent. "
                                "Check what the token command prints",
                                name_of(form_)));
    }
    if (has_control_character(token_)) {
      throw Failure(ErrorKind::config,
                    fmt::format("the OAuth 2.0 token for AUTH {} contains a control character "
                                "(a line break or ^A, which separates the mechanism's fields), so "
                                "it is not a bearer token (RFC 6750 §2.1); nothing was sent. "
                                "The token command must print the token alone on its first line",
                                name_of(form_)));
    }
    if (has_control_character(user_)) {
      throw Failure(ErrorKind::config,
                    fmt::format("the user name {} contains a control character (a line break or "
                                "^A, which separates AUTH {}'s fields); nothing was sent",
                                quoted_for_message(user_), name_of(form_)));
    }
    if (form_ == Form::xoauth2 && user_.empty()) {
      throw Failure(ErrorKind::config,
                    "AUTH XOAUTH2 needs the user name the token was issued for (--user, or user "
                    "in the configuration file); nothing was sent");
    }
    if (has_control_character(host_)) {
      throw Failure(ErrorKind::config,
                    fmt::format("the server name {} contains a control character, which AUTH "
                                "OAUTHBEARER cannot carry; nothing was sent",
                                quoted_for_message(host_)));
    }
  }

  // Built in a buffer of its final size: no reallocation leaves a copy of the token behind.
  std::string xoauth2_response() const {
    constexpr std::string_view user_key = "user=";
    constexpr std::string_view auth_key =
        "\x01"
        "auth=Bearer ";
    constexpr std::string_view end = "\x01\x01";
    std::string response;
    response.reserve(user_key.size() + user_.size() + auth_key.size() + token_.size() + end.size());
    response.append(user_key).append(user_).append(auth_key).append(token_).append(end);
    return response;
  }

  // RFC 7628 §3.1: gs2-header kvsep [host kvsep] [port kvsep] auth kvsep kvsep. The host and port
  // SHOULD be sent (§3.1); they are left out only when unknown.
  std::string oauthbearer_response() const {
    std::string head = "n,";
    if (!user_.empty()) {
      head += "a=" + gs2_saslname(user_);
    }
    head += ',';
    head += field_separator;
    if (!host_.empty()) {
      head += "host=" + host_ + field_separator;
    }
    if (port_ != 0) {
      head += fmt::format("port={}", port_) + field_separator;
    }
    constexpr std::string_view auth_key = "auth=Bearer ";
    constexpr std::string_view end = "\x01\x01";
    std::string response;
    response.reserve(head.size() + auth_key.size() + token_.size() + end.size());
    response.append(head).append(auth_key).append(token_).append(end);
    return response;
  }

  // The error report (RFC 7628 §3.2.2): what the server said about the token, for the error
  // message, and whether a fresh token could do better.
  void read_error_report(std::string_view challenge) {
    const auto report = parse_flat_json_object(challenge);
    if (!report) {
      details_ = "its error report is not the JSON object of RFC 7628 §3.2.2";
      return;
    }
    std::vector<std::string> parts;
    const FlatJsonMember* status = find_member(*report, "status");
    if (status != nullptr) {
      const std::string_view bearer_error = bearer_error_of_status(status->value);
      parts.push_back(bearer_error.empty()
                          ? fmt::format("status {}", shown(redacted(status->value)))
                          : fmt::format("status {} ({})", status->value, bearer_error));
      // Decision: a fresh token is worth a try only when the report says this one is invalid or
      // expired: RFC 6750's invalid_token, or Google's 401. Google's 400 (invalid_request) comes
      // from a wrong scope or a user name the token was not issued for, and 403
      // (insufficient_scope) from a token without the scope: a fresh token of the same grant
      // would be refused the same way.
      token_expired_ = status->value == "401" || status->value == "invalid_token";
    }
    for (const std::string_view key : {"scope", "openid-configuration"}) {
      if (const FlatJsonMember* member = find_member(*report, key); member != nullptr) {
        parts.push_back(fmt::format("{} {}", key, shown(redacted(member->value))));
      }
    }
    details_ = parts.empty() ? "its error report names no status or scope"
                             : fmt::format("{}", fmt::join(parts, ", "));
  }

  // A server could quote the token back; no error message repeats it.
  std::string redacted(const std::string& value) const {
    return value.find(token_) == std::string::npos ? value : std::string("<redacted>");
  }

  Form form_;
  std::string user_;
  std::string token_;
  std::string host_;
  std::uint16_t port_;
  bool sent_ = false;
  bool reported_ = false;       // the server's error report came (and was answered)
  bool token_expired_ = false;  // it said the token is invalid or expired
  std::string details_;
};

std::optional<Form> form_of(std::string_view name) {
  if (equals_ignoring_ascii_case(name, "XOAUTH2")) {
    return Form::xoauth2;
  }
  if (equals_ignoring_ascii_case(name, "OAUTHBEARER")) {
    return Form::oauthbearer;
  }
  return std::nullopt;
}

}  // namespace

bool is_oauth_mechanism(std::string_view name) {
  return form_of(name).has_value();
}

std::unique_ptr<SaslMechanism> make_oauth_mechanism(std::string_view name,
                                                    const SaslContext& context) {
  const auto form = form_of(name);
  if (!form) {
    return nullptr;
  }
  return std::make_unique<OAuthMechanism>(*form, context);
}

}  // namespace smtpsend::smtp
