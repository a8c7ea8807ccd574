#include "smtp/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "common/secret_wipe.hpp"
#include "smtp/capabilities.hpp"
#include "smtp/command_text.hpp"
#include "smtp/session_errors.hpp"

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

void Session::receive_bytes(std::string_view bytes) {
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
    // Once a secret has gone out, neither the trace nor an error may show a reply that quotes
    // it; only the SASL mechanism sees a challenge as it came (send_auth_response()).
    const std::optional<Reply> shown =
        sent_secrets_.empty() ? std::nullopt : std::optional<Reply>(redacted(*reply));
    for (const auto& line : wire_lines(shown ? *shown : *reply)) {
      trace_.server(line, in_tls_);
    }
    ++replies_received_;
    const bool challenge = state_ == State::auth && reply->code == 334;
    on_reply(shown && !challenge ? *shown : *reply);
  }
}

void Session::lose_connection(std::string_view what) {
  if (state_ == State::finished) {
    return;
  }
  if (state_ == State::quit) {
    // The outcome is decided; what happens to QUIT does not change it (RFC 5321 §4.1.1.10).
    finish();
    return;
  }
  Error lost{ErrorKind::io,
             fmt::format("connection lost while {} ({})", state_activity(state_), what),
             std::nullopt};
  if (awaiting_final_reply()) {
    // A message whose dot went out may have been delivered; one behind it was not sent.
    return abandon(lost_before_confirmation_error(what), std::move(lost));
  }
  abandon(std::move(lost));
}

void Session::fail_transport(const Error& error) {
  if (state_ == State::finished) {
    return;
  }
  if (state_ == State::quit) {
    finish();
    return;
  }
  Error unsent = error;
  unsent.message += fmt::format(" (while in SMTP state '{}'; the message was not sent)",
                                smtp::state_name(state_));
  if (awaiting_final_reply()) {
    // Sent but not confirmed: the message may have been delivered.
    return abandon(lost_before_confirmation_error(error.message), std::move(unsent));
  }
  abandon(std::move(unsent));
}

std::string Session::take_output() {
  for (const auto& expected : queued_) {
    awaiting_.push_back(expected);
  }
  queued_.clear();
  return std::exchange(output_, {});
}

Step Session::next_step() const {
  if (!ended_.empty()) {
    return Step::transaction_ended;
  }
  switch (state_) {
    case State::finished:
      return Step::finished;
    case State::tls_handshake:
      return Step::start_tls;
    case State::body:
      return Step::need_body;
    case State::ready:
      return Step::ready;
    case State::fresh_secret:
      return Step::need_fresh_secret;
    case State::dot:
      // RFC 2920 §3.1: under PIPELINING, what follows the end of the message (QUIT, the next
      // transaction) may go in its flight; the reply to the dot is still read first.
      return capabilities_.pipelining && !quit_sent_ && transactions_.size() == 1 &&
                     !may_defer_recipients(transactions_.front())
                 ? Step::ready
                 : Step::write_then_read;
    default:
      return Step::write_then_read;
  }
}

