#pragma once
// Turns what the user asked for into the message to send and its envelope.

#include <string>

#include "cli/options.hpp"
#include "config/account.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

struct ComposedMessage {
  smtp::Envelope envelope;
  std::string content;  // the complete message, CRLF line ends, not dot-stuffed
};

// Reads the body (--text FILE or stdin), validates every address and renders the message.
// Throws Failure(usage/data/no_input) before anything touches the network.
ComposedMessage compose_message(const cli::Options& options, const config::Account& account);

}  // namespace smtpsend::app
