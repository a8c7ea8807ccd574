#pragma once
// The driver that pumps bytes between an SMTP session and a transport. The only place where the
// protocol and the network meet.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "net/transport.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

// Appends the next piece of the message to `chunk` (which arrives empty) and returns false once
// the message is exhausted. Lets a large message stream through in constant memory.
using MessageChunks = std::function<bool(std::string& chunk)>;

struct DeliveryLimits {
  // --timeout: lowers the time each reply may take (the session's RFC 5321 limits otherwise).
  std::optional<std::chrono::milliseconds> reply_timeout;
  // --max-time: nothing goes on past this point; `max_time` is the budget, for messages.
  std::optional<std::chrono::steady_clock::time_point> give_up_at;
  std::chrono::milliseconds max_time{0};
};

// Runs the dialog to its end. Never throws for network or protocol failures: they end up in the
// returned outcome's error, with the state the dialog was in. Each reply has its own deadline,
// however slowly its bytes trickle in.
smtp::Outcome deliver(net::Transport& transport, smtp::Session& session,
                      const MessageChunks& message, const DeliveryLimits& limits);

}  // namespace smtpsend::app
