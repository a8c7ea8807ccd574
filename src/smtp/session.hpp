#pragma once
// The SMTP dialog as a state machine that never touches a socket (nghttp2's shape):
//
//   receive(bytes)   feeds what the server sent (any split: one byte or many replies at once)
//   take_output()    returns the next flight to write in one write (may be empty)
//   next_step()      says what the driver must do next
//
// A Session is one connection: greeting, EHLO, STARTTLS and AUTH once, then any number of mail
// transactions, each started with start_transaction() when next_step() says Step::ready and
// ending in its own TransactionOutcome, then quit(). The body goes through the steps like
// everything else: on Step::need_body the driver feeds body() and then end_of_body(). The one
// driver loop (app/driver.hpp) pumps bytes between this and a net::Transport. Dot-stuffing and
// CRLF normalization of the body happen here.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/tls_mode.hpp"
#include "smtp/body_trace.hpp"
#include "smtp/dot_stuffer.hpp"
#include "smtp/reply_parser.hpp"
#include "smtp/sasl.hpp"
#include "smtp/session_state.hpp"
#include "trace/trace.hpp"

namespace smtpsend::smtp {

struct Credentials {
  std::string user;
  // Secret: never traced, never in an error message. The password, or the OAuth 2.0 token for
  // XOAUTH2 and OAUTHBEARER; empty for GSSAPI and EXTERNAL, which prove who we are otherwise.
  std::string password;
};

struct SessionConfig {
  std::string ehlo_domain = "localhost";  // the name we introduce ourselves with
  TlsMode tls = TlsMode::starttls;
  std::optional<Credentials> credentials;  // AUTH only when set
  std::string auth_mechanism;              // "" = the strongest offered; else an IANA name
  std::string server_host;  // as the user named it: GSSAPI's service principal, OAUTHBEARER's host
  std::uint16_t server_port = 0;      // OAUTHBEARER's port
  std::string ntlm_domain;            // NTLM's domain (msmtp's ntlmdomain); "" = none
  bool allow_plaintext_auth = false;  // credentials over an unencrypted connection
  // When some recipients are refused, deliver to the others rather than to nobody; it lets the
  // message follow the envelope without waiting for the RCPT replies (BDAT under PIPELINING).
  bool partial_delivery = false;
};

struct Envelope {
  std::string mail_from;                // bare address; "" means the null reverse-path <>
  std::vector<std::string> recipients;  // bare addresses, at least one
  bool body_8bit = false;               // ask for BODY=8BITMIME when offered
  // The body is known to contain 8-bit data: a server without 8BITMIME is refused before MAIL
  // (RFC 6152 §3), rather than sent data it never agreed to.
  bool body_8bit_required = false;
  // The body holds binary data (Content-Transfer-Encoding: binary): it goes as it is, line ends
  // untouched, with BODY=BINARYMIME in BDAT chunks (RFC 3030 §3), and only to a server that
  // offers both BINARYMIME and CHUNKING.
  bool body_binary = false;
  bool smtputf8 = false;              // the envelope or headers need SMTPUTF8
  std::optional<std::uint64_t> size;  // message size for SIZE=, when known
  // Delivery status notifications (RFC 3461), sent only to a server that offers DSN:
  std::string dsn_notify;       // NOTIFY= of every RCPT: "never", or "success,failure,delay"
  std::string dsn_return;       // RET= of MAIL: "full" or "hdrs"
  std::string dsn_envelope_id;  // ENVID= of MAIL, as given (xtext-encoded on the wire)
};

// RFC 2920 §3.1: a client that writes a group of commands before reading their replies must
// keep the group within what the connection buffers, or each side can end up waiting for the
// other to read (a deadlock). Under PIPELINING the session keeps at most this many commands, and
// this many octets of them, sent and unanswered; more follow as replies arrive. 16 KiB is
// Linux's default socket send buffer; 100 commands keep the replies owed small as well.
inline constexpr std::size_t max_pipelined_commands = 100;
inline constexpr std::size_t max_pipelined_octets = std::size_t{16} * 1024;

// RFC 3030: with CHUNKING the message goes in BDAT chunks of at most this many octets (the last
// one marked LAST): large TLS records, constant memory, and a refusal seen within one chunk.
inline constexpr std::size_t bdat_chunk_size = std::size_t{64} * 1024;

// All the recipients' replies together keep at most this much text; past it a recipient keeps
// the code and enhanced code only. Bounds the outcome of a huge envelope against a hostile server.
inline constexpr std::size_t max_kept_recipient_replies = std::size_t{64} * 1024;

struct RecipientResult {
  std::string address;
  bool accepted = false;
  // RFC 5321 §4.5.3.1.10: 452 past the server's recipient limit ("4.5.3", or 452 after some were
  // accepted). Not a refusal: the recipient is for a further transaction.
  bool deferred = false;
  ServerReply reply;  // code, enhanced code and (within the limits above) its first line
};

// How a mail transaction ended.
enum class TransactionState {
  not_sent,  // the message never went out whole (nothing can have been delivered)
  refused,   // the server refused the sender, the recipients or the message
  accepted,  // 250 to the end of the message: the server took responsibility for it
  // The whole message went out, and the reply to its end never came or was neither 250 nor a
  // refusal: it may have been delivered, so it must never be sent again blindly (RFC 1047).
  delivery_unknown,
};

struct TransactionOutcome {
  TransactionState state = TransactionState::not_sent;
  std::vector<RecipientResult> recipients;
  std::optional<ServerReply> final_reply;  // the 250 that accepted the message
  std::vector<std::string> warnings;       // worth telling the user, not worth failing for
  std::optional<Error> error;              // set whenever the state is not `accepted`

