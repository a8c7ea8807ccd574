#include "smtp/sasl_gsasl.hpp"

#include <fmt/format.h>
#include <gsasl.h>

#include <charconv>
#include <cstring>
#include <string>

#include "common/auth_mechanisms.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/secret_wipe.hpp"

namespace smtpsend::smtp {
namespace {

// One GNU SASL library context for the process, made on first use. It holds no secret: those
// live in the per-exchange Gsasl_session.
Gsasl* library() {
  static Gsasl* const context = [] {
    Gsasl* made = nullptr;
    const int status = gsasl_init(&made);
    if (status != GSASL_OK) {
      throw Failure(ErrorKind::os,
                    fmt::format("GNU SASL could not start: {}", gsasl_strerror(status)));
    }
    return made;
  }();
  return context;
}

// Mechanisms in which the server speaks first: AUTH goes without an initial response.
bool server_first(std::string_view name) {
  return name == "LOGIN" || name == "CRAM-MD5" || name == "DIGEST-MD5";
}

// RFC 5802 §5.1: the iteration count in a server-first-message "r=...,s=...,i=4096[,ext]".
// Refuses a count past max_scram_iterations before GNU SASL spends it.
void check_scram_iterations(std::string_view challenge) {
  std::size_t start = 0;
  while (start <= challenge.size()) {
    std::size_t end = challenge.find(',', start);
    if (end == std::string_view::npos) {
      end = challenge.size();
    }
    const std::string_view attribute = challenge.substr(start, end - start);
    if (attribute.starts_with("i=")) {
      unsigned long count = 0;
      const char* first = attribute.data() + 2;
      const char* last = attribute.data() + attribute.size();
      const auto [ptr, error] = std::from_chars(first, last, count);
      if (error == std::errc::result_out_of_range ||
          (error == std::errc() && ptr == last && count > max_scram_iterations)) {
        throw Failure(ErrorKind::protocol,
                      fmt::format("the server asked for {} SCRAM iterations; smtpsend spends at "
                                  "most {} (RFC 7677 asks for 4096), so AUTH was abandoned",
                                  attribute.substr(2), max_scram_iterations));
      }
      return;  // a malformed count is GNU SASL's to refuse
    }
    start = end + 1;
  }
}

class GsaslMechanism final : public SaslMechanism {
 public:
  GsaslMechanism(std::string_view name, const SaslContext& context) : name_(name) {
    const int status = gsasl_client_start(library(), name_.c_str(), &session_);
    if (status != GSASL_OK) {
      throw Failure(ErrorKind::config,
                    fmt::format("GNU SASL cannot start {}: {}", name_, gsasl_strerror(status)));
    }
    set(GSASL_SERVICE, "smtp");
    // No SASL security layer (RFC 4422 §3.7) for DIGEST-MD5 and GSSAPI: the session does not
    // wrap what follows AUTH; TLS is what protects the connection.
    set(GSASL_QOP, "qop-auth");
    if (!context.host.empty()) {
      set(GSASL_HOSTNAME, context.host);
    }
    if (!context.user.empty()) {
      set(GSASL_AUTHID, context.user);
    }
    if (!context.secret.empty()) {
      set(GSASL_PASSWORD, context.secret);
    }
    if (name_ == "NTLM" && !context.ntlm_domain.empty()) {
      set(GSASL_REALM, context.ntlm_domain);  // GNU SASL's NTLM takes its domain from the realm
    }
    if (context.channel_binding && binds_to_channel(name_)) {
      // GNU SASL takes the binding base64-encoded. Only -PLUS gets it: RFC 5802 §6 would have
      // plain SCRAM send the gs2 flag "y" when a binding is known, but GNU SASL 2.2 then fails
      // the first step, so plain SCRAM says "n" as clients without TLS knowledge do.
      std::string encoded = encode_base64(context.channel_binding->data);
      set(context.channel_binding->type == "tls-unique" ? GSASL_CB_TLS_UNIQUE
                                                        : GSASL_CB_TLS_EXPORTER,
          encoded);
      wipe(encoded);
    }
  }
  ~GsaslMechanism() override { gsasl_finish(session_); }
  GsaslMechanism(const GsaslMechanism&) = delete;
  GsaslMechanism& operator=(const GsaslMechanism&) = delete;
  GsaslMechanism(GsaslMechanism&&) = delete;
  GsaslMechanism& operator=(GsaslMechanism&&) = delete;

