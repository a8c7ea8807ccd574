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

// One message of --batch: the prepared message in the file `path`, its recipients taken from its
// To, Cc and Bcc fields (Resent-* when it is being resent) as sendmail's -t does, its Bcc fields
// removed; the sender is -f/--from, else the message's From. The header section is read now, the
// body as it is sent. Throws Failure(no_input/data/usage) naming what is wrong with the message.
ComposedMessage compose_batch_message(const std::string& path, const cli::Options& options,
                                      const config::Account& account);

}  // namespace smtpsend::app