void Session::start_tls_done() {
  if (state_ == State::finished) {
    return;
  }
  if (config_.tls == TlsMode::smtps) {
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

void Session::set_state(State next) {
  if (next == state_) {
    return;
  }
  if (trace_.enabled()) {
    trace_.info(fmt::format("state {} -> {}", smtp::state_name(state_), smtp::state_name(next)));
  }
  state_ = next;
}

void Session::finish() {
  queued_.clear();
  awaiting_.clear();
  in_flight_octets_ = 0;
  set_state(State::finished);
}

void Session::quit_with(Error error) {
  if (in_transaction()) {
    // Only an internal error ends the session in the middle of a transaction with a QUIT.
    abandon_transactions(error);
  }
  error_ = std::move(error);
  output_.clear();
  send_line("QUIT");
  finish();
}

void Session::abandon(Error error, std::optional<Error> unsent) {
  abandon_transactions(error, unsent ? &*unsent : nullptr);
  error_ = unsent ? std::move(*unsent) : std::move(error);
  output_.clear();
  finish();
}

void Session::abandon_transactions(const Error& error, const Error* unsent) {
  while (in_transaction()) {
    Transaction& transaction = replying();
    transaction.outcome.error = transaction.dot_sent || unsent == nullptr ? error : *unsent;
    transaction.outcome.state =
        transaction.dot_sent ? TransactionState::delivery_unknown : TransactionState::not_sent;
    end_transaction();
  }
}

void Session::fail_transaction(Error error, TransactionState state) {
  Transaction& transaction = replying();
  transaction.outcome.error = std::move(error);
  transaction.outcome.state = state;
  // RFC 5321 §4.1.1.5: a transaction that ended after MAIL and before the end of its message is
  // still open on the server's side; RSET clears it before the next MAIL.
  rset_needed_ = transaction.mail_sent && !transaction.dot_sent;
  end_transaction();
  after_transaction();
}

void Session::end_transaction() {
  last_accepted_ = replying().outcome.accepted();
  ended_.push_back(std::move(replying().outcome));
  transactions_.pop_front();
  // A transaction refused before MAIL (its envelope failed the checks) while an older one was
  // still open ends in its turn, so that outcomes come in the order transactions started.
  while (in_transaction() && replying().refused_before_mail) {
    last_accepted_ = false;
    ended_.push_back(std::move(replying().outcome));
    transactions_.pop_front();
  }
}

void Session::after_transaction() {
  if (in_transaction()) {
    return;  // the next one was pipelined behind this one; its replies come next
  }
  if (!quit_sent_) {
    return set_state(State::ready);
  }
  if (last_accepted_) {
    return set_state(State::quit);  // QUIT went out behind the dot; its reply comes next
  }
  finish();  // QUIT went with the dot; after a refusal its reply changes nothing
}

void Session::trace_info(std::string_view text) {
  if (trace_.enabled()) {
    trace_.info(text);
  }
}

void Session::require_no_control_bytes(std::string_view line) {
  for (const char c : line) {
    if (is_control_byte(c)) {
      // The callers check what they put into a command; reaching this is a bug. The line itself
      // is left out of the message, as it may carry a secret.
      throw Failure(ErrorKind::internal,
                    "refusing to send a command that contains a control character");
    }
  }
}

void Session::send_line(std::string_view line, std::string_view traced_as) {
  require_no_control_bytes(line);
  output_ += line;
  output_ += "\r\n";
  trace_.client(traced_as.empty() ? line : traced_as, in_tls_);
}

void Session::send_command(std::string_view line, Expected expected, std::string_view traced_as) {
  send_line(line, traced_as);
  expected.octets = line.size() + 2;
  if (in_transaction() && expected.transaction == 0) {
    expected.transaction = sending().id;
  }
  in_flight_octets_ += expected.octets;
  queued_.push_back(expected);
}

void Session::on_reply(const Reply& reply) {
  if (state_ == State::quit) {
    finish();  // whatever the reply to QUIT after delivery, the outcome stands
    return;
  }
  if (reply.code == service_closing) {
    abandon(closing_error(to_server_reply(reply), state_activity(state_)));
    return;
  }
  if (state_ == State::body && awaiting_.empty()) {
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
    case State::rset:
      return on_rset_reply(reply);
    case State::mail:
      return on_mail_reply(reply);
    case State::rcpt:
      return on_rcpt_reply(reply, expected.recipient);
    case State::data:
      return on_data_reply(reply);
    case State::bdat:
      return on_bdat_reply(reply);
    case State::discard:
      return trace_info("the reply to a BDAT chunk of a transaction already ended is ignored");
    case State::dot:
      return on_final_reply(reply);
    default:
      throw Failure(ErrorKind::internal, fmt::format("a reply was expected in state '{}'",
                                                     smtp::state_name(expected.state)));
  }
}

void Session::unexpected(const Reply& reply, std::string_view command) {
  throw Failure(unexpected_reply_error(to_server_reply(reply), command));
}

void Session::refused(const Reply& reply, std::string_view what) {
  if (in_transaction()) {
    return fail_transaction(refusal_error(to_server_reply(reply), what), TransactionState::refused);
  }
  quit_with(refusal_error(to_server_reply(reply), what));
}

void Session::on_greeting_reply(const Reply& reply) {
  if (reply.code == 220) {
    return send_ehlo();
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "the greeting");
  }
  // RFC 5321 §3.1: after a 554 greeting the client should still send QUIT.
  refused(reply, "the connection (greeting)");
}

void Session::check_ehlo_domain() const {
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

void Session::send_ehlo() {
  check_ehlo_domain();
  set_state(State::ehlo);
  send_command("EHLO " + config_.ehlo_domain, {State::ehlo});
}

void Session::on_ehlo_reply(const Reply& reply) {
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

void Session::send_helo() {
  check_ehlo_domain();
  set_state(State::helo);
  send_command("HELO " + config_.ehlo_domain, {State::helo});
}

void Session::on_helo_reply(const Reply& reply) {
  if (reply.code == 250) {
    capabilities_ = Capabilities{};  // HELO means no service extensions (RFC 5321 §4.1.1.1)
    return after_hello();
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "HELO");
  }
  refused(reply, "HELO");
}

void Session::after_hello() {
  if (config_.tls == TlsMode::starttls && !in_tls_) {
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
  set_state(State::ready);
}

void Session::send_starttls() {
  set_state(State::starttls);
  send_command("STARTTLS", {State::starttls});
}

void Session::on_starttls_reply(const Reply& reply) {
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

std::string Session::plaintext_after_starttls_message() {
  return "the server sent more data after its 220 reply to STARTTLS, before TLS was up; that "
         "data could have been injected by an attacker (RFC 3207 §6), so the connection was "
         "closed";
}

Session::Session(SessionConfig config, trace::Sink& trace)
    : config_(std::move(config)), trace_(trace) {
  // With implicit TLS the transport is encrypted before the greeting (RFC 8314 §3.3).
  in_tls_ = config_.tls == TlsMode::smtps;
  awaiting_.push_back({State::greeting});
}

Session::~Session() {
  if (config_.credentials) {
    wipe(config_.credentials->password);
  }
  for (auto& secret : sent_secrets_) {
    wipe(secret);
  }
  if (held_response_) {
    wipe(*held_response_);
  }
  if (channel_binding_) {
    wipe(channel_binding_->data);
  }
}

template <typename Operation>
void Session::guarded(Operation&& operation) {
  try {
    operation();
  } catch (const Failure& failure) {
    handle_failure(failure.error());
  }
}

void Session::handle_failure(Error error) {
  if (state_ == State::quit) {
    // The server accepted the message; whatever goes wrong around QUIT changes nothing.
    trace_info("after delivery: " + error.message);
    output_.clear();
    finish();
    return;
  }
  // After a protocol or I/O failure the reply boundaries are unknown; anything else happened
  // between commands, so the connection is still usable: for the next transaction when the
  // failure was the transaction's own, else for a polite QUIT.
  if (error.kind == ErrorKind::protocol || error.kind == ErrorKind::io) {
    if (awaiting_final_reply()) {
      // The whole message went out: whatever broke, the server may have taken it; a message
      // behind it was not sent.
      Error unsent = error;
      error.message += unconfirmed_delivery_note();
      return abandon(std::move(error), std::move(unsent));
    }
    abandon(std::move(error));
  } else {
    quit_with(std::move(error));
  }
}

void Session::receive(std::string_view bytes) {
  guarded([&] { receive_bytes(bytes); });
}

void Session::connection_lost(std::string_view what) {
  guarded([&] { lose_connection(what); });
}

void Session::transport_failed(Error error) {
  guarded([&] { fail_transport(error); });
}

void Session::fresh_secret(std::optional<std::string> secret) {
  guarded([&] { take_fresh_secret(std::move(secret)); });
}

void Session::tls_started() {
  guarded([&] { start_tls_done(); });
}

void Session::start_transaction(Envelope envelope) {
  guarded([&] { begin_transaction(std::move(envelope)); });
}

void Session::body(std::string_view chunk) {
  guarded([&] { add_body(chunk); });
}

void Session::end_of_body() {
  guarded([&] { finish_body(); });
}

void Session::message_failed(Error error) {
  if (state_ == State::finished) {
    return;
  }
  trace_info(
      "the message could not be read to its end; closing the connection without the "
      "final dot");
  error.message +=
      " (the connection was closed before the end of the message: the message was not sent)";
  abandon(std::move(error));
}

void Session::quit() {
  guarded([&] { send_quit(); });
}

void Session::send_quit() {
  if (next_step() != Step::ready) {
    throw Failure(ErrorKind::internal,
                  fmt::format("quit() was called in state '{}'", smtp::state_name(state_)));
  }
  quit_sent_ = true;
  if (state_ == State::dot) {
    // RFC 2920 §3.1: QUIT may follow the end of data in the same group, which saves the round
    // trip after the reply to the dot; that reply is still read first.
    send_command("QUIT", {State::quit});
    return;
  }
  send_line("QUIT");
  if (!last_accepted_) {
    // Nothing is left to learn from the server: its reply to QUIT is not awaited.
    return finish();
  }
  set_state(State::quit);
}

TransactionOutcome Session::take_transaction_outcome() {
  if (ended_.empty()) {
    throw std::logic_error("take_transaction_outcome() without an ended transaction");
  }
  TransactionOutcome outcome = std::move(ended_.front());
  ended_.pop_front();
  return outcome;
}

bool Session::awaiting_final_reply() const {
  return std::any_of(transactions_.begin(), transactions_.end(),
                     [](const Transaction& transaction) { return transaction.dot_sent; });
}

std::chrono::seconds Session::reply_time_limit() const {
  using std::chrono::minutes;
  switch (awaiting_.empty() ? state_ : awaiting_.front().state) {
    case State::data:
      return minutes(2);  // §4.5.3.2.4 DATA initiation
    case State::dot:
      return minutes(10);  // §4.5.3.2.6 DATA termination: the server may be delivering
    default:
      return minutes(5);  // §4.5.3.2.1-3 greeting, MAIL, RCPT; the others as the server's own
  }
}

std::string_view Session::state_name() const {
  return smtp::state_name(state_);
}

}  // namespace smtpsend::smtp
