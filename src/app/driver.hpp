#pragma once
// The one driver loop: it pumps bytes between an SMTP session and a transport, the only place
// where the protocol and the network meet. The program, the session's dialog tests and the
// session fuzz target all run their sessions through it.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "common/time_limits.hpp"
#include "net/transport.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

// Appends the next piece of the message to `chunk` (which arrives empty) and returns false once
// the message is exhausted. Lets a large message stream through in constant memory.
using MessageChunks = std::function<bool(std::string& chunk)>;

// A fresh secret after the server refused one (an expired OAuth 2.0 token): the token command run
// once more. nullopt when there is none to get (a fixed password); the refusal then stands.
using FreshSecret = std::function<std::optional<std::string>()>;

// What the driver sends over one connection: mail transactions, one after another.
class Transactions {
 public:
  Transactions() = default;
  virtual ~Transactions() = default;
  Transactions(const Transactions&) = delete;
  Transactions& operator=(const Transactions&) = delete;
  Transactions(Transactions&&) = delete;
  Transactions& operator=(Transactions&&) = delete;

  // The envelope of the next message, or nullopt when none is left (the session then quits).
  virtual std::optional<smtp::Envelope> next() = 0;
  // The body of the message whose envelope next() returned last, piece by piece, as
  // MessageChunks. A Failure thrown here is the message's own: it ends that transaction unsent.
  virtual bool body(std::string& chunk) = 0;
  // A transaction ended; outcomes come in the order the transactions were started.
  virtual void ended(smtp::TransactionOutcome outcome) = 0;
};

// Runs the session to its end over `transport`, then closes the transport. Never throws for
// network or protocol failures: they end up in the transactions' outcomes, or in
// session.error() when no transaction was open. Each reply has its own limit (the session's, as
// `limits` lower it), counted on `limits`' clock from when it was awaited, however slowly its
// bytes trickle in; --max-time bounds the whole dialog. `receive_piece` (0: whole) hands each read
// to the session in pieces of that many bytes, all before anything more is written: the dialog
// tests feed one byte at a time to show that no split of the server's bytes changes the dialog.
void drive(net::Transport& transport, smtp::Session& session, Transactions& transactions,
           const TimeLimits& limits, std::size_t receive_piece = 0,
           const FreshSecret& fresh_secret = {});

}  // namespace smtpsend::app
