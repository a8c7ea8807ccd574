#include "smtp/session.hpp"

#include <fmt/format.h>

#include "smtp/capabilities.hpp"
#include "smtp/command_text.hpp"
#include "smtp/session_errors.hpp"
#include "smtp/session_impl.hpp"

namespace smtpsend::smtp {
namespace {

// RFC 5321 §4.2.3 / §3.2: a server that does not know EHLO answers "command unrecognized" (500)
// or "command not implemented" (502); then the client falls back to HELO.
bool ehlo_not_recognized(const Reply& reply) {
  return reply.code == 500 || reply.code == 502;
}

// RFC 5321 §3.8: 421 may come at any time; the server closes the connection after it.
constexpr int service_closing = 421;

}  // namespace

void Session::Impl::receive(std::string_view bytes) {
  if (state_ == State::finished) {
    return;
  }
  if (state_ == State::tls_handshake) {
    // RFC 3207 §4.2 / §6: nothing may follow the 220 before TLS; bytes that do were injected.
    throw Failure(ErrorKind::protocol, plaintext_after_starttls_message());
  }
  parser_.feed(bytes);
  while (state_ != State::finished) {
    auto reply = parser_.next();
    if (!reply) {
      break;
    }
    for (const auto& line : wire_lines(*reply)) {
      trace_.server(line, in_tls_);
    }
    ++replies_received_;
    on_reply(*reply);
  }
}

void Session::Impl::connection_lost(std::string_view what) {
  if (state_ == State::finished) {
    return;
  }
  if (outcome_.delivered || state_ == State::quit) {
    // The outcome is decided; what happens to QUIT does not change it (RFC 5321 §4.1.1.10).
    finish();
    return;
  }
  if (awaiting_final_reply()) {
    return abandon(lost_before_confirmation_error(what));
  }
  abandon(Error{ErrorKind::io,
                fmt::format("connection lost while {} ({})", state_activity(state_), what),
                std::nullopt});
}

std::string Session::Impl::take_output() {
  for (const auto& expected : queued_) {
    awaiting_.push_back(expected);
  }
  queued_.clear();
  return std::exchange(output_, {});
}

Step Session::Impl::next_step() const {
  switch (state_) {
    case State::finished:
      return Step::finished;
    case State::tls_handshake:
      return Step::start_tls;
    case State::body:
      return Step::send_body;
    default:
      return Step::write_then_read;
  }
}

void Session::Impl::tls_started() {
  if (state_ == State::finished) {
    return;
  }
  if (config_.tls == TlsPolicy::implicit) {
    return;  // the session treated the connection as TLS from the start
  }
  if (state_ != State::tls_handshake) {
    throw Failure(
        ErrorKind::internal,
        fmt::format("TLS was started in state '{}', not after STARTTLS", smtp::state_name(state_)));
  }
  if (parser_.has_pending_input()) {
    throw Failure(ErrorKind::protocol, plaintext_after_starttls_message());
  }
  in_tls_ = true;
  // RFC 3207 §4.2: forget everything learned before TLS and ask again.
  capabilities_ = Capabilities{};
  trace_info("TLS is up; discarding the capabilities learned before TLS");
  send_ehlo();
}

void Session::Impl::set_state(State next) {
  if (next == state_) {
    return;
  }
  if (trace_.enabled()) {
    trace_.info(fmt::format("state {} -> {}", smtp::state_name(state_), smtp::state_name(next)));
  }
  state_ = next;
}

void Session::Impl::finish() {
  queued_.clear();
  awaiting_.clear();
  in_flight_octets_ = 0;
  set_state(State::finished);
}

void Session::Impl::quit_with(Error error) {
  outcome_.error = std::move(error);
  output_.clear();
  send_line("QUIT");
  finish();
}

void Session::Impl::abandon(Error error) {
  outcome_.error = std::move(error);
  output_.clear();
  finish();
}

void Session::Impl::trace_info(std::string_view text) {
  if (trace_.enabled()) {
    trace_.info(text);
  }
}

void Session::Impl::require_no_control_bytes(std::string_view line) {
  for (const char c : line) {
    if (is_control_byte(c)) {
      // The callers check what they put into a command; reaching this is a bug. The line itself
      // is left out of the message, as it may carry a secret.
      throw Failure(ErrorKind::internal,
                    "refusing to send a command that contains a control character");
    }
  }
}

void Session::Impl::send_line(std::string_view line, std::string_view traced_as) {
  require_no_control_bytes(line);
  output_ += line;
  output_ += "\r\n";
  trace_.client(traced_as.empty() ? line : traced_as, in_tls_);
}

void Session::Impl::send_command(std::string_view line, Expected expected,
                                 std::string_view traced_as) {
  send_line(line, traced_as);
  expected.octets = line.size() + 2;
  in_flight_octets_ += expected.octets;
  queued_.push_back(expected);
}

void Session::Impl::on_reply(const Reply& reply) {
  if (state_ == State::quit) {
    finish();  // whatever the reply to QUIT after delivery, the outcome stands
    return;
  }
  if (reply.code == service_closing) {
    abandon(closing_error(to_server_reply(reply), state_activity(state_)));
    return;
  }
  if (state_ == State::body) {
    if (reply.positive() || reply.intermediate()) {
      // RFC 5321 §4.1.1.4: only the reply to the final dot can accept the message. Whatever
      // comes earlier is not that reply; sending the dot now would let a later reply (the real
      // one, perhaps a refusal) be read as the answer to something else.
      throw Failure(early_reply_error(to_server_reply(reply)));
    }
    // A server may refuse in the middle of DATA and close (a content filter, a size limit): its
    // reply is the reason the message was not sent, not a protocol error.
    abandon(refusal_error(to_server_reply(reply), "the message while it was being sent"));
    return;
  }
  if (awaiting_.empty()) {
    throw Failure(unsolicited_reply_error(to_server_reply(reply), state_activity(state_)));
  }
  const Expected expected = awaiting_.front();
  awaiting_.pop_front();
  in_flight_octets_ -= expected.octets;
  switch (expected.state) {
    case State::greeting:
      return on_greeting_reply(reply);
    case State::ehlo:
      return on_ehlo_reply(reply);
    case State::helo:
      return on_helo_reply(reply);
    case State::starttls:
      return on_starttls_reply(reply);
    case State::auth:
      return on_auth_reply(reply);
    case State::mail:
      return on_mail_reply(reply);
    case State::rcpt:
      return on_rcpt_reply(reply, expected.recipient);
    case State::data:
      return on_data_reply(reply);
    case State::dot:
      return on_dot_reply(reply);
    default:
      throw Failure(ErrorKind::internal, fmt::format("a reply was expected in state '{}'",
                                                     smtp::state_name(expected.state)));
  }
}

void Session::Impl::unexpected(const Reply& reply, std::string_view command) {
  throw Failure(unexpected_reply_error(to_server_reply(reply), command));
}

void Session::Impl::refused(const Reply& reply, std::string_view what) {
  quit_with(refusal_error(to_server_reply(reply), what));
}

void Session::Impl::on_greeting_reply(const Reply& reply) {
  if (reply.code == 220) {
    return send_ehlo();
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "the greeting");
  }
  // RFC 5321 §3.1: after a 554 greeting the client should still send QUIT.
  refused(reply, "the connection (greeting)");
}

