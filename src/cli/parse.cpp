#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "cli/options.hpp"
#include "common/ascii.hpp"
#include "common/error.hpp"

namespace smtpsend::cli {

namespace {

// CLI::Range lets "nan" through, since every comparison with NaN is false; "inf" would pass a
// range with no upper end. A number of seconds must be a finite number.
CLI::Validator finite_seconds() {
  return CLI::Validator(
      [](std::string& text) {
        return std::isfinite(std::strtod(text.c_str(), nullptr))
                   ? std::string()
                   : std::string("SECONDS must be a finite number");
      },
      "", "finite");
}

// Built once, on first use: a static map would be constructed before main() could catch.
const std::map<std::string, TlsMode>& tls_modes() {
  static const std::map<std::string, TlsMode> modes{{"auto", TlsMode::auto_select},
                                                    {"starttls", TlsMode::starttls},
                                                    {"smtps", TlsMode::smtps},
                                                    {"none", TlsMode::none}};
  return modes;
}
const std::map<std::string, AuthMechanism>& auth_mechanisms() {
  static const std::map<std::string, AuthMechanism> mechanisms{{"auto", AuthMechanism::auto_select},
                                                               {"plain", AuthMechanism::plain},
                                                               {"login", AuthMechanism::login}};
  return mechanisms;
}

constexpr const char* description =
    "Send an email message through an SMTP server.\n\n"
    "The message body is read from --text FILE, or from standard input. Recipients come from\n"
    "--to/--cc/--bcc and from positional arguments. TLS is required by default: STARTTLS on\n"
    "any port but 465, implicit TLS (SMTPS) on 465.";

constexpr const char* footer =
    "Passwords are never taken on the command line: use --password-cmd, the SMTPSEND_PASSWORD\n"
    "environment variable, or answer the prompt on a terminal.\n\n"
    "Exit status: 0 sent; 64 usage; 65 bad message data; 66 input file missing; 67 recipient\n"
    "refused; 68 host not found; 69 server refused (permanent); 70 internal error; 71 OS error;\n"
    "74 I/O error or connection lost; 75 temporary failure, try again later; 76 protocol error;\n"
    "77 authentication or TLS verification failed; 78 configuration error.\n"
    "See smtpsend(1).";

// Accepts one of the map's keys, ignoring case; names them all when the value is not one.
template <typename Value>
CLI::Validator one_of(const std::map<std::string, Value>& choices) {
  std::string names;
  for (const auto& [name, value] : choices) {
    names += (names.empty() ? "" : ", ") + name;
  }
  return CLI::Validator(
      [&choices, names](std::string& input) -> std::string {
        const std::string lower = ascii_lower(input);
        if (choices.count(lower) == 0) {
          return "'" + input + "' is not one of " + names;
        }
        input = lower;
        return {};
      },
      "");
}

// "Name: value" -> {"Name", "value"}. The value's own validity (no CR, LF or NUL) is checked
// where headers are written, with the other message data.
std::pair<std::string, std::string> parse_header_argument(const std::string& argument) {
  const auto colon = argument.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw Failure(ErrorKind::usage,
                  "-H '" + argument + "' is not a header; write it as 'Name: value'");
  }
  std::string value = argument.substr(colon + 1);
  const auto start = value.find_first_not_of(" \t");
  value = start == std::string::npos ? std::string() : value.substr(start);
  return {argument.substr(0, colon), value};
}

// At most one input can be standard input, and a prepared message stands alone.
void check_content_options(const Options& options) {
  int from_stdin = 0;
  for (const auto* file : {&options.text_file, &options.html_file, &options.message_file}) {
    from_stdin += (file->has_value() && **file == "-") ? 1 : 0;
  }
  if (from_stdin > 1) {
    throw Failure(ErrorKind::usage,
                  "only one of --text, --html and --message can read standard input");
  }
  if (!options.message_file) {
    return;
  }
  const std::pair<bool, const char*> conflicts[] = {
      {options.text_file.has_value(), "--text"},   {options.html_file.has_value(), "--html"},
      {!options.inline_parts.empty(), "--inline"}, {!options.attachments.empty(), "--attach"},
      {!options.headers.empty(), "--header"},      {options.subject.has_value(), "--subject"},
      {!options.reply_to.empty(), "--reply-to"},
  };
  for (const auto& [given, name] : conflicts) {
    if (given) {
      throw Failure(ErrorKind::usage, std::string("--message sends a prepared message as it is; ") +
                                          name + " cannot change it");
    }
  }
}

// --batch takes every message, and its recipients, from its files: what would make or address
// one message has no place beside it.
void check_batch_options(const Options& options) {
  if (options.batch.empty()) {
    return;
  }
  const std::pair<bool, const char*> conflicts[] = {
      {!options.to.empty(), "-t/--to (or a recipient argument)"},
      {!options.cc.empty(), "-c/--cc"},
      {!options.bcc.empty(), "-b/--bcc"},
      {options.message_file.has_value(), "--message"},
      {options.text_file.has_value(), "--text"},
      {options.html_file.has_value(), "--html"},
      {!options.inline_parts.empty(), "--inline"},
      {!options.attachments.empty(), "-a/--attach"},
      {!options.headers.empty(), "-H/--header"},
      {options.subject.has_value(), "-s/--subject"},
      {!options.reply_to.empty(), "-r/--reply-to"},
      {options.dry_run, "--dry-run"},
  };
  for (const auto& [given, name] : conflicts) {
    if (given) {
      throw Failure(ErrorKind::usage,
                    std::string("--batch sends prepared messages to the recipients in their "
                                "headers; ") +
                        name + " cannot be combined with it");
    }
  }
}

// sendmail's -t (recipients from the message) is a habit: "smtpsend -t < msg.eml" or "-t -i".
// Here -t wants an address and would take the next option for one, or have none.
void check_sendmail_habit(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--") {
      return;
    }
    if (argument == "-t" && (i + 1 == argc || argv[i + 1][0] == '-')) {
      throw Failure(ErrorKind::usage,
                    "-t needs an address here (-t/--to ADDR); to send a whole message to the "
                    "recipients of its To, Cc and Bcc fields as sendmail's -t does, run "
                    "'smtpsend --sendmail -t < message' (or --message FILE with -t ADDR)");
    }
  }
}

}  // namespace

