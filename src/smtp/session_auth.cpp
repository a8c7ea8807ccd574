// AUTH (RFC 4954) in the dialog: one loop for every SASL mechanism (RFC 4422). AUTH NAME with
// the initial response, each 334 challenge answered by the mechanism, 235 at the end.

#include <fmt/format.h>

#include "common/auth_mechanisms.hpp"
#include "common/base64.hpp"
#include "common/secret_wipe.hpp"
#include "smtp/auth.hpp"
#include "smtp/session_errors.hpp"

namespace smtpsend::smtp {
namespace {

// RFC 4954 §6: authentication failed (535), mechanism too weak (534), required (530).
bool auth_refused(const Reply& reply) {
  return reply.code == 535 || reply.code == 534 || reply.code == 530;
}

// RFC 4954 §4: the AUTH command keeps to SMTP's 512-octet line (RFC 5321 §4.5.3.1.4); a longer
// initial response goes after an empty 334 instead (RFC 4422 §5), never cut.
constexpr std::size_t max_auth_line = 512 - 2;

// A secret shorter than this is not looked for in replies: replacing a two-letter password
// everywhere would garble the trace without hiding anything.
constexpr std::size_t min_redacted_length = 4;

}  // namespace

void Session::send_auth() {
  const Credentials& credentials = *config_.credentials;
  const AuthChoice choice = choose_auth_mechanism(
      config_.auth_mechanism, capabilities_.auth,
      AuthSituation{.tls = in_tls_, .channel_binding = channel_binding_.has_value()});
  // A Kerberos ticket or the TLS client certificate sends no secret of ours over the connection.
  if (!in_tls_ && !config_.allow_plaintext_auth && auth_needs_secret(choice.mechanism)) {
    throw Failure(ErrorKind::permission,
                  fmt::format("refusing to send the password for '{}' over an unencrypted "
                              "connection, so it was not sent. Use TLS (--tls=starttls or "
                              "--tls=smtps), or allow this explicitly with --allow-plaintext-auth",
                              credentials.user));
  }
  trace_info(fmt::format("AUTH mechanism: {} ({})", choice.mechanism, choice.reason));
  SaslContext context{.user = credentials.user,
                      .secret = credentials.password,
                      .host = config_.server_host,
                      .port = config_.server_port,
                      .ntlm_domain = config_.ntlm_domain,
                      .channel_binding = channel_binding_};
  sasl_ = make_sasl_mechanism(choice.mechanism, context);
  wipe(context.secret);
  if (context.channel_binding) {
    wipe(context.channel_binding->data);
  }
  if (!sasl_) {
    throw Failure(
        ErrorKind::config,
        fmt::format("authentication mechanism {} is not available here", choice.mechanism));
  }
  set_state(State::auth);
  std::optional<std::string> initial = sasl_->initial_response();
  const std::string command = "AUTH " + std::string(sasl_->name());
  if (!initial) {
    send_command(command, {State::auth});
    return;
  }
  // RFC 4954 §4: "=" is an initial response of zero length.
  if (initial->empty()) {
    send_command(command + " =", {State::auth});
    return;
  }
  if (command.size() + 1 + base64_encoded_length(initial->size()) > max_auth_line) {
    held_response_ = std::move(initial);
    send_command(command, {State::auth});
    return;
  }
  send_sasl_line(command + " ", *initial);
  wipe(*initial);
}

void Session::send_sasl_line(std::string_view prefix, std::string_view payload) {
  std::string encoded = encode_base64(payload);
  std::string line = std::string(prefix) + encoded;
  // Not even the length is traced: it gives away the length of the password.
  send_command(line, {State::auth}, std::string(prefix) + "<redacted>");
  wipe(line);
  if (encoded.size() >= min_redacted_length) {
    sent_secrets_.push_back(std::move(encoded));
  } else {
    wipe(encoded);
  }
}

void Session::on_auth_reply(const Reply& reply) {
  if (reply.code == 235) {
    if (!sasl_->complete()) {
      // RFC 5802 §5: a SCRAM server proves it knows the password with its final message; one
      // that says 235 without it may be anyone.
      throw Failure(ErrorKind::permission,
                    fmt::format("the server accepted AUTH {} without completing the exchange "
                                "(it never proved that it knows the password); the connection "
                                "was closed before sending anything",
                                sasl_->name()));
    }
    trace_info(fmt::format("authenticated with {}", sasl_->name()));
    set_state(State::ready);
    return;
  }
  if (reply.code == 334) {
    return send_auth_response(reply);
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, fmt::format("AUTH {}", sasl_->name()));
  }
  if (auth_refused(reply)) {
    return on_auth_refused(reply);
  }
  refused(reply, fmt::format("authentication (AUTH {})", sasl_->name()));
}

