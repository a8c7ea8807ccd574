#pragma once
// One message over one connection, through the driver (app/driver.hpp).

#include "app/driver.hpp"
#include "net/transport.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

// Sends `envelope` with the body `message` over a new session's connection, then quits. The
// outcome is the transaction's; when the connection failed before the transaction began, it is
// not sent, with the session's error.
smtp::TransactionOutcome deliver(net::Transport& transport, smtp::Session& session,
                                 const smtp::Envelope& envelope, const MessageChunks& message,
                                 const TimeLimits& limits);

}  // namespace smtpsend::app