void Session::Impl::check_ehlo_domain() const {
  const std::string_view name = config_.ehlo_domain;
  bool valid = !name.empty();
  for (const char c : name) {
    valid = valid && !is_control_byte(c) && c != ' ';
  }
  if (!valid) {
    throw Failure(ErrorKind::usage,
                  fmt::format("invalid --ehlo name \"{}\": it must be one word without spaces or "
                              "control characters, a domain name such as mail.example.org or an "
                              "address literal such as [192.0.2.1] (RFC 5321 §4.1.1.1); nothing "
                              "was sent",
                              escape_control_bytes(name)));
  }
}

void Session::Impl::send_ehlo() {
  check_ehlo_domain();
  set_state(State::ehlo);
  send_command("EHLO " + config_.ehlo_domain, {State::ehlo});
}

void Session::Impl::on_ehlo_reply(const Reply& reply) {
  if (reply.code == 250) {
    capabilities_ = parse_capabilities(reply);
    return after_hello();
  }
  if (ehlo_not_recognized(reply)) {
    return send_helo();
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "EHLO");
  }
  refused(reply, "EHLO");
}

void Session::Impl::send_helo() {
  check_ehlo_domain();
  set_state(State::helo);
  send_command("HELO " + config_.ehlo_domain, {State::helo});
}