  bool accepted() const { return state == TransactionState::accepted; }
  // The recipients past the server's recipient limit, for a further transaction.
  std::vector<std::string> deferred_recipients() const {
    std::vector<std::string> deferred;
    for (const auto& recipient : recipients) {
      if (recipient.deferred) {
        deferred.push_back(recipient.address);
      }
    }
    return deferred;
  }
};

enum class Step {
  write_then_read,    // write take_output() (if any), then read and call receive()
  start_tls,          // write take_output() (if any), do the TLS handshake, call tls_started()
  need_body,          // feed the message: body(...) repeatedly, then end_of_body()
  transaction_ended,  // a transaction ended: take_transaction_outcome() before anything else
  ready,              // start_transaction() for the next message, or quit()
  // The server refused the secret (an expired OAuth 2.0 token): fetch a fresh one and call
  // fresh_secret(); the session authenticates once more on the same connection.
  need_fresh_secret,
  finished,  // write take_output() (if any, e.g. QUIT), then close
};

// Capabilities the server announced in its last EHLO reply.
struct Capabilities {
  bool esmtp = false;  // EHLO succeeded (false after a HELO fallback)
  bool pipelining = false;
  bool starttls = false;
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool enhanced_status_codes = false;
  bool dsn = false;
  bool chunking = false;
  bool binarymime = false;            // RFC 3030 §3: binary bodies, in BDAT only
  std::optional<std::uint64_t> size;  // SIZE limit; 0 means "no fixed limit"
  std::vector<std::string> auth;      // mechanisms, upper-case
};

// A command whose reply is still to come. Replies arrive in the order the commands were sent,
// also when several were sent in one flight (RFC 2920 §3.1).
struct Expected {
  State state = State::greeting;  // the state that handles the reply
  std::size_t recipient = 0;      // for State::rcpt: the index in the envelope's recipients
  std::size_t octets = 0;         // the command's length on the wire, CRLF included
  std::uint64_t transaction = 0;  // the transaction that sent it (0: none)
};

class Session {
 public:
  Session(SessionConfig config, trace::Sink& trace);
  // The session's copy of the password goes with it, and leaves nothing in freed memory.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  void receive(std::string_view bytes);
  // The server closed the connection, or a read failed (`what` says which).
  void connection_lost(std::string_view what);
  // The transport failed (a timeout, a write that failed): `error` as the transport worded it.
  void transport_failed(Error error);
  std::string take_output();
  // The length of what take_output() would return: the driver writes the body in large pieces.
  std::size_t output_size() const { return output_.size(); }
  Step next_step() const;

