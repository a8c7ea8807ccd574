// The mail transaction (RFC 5321 §3.3): MAIL, RCPT for each recipient, DATA, the body and the
// final dot; pipelined as one flight when the server offers PIPELINING (RFC 2920).

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "common/ascii.hpp"
#include "smtp/command_text.hpp"
#include "smtp/session_errors.hpp"
#include "smtp/session_impl.hpp"

namespace smtpsend::smtp {
namespace {

// RFC 5321 §4.1.1.4: after the final dot only 250 means the server took responsibility for the
// message; any other success or intermediate code leaves the outcome unknown.
constexpr int message_accepted = 250;

// Addresses reach MAIL and RCPT verbatim between angle brackets; a control byte or a bracket in
// one would change the command (see command_text.hpp).
void check_address_is_one_line(std::string_view address) {
  bool bad = false;
  for (const char c : address) {
    bad = bad || is_control_byte(c) || c == '<' || c == '>';
  }
  if (bad) {
    throw Failure(ErrorKind::data,
                  fmt::format("the address \"{}\" contains a control character or an angle "
                              "bracket; nothing was sent. Check the addresses given",
                              escape_control_bytes(address)));
  }
}

}  // namespace

void Session::Impl::send_envelope() {
  check_envelope();
  send_mail();
  if (capabilities_.pipelining) {
    // RFC 2920 §3.1: MAIL, RCPT and DATA may go in one flight; their replies come in order.
    send_pipelined_envelope();
  }
}

bool Session::Impl::pipeline_has_room(std::string_view line) const {
  const std::size_t commands = awaiting_.size() + queued_.size();
  if (commands == 0) {
    return true;  // one command always goes, however long
  }
  return commands < max_pipelined_commands &&
         in_flight_octets_ + line.size() + 2 <= max_pipelined_octets;
}

void Session::Impl::send_pipelined_envelope() {
  if (mail_error_) {
    // The sender was refused: the RCPTs not yet sent would be refused too (RFC 5321 §4.1.1.2
    // needs a MAIL first), and DATA with them. Wait for what is out, then end.
    if (awaiting_.empty() && queued_.empty()) {
      quit_with(*mail_error_);
    }
    return;
  }
  while (rcpts_sent_ < envelope_.recipients.size()) {
    if (!pipeline_has_room(rcpt_command(rcpts_sent_))) {
      return;  // more goes out as replies come in
    }
    send_rcpt(rcpts_sent_++);
  }
  if (!data_sent_ && pipeline_has_room("DATA")) {
    send_data();
  }
}

void Session::Impl::check_envelope() const {
  if (envelope_.recipients.empty()) {
    throw Failure(ErrorKind::usage, "no recipients were given; nothing was sent");
  }
  // A line end inside an address would end the command early and smuggle in another.
  check_address_is_one_line(envelope_.mail_from);
  for (const auto& recipient : envelope_.recipients) {
    check_address_is_one_line(recipient);
  }
  if (envelope_.body_8bit_required && !capabilities_.eightbitmime) {
    // RFC 6152 §3: 8-bit data may be sent only to a server that announced 8BITMIME.
    throw Failure(ErrorKind::data,
                  "the message contains 8-bit data, but the server does not offer 8BITMIME "
                  "(RFC 6152); nothing was sent. Send the message as 7-bit (e.g. encode its "
                  "text as quoted-printable or base64), or use another server");
  }
  if (envelope_.smtputf8 && !capabilities_.smtputf8) {
    throw Failure(ErrorKind::data,
                  "the message needs SMTPUTF8 (non-ASCII addresses or headers), but the server "
                  "does not offer it (RFC 6531); nothing was sent. Use ASCII addresses, or a "
                  "server that supports SMTPUTF8");
  }
  const auto limit = capabilities_.size.value_or(0);
  if (limit > 0 && envelope_.size && *envelope_.size > limit) {
    throw Failure(ErrorKind::data,
                  fmt::format("the message is {} bytes, more than the {} bytes the server "
                              "accepts (its SIZE limit, RFC 1870); nothing was sent. Make the "
                              "message (or its attachments) smaller",
                              *envelope_.size, limit));
  }
}

void Session::Impl::send_mail() {
  std::string line = fmt::format("MAIL FROM:<{}>", envelope_.mail_from);
  if (capabilities_.size && envelope_.size) {
    line += fmt::format(" SIZE={}", *envelope_.size);  // RFC 1870 §6
  }
  if ((envelope_.body_8bit || envelope_.body_8bit_required) && capabilities_.eightbitmime) {
    line += " BODY=8BITMIME";  // RFC 6152 §3
  }
  if (envelope_.smtputf8 && capabilities_.smtputf8) {
    line += " SMTPUTF8";  // RFC 6531 §3.4
  }
  const bool dsn_asked = !envelope_.dsn_notify.empty() || !envelope_.dsn_return.empty() ||
                         !envelope_.dsn_envelope_id.empty();
  if (dsn_asked && capabilities_.dsn) {
    if (!envelope_.dsn_return.empty()) {
      line += " RET=" + ascii_upper(envelope_.dsn_return);  // RFC 3461 §4.3
    }
    if (!envelope_.dsn_envelope_id.empty()) {
      line += " ENVID=" + xtext(envelope_.dsn_envelope_id);  // RFC 3461 §4.4
    }
  } else if (dsn_asked) {
    outcome_.warnings.emplace_back(
        "the server does not offer DSN (RFC 3461), so the delivery notification settings "
        "(-N, -R, -V, dsn_notify, dsn_return) were left out");
  }
  set_state(State::mail);
  send_command(line, {State::mail});
}

void Session::Impl::on_mail_reply(const Reply& reply) {
  if (reply.positive()) {
    if (!capabilities_.pipelining) {
      send_rcpt(0);
    }
    set_state(State::rcpt);
    if (capabilities_.pipelining) {
      send_pipelined_envelope();
    }
    return;
  }
  if (reply.intermediate()) {
    unexpected(reply, "MAIL FROM");
  }
  const std::string what = fmt::format("the sender <{}> (MAIL FROM)", envelope_.mail_from);
  mail_error_ = reply.code == exceeded_storage
                    ? message_too_large_error(to_server_reply(reply), what)
                    : refusal_error(to_server_reply(reply), what);
  if (!capabilities_.pipelining) {
    return quit_with(*mail_error_);
  }
  set_state(State::rcpt);  // the replies to the pipelined RCPTs and DATA still come
  send_pipelined_envelope();
}

std::string Session::Impl::rcpt_command(std::size_t index) const {
  std::string line = fmt::format("RCPT TO:<{}>", envelope_.recipients[index]);
  if (capabilities_.dsn && !envelope_.dsn_notify.empty()) {
    line += " NOTIFY=" + ascii_upper(envelope_.dsn_notify);  // RFC 3461 §4.1
  }
  return line;
}

void Session::Impl::send_rcpt(std::size_t index) {
  if (!capabilities_.pipelining) {
    set_state(State::rcpt);
  }
  send_command(rcpt_command(index), {State::rcpt, index});
}

void Session::Impl::on_rcpt_reply(const Reply& reply, std::size_t index) {
  if (reply.intermediate()) {
    unexpected(reply, "RCPT TO");
  }
  ServerReply kept = brief_reply(
      reply, std::min(max_kept_reply_line, max_kept_recipient_replies - kept_reply_text_));
  kept_reply_text_ += kept.text.size();
  outcome_.recipients.push_back(
      RecipientResult{envelope_.recipients[index], reply.positive(), std::move(kept)});
  const bool last = index + 1 == envelope_.recipients.size();
  if (capabilities_.pipelining) {
    set_state(last ? State::data : State::rcpt);
    return send_pipelined_envelope();
  }
  if (!last) {
    return send_rcpt(index + 1);
  }
  if (any_recipient_refused()) {
    // Policy: nothing half-sent. Not every recipient was accepted, so DATA is never sent.
    return quit_with(recipients_refused_error(outcome_.recipients));
  }
  send_data();
}

bool Session::Impl::any_recipient_refused() const {
  for (const auto& recipient : outcome_.recipients) {
    if (!recipient.accepted) {
      return true;
    }
  }
  return false;
}

void Session::Impl::send_data() {
  if (!capabilities_.pipelining) {
    set_state(State::data);
  }
  data_sent_ = true;
  send_command("DATA", {State::data});
}

void Session::Impl::on_data_reply(const Reply& reply) {
  std::optional<Error> envelope_error = mail_error_;
  if (!envelope_error && any_recipient_refused()) {
    envelope_error = recipients_refused_error(outcome_.recipients);
  }
  if (reply.code == 354) {
    if (envelope_error) {
      // RFC 5321 §4.1.1.4: closing the connection before the final dot makes the server
      // discard the transaction; that is the only way to take back a pipelined DATA.
      trace_info("abandoning the transaction: closing the connection without the final dot");
      return abandon(*envelope_error);
    }
    set_state(State::body);
    body_trace_.emplace(trace_, in_tls_);
    return;
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "DATA");
  }
  if (envelope_error) {
    return quit_with(*envelope_error);
  }
  refused(reply, "DATA");
}