Options parse_command_line(int argc, const char* const* argv) {
  Options options;
  CLI::App app{description, "smtpsend"};
  app.footer(footer);
  app.get_formatter()->column_width(34);
  std::vector<std::string> positional_recipients;

  app.add_flag("--version", options.show_version, "Print the version and exit");

  auto* message = "Message";
  app.add_option("-f,--from", options.from, "Sender address (envelope and From: header)")
      ->type_name("ADDR")
      ->group(message);
  app.add_option("-t,--to", options.to, "Recipient; repeatable, or a comma-separated list")
      ->type_name("ADDR")
      ->group(message)
      ->allow_extra_args(false);
  app.add_option("-c,--cc", options.cc, "Carbon-copy recipient; repeatable")
      ->type_name("ADDR")
      ->group(message)
      ->allow_extra_args(false);
  app.add_option("-b,--bcc", options.bcc, "Blind-copy recipient; never appears in headers")
      ->type_name("ADDR")
      ->group(message)
      ->allow_extra_args(false);
  app.add_option("-s,--subject", options.subject, "Subject line (UTF-8)")
      ->type_name("TEXT")
      ->group(message);
  app.add_option("-r,--reply-to", options.reply_to, "Address replies should go to; repeatable")
      ->type_name("ADDR")
      ->group(message)
      ->allow_extra_args(false);
  app.add_option("--text", options.text_file,
                 "Read the plain-text body from FILE ('-' = stdin, the default)")
      ->type_name("FILE")
      ->group(message);
  app.add_option("--html", options.html_file,
                 "Read an HTML version of the body from FILE ('-' = stdin)")
      ->type_name("FILE")
      ->group(message);
  std::vector<std::string> inline_arguments;
  app.add_option("--inline", inline_arguments,
                 "Add an image the HTML shows as cid:ID (default ID: the file name)")
      ->type_name("FILE[,cid=ID]")
      ->group(message)
      ->allow_extra_args(false);
  std::vector<std::string> attach_arguments;
  app.add_option("-a,--attach", attach_arguments,
                 "Attach FILE; type= overrides the media type, name= the file name shown")
      ->type_name("FILE[,type=T][,name=N]")
      ->group(message)
      ->allow_extra_args(false);
  std::vector<std::string> header_arguments;
  app.add_option("-H,--header", header_arguments, "Add a header line; repeatable")
      ->type_name("'NAME: VALUE'")
      ->group(message)
      ->allow_extra_args(false);
  app.add_option("--charset", options.charset, "Character set of --text and --html (default UTF-8)")
      ->type_name("NAME")
      ->group(message);
  app.add_option("--message", options.message_file,
                 "Send the complete message in FILE ('-' = stdin) as it is")
      ->type_name("FILE")
      ->group(message);
  app.add_option("--batch", options.batch,
                 "Send each prepared message FILE (or each regular file in DIR, in name order, "
                 "not recursing) over one connection, to the To/Cc/Bcc of its header (Bcc "
                 "removed), from -f or its From; one result line per message on stderr. Exit 0 "
                 "when all were accepted; else the most severe: a code that is not 75 (a "
                 "permanent failure, retrying will not help) over 75 (temporary, or delivery "
                 "state unknown: check those before resending), the first in the list first")
      ->type_name("PATH")
      ->group(message)
      ->expected(1, CLI::detail::expected_max_vector_size);
  app.add_option("recipients", positional_recipients, "More recipients (as --to)")
      ->type_name("ADDR")
      ->group(message);

  auto* server = "Server";
  app.add_option("--server", options.server, "SMTP server host name or address")
      ->type_name("HOST")
      ->group(server);
  app.add_option("--port", options.port,
                 "Server port (default 587; 465 with --tls=smtps; 25 with --tls=none)")
      ->check(CLI::Range(1, 65535).description(""))
      ->type_name("N")
      ->group(server);
  std::string tls_mode;
  app.add_option("--tls", tls_mode,
                 "auto: SMTPS on port 465, otherwise STARTTLS (required); "
                 "starttls; smtps; none (no encryption)")
      ->transform(one_of(tls_modes()))
      ->type_name("MODE")
      ->group(server);
  app.add_option("--tls-trust-file", options.tls_trust_file,
                 "Trust the CA certificates in this PEM file instead of the system store")
      ->type_name("FILE")
      ->group(server);
  app.add_flag("--tls-insecure", options.tls_insecure,
               "Do not verify the server's certificate (unsafe: allows interception)")
      ->group(server);
  app.add_option("--tls-priorities", options.tls_priorities,
                 "GnuTLS priority string to use instead of the default (TLS 1.2 or later)")
      ->type_name("STRING")
      ->group(server);
  app.add_option("--tls-fingerprint", options.tls_fingerprint,
                 "Trust only a certificate or public key with this SHA-256 fingerprint")
      ->type_name("sha256:HEX")
      ->group(server);
  app.add_option("--tls-cert", options.tls_cert_file,
                 "Present this client certificate (PEM) when the server asks for one")
      ->type_name("FILE")
      ->group(server);
  app.add_option("--tls-key", options.tls_key_file,
                 "Private key (PEM) of --tls-cert, when not in the same file")
      ->type_name("FILE")
      ->group(server);
  app.add_option("--ehlo", options.ehlo,
                 "Name to announce in EHLO (default: this host's qualified name)")
      ->type_name("NAME")
      ->group(server);
  app.add_option("--timeout", options.timeout_seconds,
                 "Lower every connect, write and reply time limit to SECONDS")
      ->check(finite_seconds())
      ->check(CLI::Range(0.1, 3600.0).description(""))
      ->type_name("SECONDS")
      ->group(server);
  app.add_option("--max-time", options.max_time_seconds,
                 "Give up after this many seconds in all, whatever the server does")
      ->check(finite_seconds())
      ->check(CLI::Range(0.1, 86400.0).description(""))
      ->type_name("SECONDS")
      ->group(server);
  app.add_flag("--partial-delivery", options.partial_delivery,
               "When the server refuses some recipients, deliver to the others (exit 0 with a "
               "warning) instead of to nobody; lets BDAT follow the envelope without waiting "
               "for the RCPT replies, saving a round trip")
      ->group(server);

  auto* auth = "Authentication";
  app.add_option("--user", options.user, "Authenticate as USER (SMTP AUTH)")
      ->type_name("USER")
      ->group(auth);
  app.add_option("--password-cmd", options.password_cmd,
                 "Run CMD and use the first line of its output as the password")
      ->type_name("CMD")
      ->group(auth);
  std::string auth_mechanism;
  app.add_option("--auth", auth_mechanism, "SASL mechanism: auto, plain or login")
      ->transform(one_of(auth_mechanisms()))
      ->type_name("MECH")
      ->group(auth);
  app.add_flag("--allow-plaintext-auth", options.allow_plaintext_auth,
               "Allow sending credentials over an unencrypted connection")
      ->group(auth);

  auto* configuration = "Configuration";
  app.add_option("-C,--config", options.config_file,
                 "Read FILE instead of ~/.config/smtpsend/config or /etc/smtpsend.conf")
      ->type_name("FILE")
      ->group(configuration);
  app.add_option("-A,--account", options.account, "Use the account NAME of the configuration file")
      ->type_name("NAME")
      ->group(configuration);
  app.add_flag("--show-config", options.show_config,
               "Print the effective settings and where each came from; send nothing")
      ->group(configuration);

  bool sendmail_mode_too_late = false;
  app.add_flag("--sendmail", sendmail_mode_too_late,
               "As the first argument: take sendmail's options and read the whole message from "
               "standard input (see SENDMAIL MODE in smtpsend(1))")
      ->group(configuration);

  auto* output = "Diagnostics";
  app.add_flag("--trace", options.trace,
               "Show the SMTP dialog and TLS details on stderr (secrets redacted)")
      ->group(output);
  app.add_option("--trace-file", options.trace_file, "Write the trace to FILE instead of stderr")
      ->type_name("FILE")
      ->group(output);
  app.add_flag("--dry-run", options.dry_run,
               "Print the message that would be sent to stdout; send nothing")
      ->group(output);

  check_sendmail_habit(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    options.help_text = app.help();
    return options;
  } catch (const CLI::ParseError& error) {
    throw Failure(ErrorKind::usage,
                  std::string(error.what()) + "; run 'smtpsend --help' for the options");
  }
  if (sendmail_mode_too_late) {
    // Sendmail's options mean other things than ours (-t, -f): the mode must be known first.
    throw Failure(ErrorKind::usage, "--sendmail must be the first argument");
  }
  for (const auto& argument : inline_arguments) {
    options.inline_parts.push_back(parse_file_argument(argument, "--inline", {"cid"}));
  }
  for (const auto& argument : attach_arguments) {
    options.attachments.push_back(parse_file_argument(argument, "--attach", {"type", "name"}));
  }
  for (const auto& argument : header_arguments) {
    options.headers.push_back(parse_header_argument(argument));
  }
  check_content_options(options);
  options.to.insert(options.to.end(), positional_recipients.begin(), positional_recipients.end());
  check_batch_options(options);
  if (!tls_mode.empty()) {
    options.tls = tls_modes().at(tls_mode);
  }
  if (!auth_mechanism.empty()) {
    options.auth = auth_mechanisms().at(auth_mechanism);
  }
  if (!options.trace_file.empty()) {
    options.trace = true;
  }
  return options;
}

}  // namespace smtpsend::cli
