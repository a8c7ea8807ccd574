#include "smtp/session_state.hpp"

namespace smtpsend::smtp {

std::string_view state_name(State state) {
  switch (state) {
    case State::greeting:
      return "greeting";
    case State::ehlo:
      return "ehlo";
    case State::helo:
      return "helo";
    case State::starttls:
      return "starttls";
    case State::tls_handshake:
      return "tls_handshake";
    case State::auth:
      return "auth";
    case State::fresh_secret:
      return "fresh_secret";
    case State::ready:
      return "ready";
    case State::rset:
      return "rset";
    case State::mail:
      return "mail";
    case State::rcpt:
      return "rcpt";
    case State::data:
      return "data";
    case State::bdat:
      return "bdat";
    case State::discard:
      return "discard";
    case State::body:
      return "body";
    case State::dot:
      return "dot";
    case State::quit:
      return "quit";
    case State::finished:
      return "finished";
  }
  return "unknown";
}

std::string_view state_activity(State state) {
  switch (state) {
    case State::greeting:
      return "waiting for the server's greeting";
    case State::ehlo:
      return "waiting for the reply to EHLO";
    case State::helo:
      return "waiting for the reply to HELO";
    case State::starttls:
      return "waiting for the reply to STARTTLS";
    case State::tls_handshake:
      return "doing the TLS handshake";
    case State::auth:
      return "waiting for the reply to AUTH";
    case State::fresh_secret:
      return "fetching a fresh secret after AUTH was refused";
    case State::ready:
      return "between messages";
    case State::rset:
      return "waiting for the reply to RSET";
    case State::mail:
      return "waiting for the reply to MAIL FROM";
    case State::rcpt:
      return "waiting for the reply to RCPT TO";
    case State::data:
      return "waiting for the reply to DATA";
    case State::bdat:
      return "waiting for the reply to BDAT";
    case State::discard:
      return "waiting for the replies to BDAT after a refusal";
    case State::body:
      return "sending the message";
    case State::dot:
      return "waiting for the reply to the end of the message";
    case State::quit:
      return "waiting for the reply to QUIT";
    case State::finished:
      return "finished";
  }
  return "in an unknown state";
}

}  // namespace smtpsend::smtp
