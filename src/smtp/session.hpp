#pragma once
// The SMTP dialog as a state machine that never touches a socket (nghttp2's shape):
//
//   receive(bytes)   feeds what the server sent (any split: one byte or many replies at once)
//   take_output()    returns the next flight to write in one write (may be empty)
//   next_step()      says what the driver must do next
//
// The driver (app/deliver.cpp) pumps bytes between this and a net::Transport. It acts on
// Step::start_tls by doing the handshake and calling tls_started(); on Step::send_body it streams
// the message through body() and then calls end_of_body(). Dot-stuffing and CRLF normalization of
// the body happen here.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "trace/trace.hpp"

namespace smtpsend::smtp {

enum class TlsPolicy {
  none,      // never use TLS (AUTH then needs allow_plaintext_auth)
  starttls,  // STARTTLS is required; a server without it is refused before anything is sent
  implicit,  // the transport is TLS from the first byte (SMTPS, port 465)
};

struct Credentials {
  std::string user;
  std::string password;  // secret: never traced, never in an error message
};

struct SessionConfig {
  std::string ehlo_domain = "localhost";  // the name we introduce ourselves with
  TlsPolicy tls = TlsPolicy::starttls;
  std::optional<Credentials> credentials;  // AUTH only when set
  std::string auth_mechanism;              // "" = best the server offers; else "PLAIN" / "LOGIN"
  bool allow_plaintext_auth = false;       // credentials over an unencrypted connection
};

struct Envelope {
  std::string mail_from;                // bare address; "" means the null reverse-path <>
  std::vector<std::string> recipients;  // bare addresses, at least one
  bool body_8bit = false;               // ask for BODY=8BITMIME when offered
  // The body is known to contain 8-bit data: a server without 8BITMIME is refused before MAIL
  // (RFC 6152 §3), rather than sent data it never agreed to.
  bool body_8bit_required = false;
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

// All the recipients' replies together keep at most this much text; past it a recipient keeps
// the code and enhanced code only. Bounds the outcome of a huge envelope against a hostile server.
inline constexpr std::size_t max_kept_recipient_replies = std::size_t{64} * 1024;

struct RecipientResult {
  std::string address;
  bool accepted = false;
  ServerReply reply;  // code, enhanced code and (within the limits above) its first line
};

struct Outcome {
  bool delivered = false;  // true only after 250 to the final dot
  std::vector<RecipientResult> recipients;
  std::optional<Error> error;         // set when not delivered (and for a failed QUIT, nothing)
  std::vector<std::string> warnings;  // worth telling the user, not worth failing for
  std::optional<ServerReply> final_reply;  // the 250 that accepted the message
};

enum class Step {
  write_then_read,  // write take_output() (if any), then read and call receive()
  start_tls,        // write take_output() (if any), do the TLS handshake, call tls_started()
  send_body,        // stream the message: body(...) repeatedly, then end_of_body()
  finished,         // write take_output() (if any, e.g. QUIT), then close; see outcome()
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
  std::optional<std::uint64_t> size;  // SIZE limit; 0 means "no fixed limit"
  std::vector<std::string> auth;      // mechanisms, upper-case
};

class Session {
 public:
  Session(SessionConfig config, Envelope envelope, trace::Sink& trace);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void receive(std::string_view bytes);
  // The server closed the connection, or a read failed or timed out (`what` says which).
  void connection_lost(std::string_view what);
  std::string take_output();
  Step next_step() const;

  void tls_started();  // the handshake after STARTTLS succeeded (or implicit TLS is up)
  void body(std::string_view chunk);  // any split; bare LF and CR are normalized to CRLF
  void end_of_body();

  const Outcome& outcome() const;
  const Capabilities& capabilities() const;
  // True while the reply to the final dot is awaited: RFC 5321 §4.5.3.2.6 gives the server 10
  // minutes for it, so the driver waits at least that long, whatever the per-reply timeout.
  bool awaiting_final_reply() const;
  // How long the server may take over the reply awaited now: RFC 5321 §4.5.3.2's limits (5 minutes
  // for the greeting, MAIL and RCPT, 2 for DATA, 10 for the final dot), and its 5-minute server
  // timeout where it names none (EHLO, STARTTLS, AUTH, QUIT).
  std::chrono::seconds reply_time_limit() const;
  // Complete replies received so far: when it grows, the next reply's time limit starts afresh.
  std::size_t replies_received() const;
  // Name of the current state, for diagnostics ("greeting", "ehlo", "rcpt", ...).
  std::string_view state_name() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smtpsend::smtp
