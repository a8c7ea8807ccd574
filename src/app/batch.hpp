#pragma once
// Many messages over one connection (--batch): each message's transaction is pipelined behind
// the end of the previous one, so each extra message costs one round trip. A 421 or a lost
// connection in the middle reconnects once and goes on with the first message not yet accepted;
// a message whose delivery is unknown is never sent again.

#include <functional>
#include <memory>
#include <vector>

#include "app/driver.hpp"
#include "net/transport.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {

struct BatchMessage {
  smtp::Envelope envelope;
  // The message's bytes from the first one, each time it is called: a message sent again after
  // a reconnect goes whole.
  std::function<MessageChunks()> open;
};

// A new connection, ready for the session (implicit TLS already up). Throws Failure.
using Connect = std::function<std::unique_ptr<net::Transport>()>;

struct BatchOutcome {
  std::vector<smtp::TransactionOutcome> messages;  // one per message, in order
  int connections = 0;
};

BatchOutcome send_batch(const Connect& connect, const smtp::SessionConfig& config,
                        trace::Sink& trace, const std::vector<BatchMessage>& messages,
                        const DeliveryLimits& limits);

}  // namespace smtpsend::app
