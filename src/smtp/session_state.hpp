#pragma once
// The states of the SMTP dialog. Each state but ready, body, tls_handshake and finished is named
// for the reply the session waits for (curl's lib/smtp.c names them the same way).

#include <string_view>

namespace smtpsend::smtp {

enum class State {
  greeting,       // the server's 220 greeting (RFC 5321 §4.3.1)
  ehlo,           // reply to EHLO
  helo,           // reply to HELO, after EHLO was not recognized
  starttls,       // reply to STARTTLS (RFC 3207)
  tls_handshake,  // the driver does the TLS handshake
  auth,           // reply to AUTH or to one of our SASL responses (RFC 4954)
  fresh_secret,   // the driver fetches a fresh secret after a refused OAuth 2.0 token
  ready,          // between transactions: the driver starts the next one or quits
  rset,           // reply to RSET (RFC 5321 §4.1.1.5), before the next transaction's MAIL
  mail,           // reply to MAIL FROM
  rcpt,           // reply to RCPT TO
  data,           // reply to DATA
  bdat,           // reply to a BDAT chunk that is not the last (RFC 3030)
  discard,        // reply to a BDAT chunk of a transaction already ended: read and ignored
  body,           // the driver streams the message body
  dot,            // reply to the final "." or to BDAT LAST (the message is accepted or not)
  quit,           // reply to QUIT after delivery
  finished,       // nothing more to do; outcome() is final
};

// A short name for diagnostics and the trace: "greeting", "rcpt", ...
std::string_view state_name(State state);

// What the session was doing in `state`, to complete "connection lost while ...".
std::string_view state_activity(State state);

}  // namespace smtpsend::smtp