  void tls_started();  // the handshake after STARTTLS succeeded (or implicit TLS is up)
  // The TLS layer's channel binding, for SCRAM's -PLUS variants: before tls_started() (or, with
  // implicit TLS, before the greeting is received).
  void set_channel_binding(ChannelBinding binding) { channel_binding_ = std::move(binding); }
  // On Step::need_fresh_secret: the fresh secret, or nullopt when there is none (the refusal
  // that asked for it then stands).
  void fresh_secret(std::optional<std::string> secret);
  // On Step::ready: the next mail transaction. Under PIPELINING it may follow the end of the
  // previous message in the same flight (RFC 2920 §3.1).
  void start_transaction(Envelope envelope);
  void body(std::string_view chunk);  // any split; bare LF and CR are normalized to CRLF
  void end_of_body();
  // The message could not be read to its end (`error` says why): the transaction ends unsent,
  // and the connection is closed without the final dot, which makes the server discard what it
  // received (RFC 5321 §4.1.1.4).
  void message_failed(Error error);
  // On Step::ready: no more transactions; QUIT (RFC 5321 §4.1.1.10).
  void quit();

  // On Step::transaction_ended: the outcome of the oldest transaction that ended.
  TransactionOutcome take_transaction_outcome();
  // The outcome so far of the oldest transaction still open (recipients answered, warnings), or
  // null when none is open.
  const TransactionOutcome* open_transaction() const {
    return transactions_.empty() ? nullptr : &transactions_.front().outcome;
  }
  // What ended the connection when it ended on an error (a refused greeting, a failed AUTH, a
  // lost connection); each transaction's own error is in its outcome.
  const std::optional<Error>& error() const { return error_; }
  const Capabilities& capabilities() const { return capabilities_; }
  // True while the reply to a final dot is awaited: RFC 5321 §4.5.3.2.6 gives the server 10
  // minutes for it, so the driver waits at least that long, whatever the per-reply timeout.
  bool awaiting_final_reply() const;
  // True when only QUIT's reply is awaited after an accepted message: a courtesy, not worth a
  // long wait.
  bool awaiting_quit_reply() const { return state_ == State::quit; }
  // How long the server may take over the reply awaited now: RFC 5321 §4.5.3.2's limits (5 minutes
  // for the greeting, MAIL and RCPT, 2 for DATA, 10 for the final dot), and its 5-minute server
  // timeout where it names none (EHLO, STARTTLS, AUTH, RSET, QUIT).
  std::chrono::seconds reply_time_limit() const;
  // Complete replies received so far: when it grows, the next reply's time limit starts afresh.
  std::size_t replies_received() const { return replies_received_; }
  // Name of the current state, for diagnostics ("greeting", "ehlo", "rcpt", ...).
  std::string_view state_name() const;

 private:
  // A transaction started and not yet ended.
  struct Transaction {
    std::uint64_t id = 0;
    Envelope envelope;
    TransactionOutcome outcome;
    bool mail_sent = false;
    std::size_t rcpts_sent = 0;  // under PIPELINING: RCPTs sent so far, in order
    bool data_sent = false;
    bool dot_sent = false;             // the final dot, or BDAT LAST, went out
    bool bdat = false;                 // the body goes in BDAT chunks (RFC 3030), not after DATA
    std::size_t kept_reply_text = 0;   // text kept in the recipients' replies so far
    std::optional<Error> mail_error;   // MAIL refused while RCPT and DATA were pipelined
    bool refused_before_mail = false;  // the envelope failed the checks; nothing was sent
  };

