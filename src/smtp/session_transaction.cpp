// The mail transaction (RFC 5321 §3.3): MAIL, RCPT for each recipient, DATA, the body and the
// final dot; pipelined as one flight when the server offers PIPELINING (RFC 2920). RSET before
// MAIL when the transaction before ended half-way.

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "common/ascii.hpp"
#include "smtp/command_text.hpp"
#include "smtp/session_errors.hpp"

namespace smtpsend::smtp {
namespace {

// RFC 5321 §4.5.3.1.10: the reply to a RCPT past the server's recipient limit.
constexpr int too_many_recipients = 452;
// RFC 5321 §4.5.3.1.8: a server must accept at least this many recipients in a transaction.
constexpr std::size_t min_recipient_limit = 100;

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

void Session::begin_transaction(Envelope envelope) {
  if (next_step() != Step::ready) {
    throw Failure(ErrorKind::internal, fmt::format("start_transaction() was called in state '{}'",
                                                   smtp::state_name(state_)));
  }
  transactions_.emplace_back();
  Transaction& transaction = sending();
  transaction.id = ++transactions_started_;
  transaction.envelope = std::move(envelope);
  try {
    check_envelope(transaction.envelope);
  } catch (const Failure& failure) {
    // Nothing was sent for this message; the connection serves the next one.
    transaction.outcome.error = failure.error();
    transaction.refused_before_mail = true;
    if (transactions_.size() == 1) {
      end_transaction();
    }
    return;
  }
  if (rset_needed_) {
    rset_needed_ = false;
    send_rset();
    if (!capabilities_.pipelining) {
      return;  // MAIL follows RSET's reply
    }
  }
  send_envelope();
}

void Session::send_rset() {
  set_state(State::rset);
  send_command("RSET", {State::rset});
}

void Session::on_rset_reply(const Reply& reply) {
  if (reply.positive()) {
    if (!capabilities_.pipelining) {
      send_envelope();
    }
    return;
  }
  // A server that cannot reset a transaction cannot be trusted with the next one.
  quit_with(refusal_error(to_server_reply(reply), "RSET"));
}

void Session::send_envelope() {
  // RFC 3030 §2: with CHUNKING the message goes in BDAT chunks framed by their length, without
  // dot-stuffing; DATA otherwise.
  sending().bdat = capabilities_.chunking;
  send_mail();
  if (capabilities_.pipelining) {
    // RFC 2920 §3.1: MAIL, RCPT and DATA may go in one flight; their replies come in order.
    send_pipelined_envelope();
  }
}

bool Session::pipeline_has_room(std::string_view line) const {
  const std::size_t commands = awaiting_.size() + queued_.size();
  if (commands == 0) {
    return true;  // one command always goes, however long
  }
  return commands < max_pipelined_commands &&
         in_flight_octets_ + line.size() + 2 <= max_pipelined_octets;
}

void Session::send_pipelined_envelope() {
  Transaction& transaction = sending();
  if (transaction.mail_error) {
    // The sender was refused: the RCPTs not yet sent would be refused too (RFC 5321 §4.1.1.2
    // needs a MAIL first), and DATA with them. Wait for what is out, then end.
    if (awaiting_.empty() && queued_.empty()) {
      fail_transaction(*transaction.mail_error, TransactionState::refused);
    }
    return;
  }
  const Envelope& envelope = transaction.envelope;
  while (transaction.rcpts_sent < envelope.recipients.size()) {
    if (!pipeline_has_room(rcpt_command(envelope, transaction.rcpts_sent))) {
      return;  // more goes out as replies come in
    }
    send_rcpt(transaction.rcpts_sent++);
  }
  if (transaction.bdat) {
    if (transaction.data_sent) {
      return;
    }
    if (body_may_precede_rcpt_replies()) {
      // RFC 3030 §4.2 with RFC 2920: the chunks may follow the envelope in its flight.
      transaction.data_sent = true;
      return start_body();
    }
    if (transaction.outcome.recipients.size() == envelope.recipients.size()) {
      if (auto error = envelope_error(transaction)) {
        return fail_transaction(std::move(*error), TransactionState::refused);
      }
      transaction.data_sent = true;
      start_body();
    }
    return;
  }
  if (!transaction.data_sent && pipeline_has_room("DATA")) {
    send_data();
  }
}

bool Session::may_defer_recipients(const Transaction& transaction) {
  const auto& recipients = transaction.outcome.recipients;
  if (std::any_of(recipients.begin(), recipients.end(),
                  [](const RecipientResult& recipient) { return recipient.deferred; })) {
    return true;
  }
  // Replies still to come can defer only past the 100 recipients every server must take (RFC
  // 5321 §4.5.3.1.8); below that, what follows the message need not wait for them.
  return transaction.envelope.recipients.size() > min_recipient_limit &&
         recipients.size() < transaction.envelope.recipients.size();
}

bool Session::body_may_precede_rcpt_replies() const {
  // One recipient: if it is refused, the server refuses the message too, and nobody gets it.
  // Several: only when the user allowed delivery to some of them (partial_delivery); otherwise
  // the promise holds that nobody gets the message unless everybody can.
  return transactions_.back().envelope.recipients.size() == 1 || config_.partial_delivery;
}

std::optional<Error> Session::envelope_error(const Transaction& transaction) const {
  if (transaction.mail_error) {
    return transaction.mail_error;
  }
  const auto& recipients = transaction.outcome.recipients;
  const bool any_refused = std::any_of(recipients.begin(), recipients.end(),
                                       [](const auto& r) { return !r.accepted && !r.deferred; });
  const bool any_accepted =
      std::any_of(recipients.begin(), recipients.end(), [](const auto& r) { return r.accepted; });
  // Recipients past the server's limit go in a further transaction; they need an accepted one
  // in this.
  if (any_accepted && (!any_refused || config_.partial_delivery)) {
    return std::nullopt;
  }
  if (!any_refused && !any_accepted && recipients.empty()) {
    return std::nullopt;
  }
  return recipients_refused_error(recipients);
}

void Session::check_envelope(const Envelope& envelope) const {
  if (envelope.recipients.empty()) {
    throw Failure(ErrorKind::usage, "no recipients were given; nothing was sent");
  }
  // A line end inside an address would end the command early and smuggle in another.
  check_address_is_one_line(envelope.mail_from);
  for (const auto& recipient : envelope.recipients) {
    check_address_is_one_line(recipient);
  }
  if (envelope.body_8bit_required && !capabilities_.eightbitmime) {
    // RFC 6152 §3: 8-bit data may be sent only to a server that announced 8BITMIME.
    throw Failure(ErrorKind::data,
                  "the message contains 8-bit data, but the server does not offer 8BITMIME "
                  "(RFC 6152); nothing was sent. Send the message as 7-bit (e.g. encode its "
                  "text as quoted-printable or base64), or use another server");
  }
  if (envelope.body_binary && !(capabilities_.binarymime && capabilities_.chunking)) {
    throw Failure(ErrorKind::data,
                  "the message contains binary data, but the server does not offer BINARYMIME "
                  "and CHUNKING (RFC 3030); nothing was sent. Encode its binary parts as base64, "
                  "or use another server");
  }
  if (envelope.smtputf8 && !capabilities_.smtputf8) {
    throw Failure(ErrorKind::data,
                  "the message needs SMTPUTF8 (non-ASCII addresses or headers), but the server "
                  "does not offer it (RFC 6531); nothing was sent. Use ASCII addresses, or a "
                  "server that supports SMTPUTF8");
  }
  const auto limit = capabilities_.size.value_or(0);
  if (limit > 0 && envelope.size && *envelope.size > limit) {
    throw Failure(ErrorKind::data,
                  fmt::format("the message is {} bytes, more than the {} bytes the server "
                              "accepts (its SIZE limit, RFC 1870); nothing was sent. Make the "
                              "message (or its attachments) smaller",
                              *envelope.size, limit));
  }
}

void Session::send_mail() {
  Transaction& transaction = sending();
  const Envelope& envelope = transaction.envelope;
  std::string line = fmt::format("MAIL FROM:<{}>", envelope.mail_from);
  if (capabilities_.size && envelope.size) {
    line += fmt::format(" SIZE={}", *envelope.size);  // RFC 1870 §6
  }
  if ((envelope.body_binary || envelope.body_8bit_required) && capabilities_.binarymime &&
      capabilities_.chunking) {
    // RFC 3030 §3: a prepared message with 8-bit or binary content goes as it is, in BDAT.
    line += " BODY=BINARYMIME";
  } else if ((envelope.body_8bit || envelope.body_8bit_required) && capabilities_.eightbitmime) {
    line += " BODY=8BITMIME";  // RFC 6152 §3
  }
  if (envelope.smtputf8 && capabilities_.smtputf8) {
    line += " SMTPUTF8";  // RFC 6531 §3.4
  }
  const bool dsn_asked = !envelope.dsn_notify.empty() || !envelope.dsn_return.empty() ||
                         !envelope.dsn_envelope_id.empty();
  if (dsn_asked && capabilities_.dsn) {
    if (!envelope.dsn_return.empty()) {
      line += " RET=" + ascii_upper(envelope.dsn_return);  // RFC 3461 §4.3
    }
    if (!envelope.dsn_envelope_id.empty()) {
      line += " ENVID=" + xtext(envelope.dsn_envelope_id);  // RFC 3461 §4.4
    }
  } else if (dsn_asked) {
    transaction.outcome.warnings.emplace_back(
        "the server does not offer DSN (RFC 3461), so the delivery notification settings "
        "(-N, -R, -V, dsn_notify, dsn_return) were left out");
  }
  set_state(State::mail);
  transaction.mail_sent = true;
  send_command(line, {State::mail});
}

void Session::on_mail_reply(const Reply& reply) {
  Transaction& transaction = replying();
  // Under PIPELINING the body may already be going out in BDAT chunks (RFC 3030 §4.2).
  const bool body_under_way = transaction.bdat && transaction.data_sent;
  if (reply.positive()) {
    if (body_under_way) {
      return;
    }
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
  const std::string what =
      fmt::format("the sender <{}> (MAIL FROM)", transaction.envelope.mail_from);
  transaction.mail_error = reply.code == exceeded_storage
                               ? message_too_large_error(to_server_reply(reply), what)
                               : refusal_error(to_server_reply(reply), what);
  if (!capabilities_.pipelining) {
    return fail_transaction(*transaction.mail_error, TransactionState::refused);
  }
  if (body_under_way) {
    if (state_ == State::body) {
      drop_unsent_chunks();
      return fail_transaction(*transaction.mail_error, TransactionState::refused);
    }
    return;  // BDAT LAST went out; its reply ends the transaction
  }
  set_state(State::rcpt);  // the replies to the pipelined RCPTs and DATA still come
  send_pipelined_envelope();
}

std::string Session::rcpt_command(const Envelope& envelope, std::size_t index) const {
  std::string line = fmt::format("RCPT TO:<{}>", envelope.recipients[index]);
  if (capabilities_.dsn && !envelope.dsn_notify.empty()) {
    line += " NOTIFY=" + ascii_upper(envelope.dsn_notify);  // RFC 3461 §4.1
  }
  return line;
}

void Session::send_rcpt(std::size_t index) {
  if (!capabilities_.pipelining) {
    set_state(State::rcpt);
  }
  send_command(rcpt_command(sending().envelope, index), {State::rcpt, index});
}

void Session::on_rcpt_reply(const Reply& reply, std::size_t index) {
  if (reply.intermediate()) {
    unexpected(reply, "RCPT TO");
  }
  Transaction& transaction = replying();
  ServerReply kept = brief_reply(
      reply,
      std::min(max_kept_reply_line, max_kept_recipient_replies - transaction.kept_reply_text));
  transaction.kept_reply_text += kept.text.size();
  // RFC 5321 §4.5.3.1.10: 452 means too many recipients when it says so (4.5.3) or comes after
  // some were accepted; those from here on go in a further transaction.
  const auto& answered = transaction.outcome.recipients;
  const bool deferred =
      reply.code == too_many_recipients && transaction.envelope.recipients.size() > 1 &&
      (reply.enhanced == "4.5.3" ||
       std::any_of(answered.begin(), answered.end(),
                   [](const RecipientResult& r) { return r.accepted || r.deferred; }));
  transaction.outcome.recipients.push_back(RecipientResult{
      transaction.envelope.recipients[index], reply.positive(), deferred, std::move(kept)});
  const bool last = index + 1 == transaction.envelope.recipients.size();
  if (transaction.bdat && transaction.data_sent) {
    // The body went ahead of this reply: a refusal that leaves the message for nobody (or, without
    // partial_delivery, for fewer than all) stops what is left of it.
    auto error = envelope_error(transaction);
    if (error && state_ == State::body && (last || !config_.partial_delivery)) {
      drop_unsent_chunks();
      return fail_transaction(std::move(*error), TransactionState::refused);
    }
    return;
  }
  if (capabilities_.pipelining) {
    set_state(last ? State::data : State::rcpt);
    return send_pipelined_envelope();
  }
  if (!last) {
    return send_rcpt(index + 1);
  }
  if (auto error = envelope_error(transaction)) {
    // Policy: nothing half-sent. Not every recipient was accepted (and partial delivery was not
    // allowed), so the message is never sent.
    return fail_transaction(std::move(*error), TransactionState::refused);
  }
  if (transaction.bdat) {
    transaction.data_sent = true;
    return start_body();
  }
  send_data();
}

bool Session::any_recipient_refused(const TransactionOutcome& outcome) {
  return std::any_of(
      outcome.recipients.begin(), outcome.recipients.end(),
      [](const RecipientResult& recipient) { return !recipient.accepted && !recipient.deferred; });
}

void Session::send_data() {
  if (!capabilities_.pipelining) {
    set_state(State::data);
  }
  sending().data_sent = true;
  send_command("DATA", {State::data});
}

void Session::on_data_reply(const Reply& reply) {
  Transaction& transaction = replying();
  const std::optional<Error> refusal = envelope_error(transaction);
  if (reply.code == 354) {
    if (refusal) {
      // RFC 5321 §4.1.1.4: closing the connection before the final dot makes the server
      // discard the transaction; that is the only way to take back a pipelined DATA.
      trace_info("abandoning the transaction: closing the connection without the final dot");
      transaction.outcome.state = TransactionState::refused;
      return abandon(*refusal);
    }
    return start_body();
  }
  if (reply.positive() || reply.intermediate()) {
    unexpected(reply, "DATA");
  }
  if (refusal) {
    return fail_transaction(*refusal, TransactionState::refused);
  }
  refused(reply, "DATA");
}

void Session::start_body() {
  set_state(State::body);
  // RFC 3030 §2: BDAT frames the message by its length, so no dot-stuffing; CRLF line ends all
  // the same (RFC 5321 §2.3.8).
  dot_stuffer_ = DotStuffer(!sending().bdat);
  binary_body_ = sending().envelope.body_binary;
  bdat_buffer_.clear();
  body_trace_.emplace(trace_, in_tls_);
}

void Session::send_bdat(std::size_t size, bool last) {
  Transaction& transaction = sending();
  send_command(fmt::format("BDAT {}{}", size, last ? " LAST" : ""),
               {last ? State::dot : State::bdat});
  output_.append(bdat_buffer_, 0, size);
  bdat_buffer_.erase(0, size);
  if (last) {
    transaction.dot_sent = true;
    set_state(State::dot);
  } else if (!capabilities_.pipelining) {
    set_state(State::bdat);  // RFC 3030 §4.2: without PIPELINING each chunk waits for its reply
  }
}

void Session::send_full_chunks() {
  while (state_ == State::body && bdat_buffer_.size() >= bdat_chunk_size) {
    send_bdat(bdat_chunk_size, false);
  }
}

void Session::on_bdat_reply(const Reply& reply) {
  if (reply.positive()) {
    if (state_ == State::bdat) {
      set_state(State::body);
      send_full_chunks();
    }
    return;
  }
  if (reply.intermediate()) {
    unexpected(reply, "BDAT");
  }
  // RFC 3030 §2: after a refused chunk no more may follow; the server discards the message.
  Transaction& transaction = replying();
  Error error = envelope_error(transaction)
                    .value_or(refusal_error(to_server_reply(reply),
                                            "the message while it was being sent (BDAT)"));
  if (!transaction.dot_sent) {
    drop_unsent_chunks();
  } else {
    discard_replies_of(transaction.id);
  }
  fail_transaction(std::move(error), TransactionState::refused);
}

void Session::drop_unsent_chunks() {
  // Only this transaction's chunks are waiting to be written: nothing follows a body under way.
  for (const Expected& expected : queued_) {
    in_flight_octets_ -= expected.octets;
  }
  queued_.clear();
  output_.clear();
  bdat_buffer_.clear();
  discard_replies_of(replying().id);
}

void Session::discard_replies_of(std::uint64_t transaction) {
  for (Expected& expected : awaiting_) {
    if (expected.transaction == transaction) {
      expected.state = State::discard;
    }
  }
}

void Session::add_body(std::string_view chunk) {
  if (state_ == State::finished) {
    return;  // the session already ended (e.g. 421 while streaming); the outcome says why
  }
  require_body_state("body()");
  if (sending().bdat) {
    const std::size_t start = bdat_buffer_.size();
    if (binary_body_) {
      bdat_buffer_ += chunk;  // RFC 3030 §3: binary data goes as it is
    } else {
      dot_stuffer_.add(chunk, bdat_buffer_);
    }
    body_trace_->add(std::string_view(bdat_buffer_).substr(start));
    return send_full_chunks();
  }
  const std::size_t start = output_.size();
  dot_stuffer_.add(chunk, output_);
  body_trace_->add(std::string_view(output_).substr(start));
}

void Session::finish_body() {
  if (state_ == State::finished) {
    return;
  }
  require_body_state("end_of_body()");
  if (sending().bdat) {
    const std::size_t start = bdat_buffer_.size();
    if (!binary_body_) {
      dot_stuffer_.end_last_line(bdat_buffer_);
    }
    body_trace_->add(std::string_view(bdat_buffer_).substr(start));
    body_trace_->finish();
    return send_bdat(bdat_buffer_.size(), true);
  }
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
  queued_.push_back({State::dot, 0, 0, sending().id});
  sending().dot_sent = true;
}

void Session::require_body_state(std::string_view call) const {
  if (state_ != State::body) {
    throw Failure(ErrorKind::internal, fmt::format("{} was called in state '{}', not after "
                                                   "DATA was accepted",
                                                   call, smtp::state_name(state_)));
  }
}

void Session::on_final_reply(const Reply& reply) {
  Transaction& transaction = replying();
  if (transaction.bdat) {
    if (auto error = envelope_error(transaction)) {
      // The chunks went ahead of the RCPT replies, and those left nobody to deliver to: whatever
      // the server answered to BDAT LAST, nothing was delivered.
      return fail_transaction(std::move(*error), TransactionState::refused);
    }
  }
  if (reply.code == message_accepted) {
    transaction.outcome.state = TransactionState::accepted;
    transaction.outcome.final_reply = to_server_reply(reply);
    if (any_recipient_refused(transaction.outcome)) {
      transaction.outcome.warnings.push_back(
          partial_delivery_warning(transaction.outcome.recipients));
    }
    trace_info("the server accepted the message");
    rset_needed_ = false;
    end_transaction();
    return after_transaction();
  }
  if (reply.positive() || reply.intermediate()) {
    return abandon(unconfirmed_message_error(to_server_reply(reply)));
  }
  fail_transaction(message_refused_error(to_server_reply(reply)), TransactionState::refused);
}

}  // namespace smtpsend::smtp
