#pragma once
// Turns what the user asked for into the message to send and its envelope.

#include <memory>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "config/account.hpp"
#include "mime/message.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

struct ComposedMessage {
  smtp::Envelope envelope;
  std::unique_ptr<mime::MessageStream> content;  // CRLF lines, not dot-stuffed
  std::vector<std::string> warnings;             // worth telling, not worth stopping for
};

// Reads the text and HTML bodies, validates every address and header, and opens every file, so
// that everything that can be wrong with the message is found before the network is touched.
// Throws Failure(usage/data/no_input).
ComposedMessage compose_message(const cli::Options& options, const config::Account& account);

}  // namespace smtpsend::app
