#pragma once
// The inside of Session, shared by the files that implement it: session.cpp (the driver-facing
// calls, greeting, EHLO/HELO, STARTTLS), session_auth.cpp (AUTH) and session_transaction.cpp
// (MAIL, RCPT, DATA, the body and the final dot). Each send_<command>() queues a command and
// its on_<command>_reply() handles the reply, as in curl's lib/smtp.c.

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/secret_wipe.hpp"
#include "smtp/auth.hpp"
#include "smtp/body_trace.hpp"
#include "smtp/dot_stuffer.hpp"
#include "smtp/reply_parser.hpp"
#include "smtp/session.hpp"
#include "smtp/session_errors.hpp"
#include "smtp/session_state.hpp"

namespace smtpsend::smtp {

// A command whose reply is still to come. Replies arrive in the order the commands were sent,
// also when several were sent in one flight (RFC 2920 §3.1).
struct Expected {
  State state;                // the state that handles the reply
  std::size_t recipient = 0;  // for State::rcpt: the index in Envelope::recipients
  std::size_t octets = 0;     // the command's length on the wire, CRLF included
};

class Session::Impl {
 public:
  Impl(SessionConfig config, Envelope envelope, trace::Sink& trace)
      : config_(std::move(config)), envelope_(std::move(envelope)), trace_(trace) {
    // With implicit TLS the transport is encrypted before the greeting (RFC 8314 §3.3).
    in_tls_ = config_.tls == TlsPolicy::implicit;
    awaiting_.push_back({State::greeting});
  }
  // The session's copy of the password goes with it, and leaves nothing in freed memory.
  ~Impl() {
    if (config_.credentials) {
      wipe(config_.credentials->password);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  // Runs `operation`, turning a Failure from inside the module into the outcome's error.
  template <typename Operation>
  void guarded(Operation&& operation) {
    try {
      operation();
    } catch (const Failure& failure) {
      if (outcome_.delivered) {
        // The server accepted the message; whatever goes wrong around QUIT changes nothing.
        trace_info("after delivery: " + failure.error().message);
        output_.clear();
        finish();
        return;
      }
      Error error = failure.error();
      // After a protocol or I/O failure the reply boundaries are unknown; anything else happened
      // between commands, so the connection is still usable for a polite QUIT.
      if (error.kind == ErrorKind::protocol || error.kind == ErrorKind::io) {
        if (awaiting_final_reply()) {
          // The whole message went out: whatever broke, the server may have taken it.
          error.message += unconfirmed_delivery_note();
        }
        abandon(std::move(error));
      } else {
        quit_with(std::move(error));
      }
    }
  }

  void receive(std::string_view bytes);
  void connection_lost(std::string_view what);
  std::string take_output();
  Step next_step() const;
  void tls_started();
  void body(std::string_view chunk);
  void end_of_body();

  const Outcome& outcome() const { return outcome_; }
  const Capabilities& capabilities() const { return capabilities_; }
  State state() const { return state_; }
  bool awaiting_final_reply() const { return state_ == State::dot; }
  // The state that will handle the next reply.
  State awaited() const { return awaiting_.empty() ? state_ : awaiting_.front().state; }
  std::size_t replies_received() const { return replies_received_; }

 private:
  // ---- the one place the state changes, and the ways a session ends --------------------------
  void set_state(State next);
  void finish();
  // Ends the session after an error while the connection is usable: QUIT, then close.
  void quit_with(Error error);
  // Ends the session without another byte: the connection is closed or its state unknown.
  void abandon(Error error);

  // ---- output and trace -----------------------------------------------------------------------
  void trace_info(std::string_view text);
  // Queues a line; `traced_as` replaces it in the trace when it carries a secret.
  void send_line(std::string_view line, std::string_view traced_as = {});
  // Queues a command line whose reply will be handled in `expected.state`.
  void send_command(std::string_view line, Expected expected, std::string_view traced_as = {});
  // The session's own commands never carry a line end or other control byte (RFC 5321 §2.3.8):
  // one inside an argument would end the command early and smuggle in another.
  static void require_no_control_bytes(std::string_view line);

  // ---- replies --------------------------------------------------------------------------------
  void on_reply(const Reply& reply);
  // A reply whose code is neither the success nor a failure code of its command.
  [[noreturn]] void unexpected(const Reply& reply, std::string_view command);
  // Ends the session after the server refused `what`: 4xx -> temporary, 5xx -> unavailable.
  void refused(const Reply& reply, std::string_view what);

  // ---- greeting, EHLO, HELO (session.cpp) -----------------------------------------------------
  void on_greeting_reply(const Reply& reply);
  // Refuses an --ehlo name that is not one word of printable ASCII (RFC 5321 §4.1.1.1).
  void check_ehlo_domain() const;
  void send_ehlo();
  void on_ehlo_reply(const Reply& reply);
  void send_helo();
  void on_helo_reply(const Reply& reply);
  // What follows a successful EHLO or HELO: STARTTLS, AUTH or the transaction.
  void after_hello();

  // ---- STARTTLS (session.cpp) -----------------------------------------------------------------
  void send_starttls();
  void on_starttls_reply(const Reply& reply);
  static std::string plaintext_after_starttls_message();

  // ---- AUTH (session_auth.cpp) ----------------------------------------------------------------
  void send_auth();
  void on_auth_reply(const Reply& reply);
  // LOGIN: the server prompts for the user name, then the password, each with a 334.
  void send_login_response(const Reply& reply);

  // ---- MAIL, RCPT, DATA, body, final dot (session_transaction.cpp) ----------------------------
  void send_envelope();
  // Under PIPELINING: the RCPTs not sent yet, then DATA, as far as the window of unanswered
  // commands (max_pipelined_commands, max_pipelined_octets) allows; called again as replies come.
  void send_pipelined_envelope();
  bool pipeline_has_room(std::string_view line) const;
  // Refuses, before MAIL, a message the server has said it cannot take.
  void check_envelope() const;
  void send_mail();
  void on_mail_reply(const Reply& reply);
  std::string rcpt_command(std::size_t index) const;
  void send_rcpt(std::size_t index);
  void on_rcpt_reply(const Reply& reply, std::size_t index);
  bool any_recipient_refused() const;
  void send_data();
  void on_data_reply(const Reply& reply);
  void require_body_state(std::string_view call) const;
  void on_dot_reply(const Reply& reply);

  SessionConfig config_;
  Envelope envelope_;
  trace::Sink& trace_;
  ReplyParser parser_;
  Capabilities capabilities_;
  Outcome outcome_;
  State state_ = State::greeting;
  bool in_tls_ = false;
  std::string output_;            // the flight being assembled
  std::vector<Expected> queued_;  // commands in output_, not yet taken by the driver
  std::size_t replies_received_ = 0;
  std::deque<Expected> awaiting_;     // commands written whose replies have not arrived
  std::size_t in_flight_octets_ = 0;  // the length of the commands in queued_ and awaiting_
  std::size_t rcpts_sent_ = 0;        // under PIPELINING: RCPTs sent so far, in order
  bool data_sent_ = false;
  std::size_t kept_reply_text_ = 0;  // text kept in outcome_.recipients' replies so far
  AuthMechanism mechanism_ = AuthMechanism::plain;
  int login_responses_sent_ = 0;
  std::optional<Error> mail_error_;  // MAIL refused while RCPT and DATA were pipelined
  DotStuffer dot_stuffer_;
  std::optional<BodyTrace> body_trace_;
};

}  // namespace smtpsend::smtp
