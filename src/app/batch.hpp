#pragma once
// --batch: many prepared messages over one connection. The messages go through the one driver
// loop (app/driver.hpp) as transactions, one after another; under PIPELINING each message's
// envelope follows the previous message's end in the same flight, so each extra message costs
// one round trip. Files are opened one at a time, as their turn comes, and streamed.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/compose.hpp"
#include "app/driver.hpp"
#include "common/time_limits.hpp"
#include "net/transport.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

// The message files of --batch's PATHs, in order: a file as it is, a directory's regular files
// in name order (byte order of their names; subdirectories and other files are skipped, there
// is no recursion). Failure(no_input) for a PATH that is missing or neither, or a directory
// with no regular file.
std::vector<std::string> batch_files(const std::vector<std::string>& paths);

// Opens message `index` of the batch; throws Failure for what is wrong with that message alone
// (unreadable, no recipients), which ends it unsent and the batch goes on.
using OpenBatchMessage = std::function<ComposedMessage(std::size_t index)>;

// One connection, ready for the session: the transport (implicit TLS already up), a new session
// for it, and where a fresh secret comes from when the server refuses an expired OAuth 2.0 token
// (empty: nowhere). Throws Failure when it cannot connect.
struct BatchConnection {
  std::unique_ptr<net::Transport> transport;
  std::unique_ptr<smtp::Session> session;
  FreshSecret fresh_secret;
};
using ConnectForBatch = std::function<BatchConnection()>;

// Looks at each piece of a message's body as it is sent, with what the server offers; throws a
// Failure (the message's own) to stop that message before its end. Empty: no check.
using CheckBody = std::function<void(std::string_view chunk, const smtp::Capabilities&)>;

// Sends messages 0..count-1 over one connection and returns one outcome per message, in order.
// A connection that ends (a 421, a lost connection) after carrying at least one transaction is
// made again once, and the batch goes on with the first message not yet accepted. A message
// whose delivery is unknown (sent whole, no final reply) is never sent again. A message that
// was never started is not sent, with the error that stopped the batch; one the connection's
// loss left unsent counts as a temporary failure.
std::vector<smtp::TransactionOutcome> send_batch(std::size_t count, const OpenBatchMessage& open,
                                                 const ConnectForBatch& connect,
                                                 const TimeLimits& limits,
                                                 const CheckBody& check_body = {},
                                                 std::size_t receive_piece = 0);

// One message's exit code, as if it had been sent alone: 0 when accepted.
int batch_message_exit_code(const smtp::TransactionOutcome& outcome);

// The batch's exit status, the one rule: 0 when every message was accepted; otherwise the exit
// code of a failed message, a permanent one (any code but 75: retrying will not help, someone
// must look) before a temporary one (75: a retry may succeed; delivery state unknown is 75 as
// well, to be checked before resending), and among equals the first message's in the list.
int batch_exit_code(const std::vector<smtp::TransactionOutcome>& outcomes);

// The line stderr shows for one message: "<path>: accepted (250 ...)", "refused: <why>",
// "delivery state unknown: <why>" or "not sent: <why>".
std::string describe_batch_result(const std::string& path, const smtp::TransactionOutcome& outcome);

}  // namespace smtpsend::app
