#pragma once
// What the user asked for on the command line, validated for form but not yet resolved against
// the environment (that is config/'s job).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/file_argument.hpp"

namespace smtpsend::cli {

enum class TlsMode { auto_select, starttls, smtps, none };
enum class AuthMechanism { auto_select, plain, login };

struct Options {
  // Message.
  std::string from;
  std::vector<std::string> to, cc, bcc;  // each entry may be a comma-separated list
  std::optional<std::string> subject;
  std::vector<std::string> reply_to;
  std::optional<std::string> text_file;  // "-" = stdin; unset = stdin unless other content given
  std::optional<std::string> html_file;  // "-" = stdin
  std::vector<FileArgument> inline_parts;
  std::vector<FileArgument> attachments;
  std::vector<std::pair<std::string, std::string>> headers;  // -H "Name: value", split
  std::optional<std::string> charset;  // of --text and --html; unset = the account's, else UTF-8
  std::optional<std::string> message_file;  // a prepared message, sent as it is
  // --batch: prepared messages (files, or directories of them) sent over one connection, each to
  // the recipients of its own header fields.
  std::vector<std::string> batch;

  // Server.
  std::string server;
  std::optional<std::uint16_t> port;
  std::optional<TlsMode> tls;  // unset = the account's, else auto
  std::string tls_trust_file;
  bool tls_insecure = false;
  std::string tls_priorities;   // GnuTLS priority string replacing the default
  std::string tls_fingerprint;  // pin: "sha256:HEX" of the certificate or its public key
  std::string tls_cert_file;    // client certificate (PEM) ...
  std::string tls_key_file;     // ... and its private key (PEM)
  std::string ehlo;
  std::optional<double> timeout_seconds;   // lowers every connect/reply deadline to this
  std::optional<double> max_time_seconds;  // bound on the whole run
  // Deliver to the accepted recipients when some are refused, rather than to nobody.
  bool partial_delivery = false;

  // Authentication.
  std::string user;
  std::string password_cmd;
  std::optional<AuthMechanism> auth;  // unset = the account's, else auto
  bool allow_plaintext_auth = false;

  // Configuration.
  std::string config_file;   // -C/--config FILE; "" = the usual places
  std::string account;       // -A/--account NAME; "" = chosen by --from, else "default"
  bool show_config = false;  // print the effective settings and where each came from

  // Sendmail compatibility: set by the sendmail-mode parser (invoked as "sendmail", or
  // --sendmail). Standard input is then the whole message, headers included.
  bool sendmail_mode = false;
  bool recipients_from_headers = false;  // -t: add To, Cc and Bcc of the message (Bcc removed)
  bool dot_ends_input = true;            // false with -i/-oi: a lone "." is just a line
  std::string full_name;                 // -F: display name for an added From field
  std::string dsn_notify;                // -N: "never", or a list of success, failure, delay
  std::string dsn_return;                // -R: "full" or "hdrs"
  std::string dsn_envelope_id;           // -V: ENVID

  // Behaviour.
  bool trace = false;
  std::string trace_file;
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