  // Runs `operation`, turning a Failure from inside the module into an outcome's error. Every
  // public entry point that can fail goes through here.
  template <typename Operation>
  void guarded(Operation&& operation);
  void handle_failure(Error error);

  // ---- the entry points, inside guarded() ----------------------------------------------------
  void receive_bytes(std::string_view bytes);
  void lose_connection(std::string_view what);
  void fail_transport(const Error& error);
  void start_tls_done();
  void begin_transaction(Envelope envelope);
  void add_body(std::string_view chunk);
  void finish_body();
  void send_quit();

  // ---- the one place the state changes, and the ways a session ends --------------------------
  void set_state(State next);
  void finish();
  // Ends the session after an error while the connection is usable: QUIT, then close.
  void quit_with(Error error);
  // Ends the session without another byte: the connection is closed or its state unknown. The
  // transactions still open end with `error` (delivery unknown for one whose dot went out).
  // A transaction behind one whose dot went out ends with `unsent` when given (it was not sent),
  // which is also the session's error.
  void abandon(Error error, std::optional<Error> unsent = std::nullopt);
  // Ends the oldest open transaction on an error while the connection stays usable.
  void fail_transaction(Error error, TransactionState state);
  void end_transaction();
  void abandon_transactions(const Error& error, const Error* unsent = nullptr);
  bool in_transaction() const { return !transactions_.empty(); }
  // Whether the transaction may still leave recipients for a further one (their replies are not
  // all in, or some were deferred): what follows it waits for its outcome.
  static bool may_defer_recipients(const Transaction& transaction);
  Transaction& replying() { return transactions_.front(); }  // the one the next reply is for
  Transaction& sending() { return transactions_.back(); }    // the one commands are sent for
  // After a transaction's end, the state for what comes next: QUIT's reply, or the next step.
  void after_transaction();

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
  // The server refused `what`: 4xx -> temporary, 5xx -> unavailable. Inside a transaction only
  // the transaction ends; otherwise the session does.
  void refused(const Reply& reply, std::string_view what);

  // ---- greeting, EHLO, HELO (session.cpp) -----------------------------------------------------
  void on_greeting_reply(const Reply& reply);
  // Refuses an --ehlo name that is not one word of printable ASCII (RFC 5321 §4.1.1.1).
  void check_ehlo_domain() const;
  void send_ehlo();
  void on_ehlo_reply(const Reply& reply);
  void send_helo();
  void on_helo_reply(const Reply& reply);
  // What follows a successful EHLO or HELO: STARTTLS, AUTH or readiness for a transaction.
  void after_hello();

  // ---- STARTTLS (session.cpp) -----------------------------------------------------------------
  void send_starttls();
  void on_starttls_reply(const Reply& reply);
  static std::string plaintext_after_starttls_message();

  // ---- AUTH (session_auth.cpp) ----------------------------------------------------------------
  // The plaintext rule and the mechanism; then AUTH with its initial response. Again after a
  // fresh secret.
  void send_auth();
  void on_auth_reply(const Reply& reply);
  // A 334: the mechanism's answer to the challenge (or the initial response held back).
  void send_auth_response(const Reply& reply);
  void on_auth_refused(const Reply& reply);
  void take_fresh_secret(std::optional<std::string> secret);
  // Sends a SASL payload (base64), remembering it so that no reply can show it again.
  void send_sasl_line(std::string_view prefix, std::string_view payload);
  // `reply` with every secret the session sent replaced by <redacted>: what the trace and the
  // errors see. A server may quote the client's AUTH payload back.
  Reply redacted(const Reply& reply) const;
  std::string redacted(std::string_view text) const;

