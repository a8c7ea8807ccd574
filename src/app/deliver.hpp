#pragma once
// One message over one connection, through the driver (app/driver.hpp).

#include "app/driver.hpp"
#include "net/transport.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

// Sends `envelope` with the body `message` over a new session's connection, then quits. When the
// server answers 452 past its recipient limit (RFC 5321 §4.5.3.1.10), the recipients left go in
// further transactions on the same connection, with the same bytes (kept in an unlinked
// temporary file as they first stream out). The outcome adds up the transactions'; when the
// connection failed before the first began, it is not sent, with the session's error.
// `fresh_secret`: as drive() takes it, for an OAuth 2.0 token the server reports expired.
smtp::TransactionOutcome deliver(net::Transport& transport, smtp::Session& session,
                                 const smtp::Envelope& envelope, const MessageChunks& message,
                                 const TimeLimits& limits, const FreshSecret& fresh_secret = {});

}  // namespace smtpsend::app