  std::string_view name() const override { return name_; }

  std::optional<std::string> initial_response() override {
    if (server_first(name_)) {
      return std::nullopt;
    }
    return run_step({});
  }

  std::string step(std::string_view challenge) override {
    if (name_.starts_with("SCRAM-") && steps_ == 1) {
      check_scram_iterations(challenge);
    }
    return run_step(challenge);
  }

  bool complete() const override { return complete_; }

 private:
  void set(Gsasl_property property, const std::string& value) {
    const int status = gsasl_property_set(session_, property, value.c_str());
    if (status != GSASL_OK) {
      throw Failure(ErrorKind::os, fmt::format("GNU SASL ({}): {}", name_, gsasl_strerror(status)));
    }
  }

  std::string run_step(std::string_view input) {
    if (complete_) {
      // The mechanism said its last word; another challenge is a server out of step.
      throw Failure(ErrorKind::protocol,
                    fmt::format("the server sent another AUTH {} challenge after the exchange "
                                "was complete",
                                name_));
    }
    char* output = nullptr;
    std::size_t output_size = 0;
    // std::string keeps a NUL after its data: GNU SASL's parsers may look one past the end.
    const std::string copy(input);
    const int status = gsasl_step(session_, copy.data(), copy.size(), &output, &output_size);
    ++steps_;
    std::string response;
    if (output != nullptr) {
      response.assign(output, output_size);
      wipe(std::span<char>(output, output_size));
      gsasl_free(output);
    }
    if (status == GSASL_OK) {
      complete_ = true;
      return response;
    }
    if (status == GSASL_NEEDS_MORE) {
      return response;
    }
    wipe(response);
    if (status == GSASL_AUTHENTICATION_ERROR && name_.starts_with("SCRAM-") && steps_ == 2) {
      // RFC 5802 §5.1: the server's first message must continue the nonce we sent.
      throw Failure(ErrorKind::protocol,
                    fmt::format("the server's first AUTH {} message does not continue the nonce "
                                "we sent (RFC 5802 §5.1), so it answers no exchange of ours",
                                name_));
    }
    if (status == GSASL_AUTHENTICATION_ERROR) {
      // RFC 5802 §5.1 (v=): the server did not prove that it knows the password, or the
      // channel binding it saw differs from ours (someone in the middle).
      throw Failure(ErrorKind::permission,
                    fmt::format("the server failed to prove its identity in AUTH {} (its "
                                "signature is wrong): it does not know the password, or "
                                "someone is between us; nothing more was sent",
                                name_));
    }
    if (status == GSASL_NO_CB_TLS_UNIQUE || status == GSASL_NO_CB_TLS_EXPORTER) {
      throw Failure(ErrorKind::config,
                    fmt::format("AUTH {} needs TLS channel binding, which this connection does "
                                "not have",
                                name_));
    }
    // GNU SASL's texts end with a full stop; the message goes on after them.
    std::string reason = gsasl_strerror(status);
    while (!reason.empty() && (reason.back() == '.' || reason.back() == ' ')) {
      reason.pop_back();
    }
    const std::string_view what = steps_ == 1 ? "could not start" : "could not go on";
    if (auth_credential(name_) == AuthCredential::kerberos_ticket) {
      throw Failure(ErrorKind::permission,
                    fmt::format("AUTH {} {}: {}; check for a Kerberos ticket for the user "
                                "(klist; kinit gets one) and that --server names the host as "
                                "its service principal smtp/HOST does",
                                name_, what, reason));
    }
    throw Failure(ErrorKind::protocol, fmt::format("AUTH {} {}: {}", name_, what, reason));
  }

  std::string name_;
  Gsasl_session* session_ = nullptr;
  int steps_ = 0;
  bool complete_ = false;
};

}  // namespace

bool gsasl_supports(std::string_view name) {
  const std::string copy(name);
  return gsasl_client_support_p(library(), copy.c_str()) != 0;
}

std::unique_ptr<SaslMechanism> make_gsasl_mechanism(std::string_view name,
                                                    const SaslContext& context) {
  if (!gsasl_supports(name)) {
    return nullptr;
  }
  return std::make_unique<GsaslMechanism>(name, context);
}

}  // namespace smtpsend::smtp