void Session::send_auth_response(const Reply& reply) {
  if (held_response_) {
    std::string response = std::move(*held_response_);
    held_response_.reset();
    send_sasl_line("", response);
    wipe(response);
    return;
  }
  // RFC 4954 §4: the challenge is the base64 text after "334 ", on one line.
  std::optional<std::string> challenge = decode_base64(reply.lines.front());
  if (!challenge) {
    throw Failure(
        ErrorKind::protocol,
        fmt::format("the server's AUTH {} challenge is not base64 (RFC 4954 §4)", sasl_->name()));
  }
  std::string response = sasl_->step(*challenge);
  wipe(*challenge);
  send_sasl_line("", response);
  wipe(response);
}

void Session::on_auth_refused(const Reply& reply) {
  Error error =
      authentication_error(to_server_reply(reply), config_.credentials->user, sasl_->name());
  if (const std::string details = sasl_->refusal_details(); !details.empty()) {
    error.message += fmt::format(" (the server said: {})", redacted(details));
  }
  if (binds_to_channel(sasl_->name())) {
    // RFC 5802 §6: the server also refuses a channel binding that differs from its own.
    error.message += fmt::format(
        ". With {} the refusal may also mean that the TLS connection does not reach the server "
        "itself: a TLS-terminating proxy, or a man in the middle with a certificate we trust",
        sasl_->name());
  }
  if (sasl_->fresh_secret_may_help() && !fresh_secret_tried_) {
    // RFC 7628 §3.2.2: an expired token is refused like a wrong password; a fresh one from the
    // token command may pass, on the same connection (the server is ready for a new AUTH).
    fresh_secret_tried_ = true;
    auth_refusal_ = std::move(error);
    trace_info("the server refused the token; fetching a fresh one");
    set_state(State::fresh_secret);
    return;
  }
  quit_with(std::move(error));
}

void Session::take_fresh_secret(std::optional<std::string> secret) {
  if (state_ != State::fresh_secret) {
    throw Failure(ErrorKind::internal,
                  fmt::format("fresh_secret() was called in state '{}'", smtp::state_name(state_)));
  }
  if (!secret) {
    Error error = std::move(*auth_refusal_);
    auth_refusal_.reset();
    return quit_with(std::move(error));
  }
  auth_refusal_.reset();
  wipe(config_.credentials->password);
  config_.credentials->password.assign(*secret);  // a copy, so that the original can be wiped
  wipe(*secret);
  send_auth();
}

std::string Session::redacted(std::string_view text) const {
  std::string result(text);
  auto replace_all = [&](std::string_view secret) {
    if (secret.size() < min_redacted_length) {
      return;
    }
    for (std::size_t at = result.find(secret); at != std::string::npos;
         at = result.find(secret, at)) {
      result.replace(at, secret.size(), "<redacted>");
      at += std::string_view("<redacted>").size();
    }
  };
  for (const auto& secret : sent_secrets_) {
    replace_all(secret);
  }
  // The password itself only in AUTH's own replies (a server quoting the decoded payload): later
  // on, a short password would garble unrelated text ("example" in "example.com").
  if (config_.credentials && (state_ == State::auth || state_ == State::fresh_secret)) {
    replace_all(config_.credentials->password);
  }
  return result;
}

Reply Session::redacted(const Reply& reply) const {
  Reply shown = reply;
  for (auto& line : shown.lines) {
    line = redacted(line);
  }
  return shown;
}

}  // namespace smtpsend::smtp
