#pragma once
// The driver that pumps bytes between an SMTP session and a transport. The only place where the
// protocol and the network meet.

#include <chrono>
#include <functional>
#include <string>

#include "net/transport.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

// Appends the next piece of the message to `chunk` (which arrives empty) and returns false once
// the message is exhausted. Lets a large message stream through in constant memory.
using MessageChunks = std::function<bool(std::string& chunk)>;

// Runs the dialog to its end. Never throws for network or protocol failures: they end up in the
// returned outcome's error, with the state the dialog was in.
// `reply_timeout` is the usual wait for a reply; the final dot's reply gets at least 10 minutes.
smtp::Outcome deliver(net::Transport& transport, smtp::Session& session,
                      const MessageChunks& message, std::chrono::milliseconds reply_timeout);

}  // namespace smtpsend::app