void Session::Impl::body(std::string_view chunk) {
  if (state_ == State::finished) {
    return;  // the session already ended (e.g. 421 while streaming); outcome() says why
  }
  require_body_state("body()");
  const std::size_t start = output_.size();
  dot_stuffer_.add(chunk, output_);
  body_trace_->add(std::string_view(output_).substr(start));
}

void Session::Impl::end_of_body() {
  if (state_ == State::finished) {
    return;
  }
  require_body_state("end_of_body()");
  if (parser_.has_pending_input()) {
    // Part of a reply came in while the message was being sent; it cannot be the start of the
    // reply to a dot the server has not seen (RFC 5321 §4.1.1.4), so the dot is not sent.
    throw Failure(early_reply_error(std::nullopt));
  }
  std::string tail;
  dot_stuffer_.finish(tail);
  constexpr std::string_view terminator = ".\r\n";
  body_trace_->add(std::string_view(tail).substr(0, tail.size() - terminator.size()));
  body_trace_->finish();
  set_state(State::dot);
  trace_.client(".", in_tls_);
  output_ += tail;
  queued_.push_back({State::dot});
  if (capabilities_.pipelining) {
    // RFC 2920 §3.1: QUIT may follow the end of data in the same group, which saves the round
    // trip after the reply to the dot; that reply is still read first.
    send_command("QUIT", {State::quit});
  }
}

void Session::Impl::require_body_state(std::string_view call) const {
  if (state_ != State::body) {
    throw Failure(ErrorKind::internal, fmt::format("{} was called in state '{}', not after "
                                                   "DATA was accepted",
                                                   call, smtp::state_name(state_)));
  }
}

void Session::Impl::on_dot_reply(const Reply& reply) {
  const bool quit_sent = capabilities_.pipelining;  // in the flight of the dot (end_of_body)
  if (reply.code == message_accepted) {
    outcome_.delivered = true;
    outcome_.final_reply = to_server_reply(reply);
    trace_info("the server accepted the message");
    set_state(State::quit);
    if (!quit_sent) {
      send_line("QUIT");
    }
    return;
  }
  if (reply.positive() || reply.intermediate()) {
    return abandon(unconfirmed_message_error(to_server_reply(reply)));
  }
  Error error = message_refused_error(to_server_reply(reply));
  if (quit_sent) {
    return abandon(std::move(error));  // QUIT went with the dot; its reply changes nothing
  }
  quit_with(std::move(error));
}

}  // namespace smtpsend::smtp