void Session::Impl::on_helo_reply(const Reply& reply) {
  if (reply.code == 250) {
    capabilities_ = Capabilities{};  // HELO means no service extensions (RFC 5321 §4.1.1.1)
    return after_hello();
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "HELO");
  }
  refused(reply, "HELO");
}

void Session::Impl::after_hello() {
  if (config_.tls == TlsPolicy::starttls && !in_tls_) {
    if (!capabilities_.starttls) {
      // Never fall back to plaintext when TLS was asked for.
      throw Failure(ErrorKind::permission,
                    "the server does not offer STARTTLS, so the connection cannot be "
                    "encrypted; nothing was sent. Use --tls=smtps if the server expects TLS "
                    "from the start (port 465), or --tls=none to send in the clear");
    }
    return send_starttls();
  }
  if (config_.credentials) {
    return send_auth();
  }
  send_envelope();
}

void Session::Impl::send_starttls() {
  set_state(State::starttls);
  send_command("STARTTLS", {State::starttls});
}

void Session::Impl::on_starttls_reply(const Reply& reply) {
  if (reply.code == 220) {
    set_state(State::tls_handshake);
    // RFC 3207 §4.2 / §6: nothing may follow the 220 before TLS; bytes that do were injected.
    if (parser_.has_pending_input()) {
      throw Failure(ErrorKind::protocol, plaintext_after_starttls_message());
    }
    return;
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "STARTTLS");
  }
  refused(reply, "STARTTLS");
}

std::string Session::Impl::plaintext_after_starttls_message() {
  return "the server sent more data after its 220 reply to STARTTLS, before TLS was up; that "
         "data could have been injected by an attacker (RFC 3207 §6), so the connection was "
         "closed";
}

Session::Session(SessionConfig config, Envelope envelope, trace::Sink& trace)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(envelope), trace)) {}

Session::~Session() = default;

void Session::receive(std::string_view bytes) {
  impl_->guarded([&] { impl_->receive(bytes); });
}

void Session::connection_lost(std::string_view what) {
  impl_->guarded([&] { impl_->connection_lost(what); });
}

std::string Session::take_output() {
  return impl_->take_output();
}

Step Session::next_step() const {
  return impl_->next_step();
}

void Session::tls_started() {
  impl_->guarded([&] { impl_->tls_started(); });
}

void Session::body(std::string_view chunk) {
  impl_->guarded([&] { impl_->body(chunk); });
}

void Session::end_of_body() {
  impl_->guarded([&] { impl_->end_of_body(); });
}

const Outcome& Session::outcome() const {
  return impl_->outcome();
}

const Capabilities& Session::capabilities() const {
  return impl_->capabilities();
}

bool Session::awaiting_final_reply() const {
  return impl_->awaiting_final_reply();
}

std::chrono::seconds Session::reply_time_limit() const {
  using std::chrono::minutes;
  switch (impl_->awaited()) {
    case State::data:
      return minutes(2);  // §4.5.3.2.4 DATA initiation
    case State::dot:
      return minutes(10);  // §4.5.3.2.6 DATA termination: the server may be delivering
    default:
      return minutes(5);  // §4.5.3.2.1-3 greeting, MAIL, RCPT; the others as the server's own
  }
}

std::size_t Session::replies_received() const {
  return impl_->replies_received();
}

std::string_view Session::state_name() const {
  return smtp::state_name(impl_->state());
}

}  // namespace smtpsend::smtp
