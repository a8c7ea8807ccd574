#pragma once
// What the user asked for on the command line, validated for form but not yet resolved against
// the environment (that is config/'s job). Every setting of the settings table that a flag gives
// goes to `settings.overrides` as {key, value, flag}; the rest is about this one run.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/file_argument.hpp"
#include "config/settings.hpp"

namespace smtpsend::cli {

struct Options {
  // Settings (server, TLS, authentication, sender, charset...), the file and the account.
  config::CommandLine settings;

  // Message.
  std::vector<std::string> to, cc, bcc;  // each entry may be a comma-separated list
  std::optional<std::string> subject;
  std::vector<std::string> reply_to;
  std::optional<std::string> text_file;  // "-" = stdin; unset = stdin unless other content given
  std::optional<std::string> html_file;  // "-" = stdin
  std::vector<FileArgument> inline_parts;
  std::vector<FileArgument> attachments;
  std::vector<std::pair<std::string, std::string>> headers;  // -H "Name: value", split
  std::optional<std::string> message_file;                   // a prepared message, sent as it is
  // --batch: prepared messages (files, or directories of them) sent over one connection, each to
  // the recipients of its own header fields.
  std::vector<std::string> batch;

  bool show_config = false;  // print the effective settings and where each came from

  // Sendmail compatibility: set by the sendmail-mode parser (invoked as "sendmail", or
  // --sendmail; settings.sendmail_mode is then true). Standard input is then the whole message,
  // headers included.
  bool recipients_from_headers = false;  // -t: add To, Cc and Bcc of the message (Bcc removed)
  bool dot_ends_input = true;            // false with -i/-oi: a lone "." is just a line
  std::string full_name;                 // -F: display name for an added From field
  std::string dsn_envelope_id;           // -V: ENVID

  // Behaviour.
  bool trace = false;  // --trace, -v; --trace-file is the setting trace_file
  bool dry_run = false;
  // -q/--quiet (native mode only: sendmail's -q is a queue run): no configuration warnings.
  bool quiet = false;

  // Set when the invocation only asks for information; nothing else is done.
  bool show_version = false;
  std::string help_text;  // non-empty: print it and exit 0
};

// Parses argv. Throws smtpsend::Failure(ErrorKind::usage) with a message naming the bad flag.
Options parse_command_line(int argc, const char* const* argv);

}  // namespace smtpsend::cli