  // ---- RSET, MAIL, RCPT, DATA, body, final dot (session_transaction.cpp) ----------------------
  void send_rset();
  void on_rset_reply(const Reply& reply);
  void send_envelope();
  // Under PIPELINING: the RCPTs not sent yet, then DATA, as far as the window of unanswered
  // commands (max_pipelined_commands, max_pipelined_octets) allows; called again as replies come.
  void send_pipelined_envelope();
  bool pipeline_has_room(std::string_view line) const;
  // Refuses, before MAIL, a message the server has said it cannot take.
  void check_envelope(const Envelope& envelope) const;
  void send_mail();
  void on_mail_reply(const Reply& reply);
  std::string rcpt_command(const Envelope& envelope, std::size_t index) const;
  void send_rcpt(std::size_t index);
  void on_rcpt_reply(const Reply& reply, std::size_t index);
  static bool any_recipient_refused(const TransactionOutcome& outcome);
  // Whether the body may follow now, before the replies to the RCPTs sent.
  bool body_may_precede_rcpt_replies() const;
  // The body starts: after 354 to DATA, or (BDAT) when the envelope allows it.
  void start_body();
  // The error that ends a transaction when not every recipient was accepted, or nullopt when the
  // message may go to those that were (all of them, or some with partial_delivery).
  std::optional<Error> envelope_error(const Transaction& transaction) const;
  void send_data();
  void on_data_reply(const Reply& reply);
  // RFC 3030 §2: a chunk of `size` octets taken from the front of bdat_buffer_.
  void send_bdat(std::size_t size, bool last);
  void on_bdat_reply(const Reply& reply);
  // The final reply to BDAT LAST or the dot.
  void on_final_reply(const Reply& reply);
  void require_body_state(std::string_view call) const;
  // A transaction failed while its body was going out in BDAT chunks: the chunks not written yet
  // are dropped, and the replies to those written are read and ignored.
  void drop_unsent_chunks();
  void discard_replies_of(std::uint64_t transaction);
  // Under PIPELINING every full chunk goes at once; without, one, then its reply.
  void send_full_chunks();

  SessionConfig config_;
  trace::Sink& trace_;
  ReplyParser parser_;
  Capabilities capabilities_;
  State state_ = State::greeting;
  bool in_tls_ = false;
  std::string output_;            // the flight being assembled
  std::vector<Expected> queued_;  // commands in output_, not yet taken by the driver
  std::size_t replies_received_ = 0;
  std::deque<Expected> awaiting_;        // commands written whose replies have not arrived
  std::size_t in_flight_octets_ = 0;     // the length of the commands in queued_ and awaiting_
  std::unique_ptr<SaslMechanism> sasl_;  // the AUTH exchange in progress or done
  std::optional<ChannelBinding> channel_binding_;  // from the TLS layer, for -PLUS
  std::optional<std::string> held_response_;       // an initial response too long for the AUTH line
  bool fresh_secret_tried_ = false;                // a refused secret gets one fresh try, no more
  std::optional<Error> auth_refusal_;              // the refusal a fresh secret may answer
  std::vector<std::string> sent_secrets_;  // every secret-bearing text sent: redacted in replies
  std::deque<Transaction> transactions_;   // started and not ended, oldest first
  std::deque<TransactionOutcome> ended_;   // ended, not yet taken by the driver
  bool rset_needed_ = false;  // the last transaction ended after MAIL and before its final dot
  bool quit_sent_ = false;
  bool last_accepted_ = false;  // the last transaction that ended was accepted
  std::optional<Error> error_;
  DotStuffer dot_stuffer_;
  std::string bdat_buffer_;   // body octets for the next BDAT chunk
  bool binary_body_ = false;  // the body in progress goes as it is (BODY=BINARYMIME)
  std::uint64_t transactions_started_ = 0;
  std::optional<BodyTrace> body_trace_;
};

}  // namespace smtpsend::smtp
