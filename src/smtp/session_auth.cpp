// AUTH (RFC 4954) in the dialog: PLAIN with an initial response, LOGIN with its two prompts.

#include <fmt/format.h>

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

}  // namespace

void Session::send_auth() {
  const Credentials& credentials = *config_.credentials;
  if (!in_tls_ && !config_.allow_plaintext_auth) {
    throw Failure(ErrorKind::permission,
                  fmt::format("refusing to send the password for '{}' over an unencrypted "
                              "connection, so it was not sent. Use TLS (--tls=starttls or "
                              "--tls=smtps), or allow this explicitly with --allow-plaintext-auth",
                              credentials.user));
  }
  mechanism_ = choose_auth_mechanism(config_.auth_mechanism, capabilities_.auth);
  login_responses_sent_ = 0;
  set_state(State::auth);
  if (mechanism_ == AuthMechanism::plain) {
    // RFC 4954 §4: the initial response saves a round trip.
    std::string response = plain_initial_response(credentials);
    std::string line = "AUTH PLAIN " + response;
    // Not even the length is traced: it gives away the length of the password.
    send_command(line, {State::auth}, "AUTH PLAIN <redacted>");
    wipe(line);
    wipe(response);
  } else {
    send_command("AUTH LOGIN", {State::auth});
  }
}

void Session::on_auth_reply(const Reply& reply) {
  if (reply.code == 235) {
    trace_info("authenticated");
    set_state(State::ready);
    return;
  }
  if (reply.code == 334 && mechanism_ == AuthMechanism::login) {
    return send_login_response(reply);
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, fmt::format("AUTH {}", mechanism_name(mechanism_)));
  }
  if (auth_refused(reply)) {
    return quit_with(authentication_error(to_server_reply(reply), config_.credentials->user,
                                          mechanism_name(mechanism_)));
  }
  refused(reply, fmt::format("authentication (AUTH {})", mechanism_name(mechanism_)));
}

void Session::send_login_response(const Reply& reply) {
  // Two responses are all LOGIN has; a third prompt is a server in a loop.
  constexpr int login_response_count = 2;
  if (login_responses_sent_ >= login_response_count) {
    unexpected(reply, "AUTH LOGIN");
  }
  LoginPrompt prompt = classify_login_challenge(reply.lines.front());
  if (prompt == LoginPrompt::unknown) {
    prompt = login_responses_sent_ == 0 ? LoginPrompt::user : LoginPrompt::password;
  }
  const Credentials& credentials = *config_.credentials;
  std::string response =
      encode_base64(prompt == LoginPrompt::user ? credentials.user : credentials.password);
  send_command(response, {State::auth}, "<redacted>");
  wipe(response);
  ++login_responses_sent_;
}

}  // namespace smtpsend::smtp
