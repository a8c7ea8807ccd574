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
  std::string charset = "UTF-8";
  std::optional<std::string> message_file;  // a prepared message, sent as it is

  // Server.
  std::string server;
  std::optional<std::uint16_t> port;
  TlsMode tls = TlsMode::auto_select;
  std::string tls_trust_file;
  bool tls_insecure = false;
  std::string ehlo;
  double timeout_seconds = 30;

  // Authentication.
  std::string user;
  std::string password_cmd;
  AuthMechanism auth = AuthMechanism::auto_select;
  bool allow_plaintext_auth = false;

  // Behaviour.
  bool trace = false;
  std::string trace_file;
  bool dry_run = false;

  // Set when the invocation only asks for information; nothing else is done.
  bool show_version = false;
  std::string help_text;  // non-empty: print it and exit 0
};

// Parses argv. Throws smtpsend::Failure(ErrorKind::usage) with a message naming the bad flag.
Options parse_command_line(int argc, const char* const* argv);

}  // namespace smtpsend::cli
