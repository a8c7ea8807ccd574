#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <map>

#include "cli/options.hpp"
#include "common/error.hpp"

namespace smtpsend::cli {

namespace {

const std::map<std::string, TlsMode> tls_modes{{"auto", TlsMode::auto_select},
                                               {"starttls", TlsMode::starttls},
                                               {"smtps", TlsMode::smtps},
                                               {"none", TlsMode::none}};
const std::map<std::string, AuthMechanism> auth_mechanisms{{"auto", AuthMechanism::auto_select},
                                                           {"plain", AuthMechanism::plain},
                                                           {"login", AuthMechanism::login}};

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
        std::string lower = input;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (choices.count(lower) == 0) {
          return "'" + input + "' is not one of " + names;
        }
        input = lower;
        return {};
      },
      "");
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
  app.add_option("--text", options.text_file, "Read the plain-text body from FILE ('-' = stdin)")
      ->type_name("FILE")
      ->group(message);
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
  std::string tls_mode = "auto";
  app.add_option("--tls", tls_mode,
                 "auto: SMTPS on port 465, otherwise STARTTLS (required); "
                 "starttls; smtps; none (no encryption)")
      ->transform(one_of(tls_modes))
      ->type_name("MODE")
      ->group(server);
  app.add_option("--tls-trust-file", options.tls_trust_file,
                 "Trust the CA certificates in this PEM file instead of the system store")
      ->type_name("FILE")
      ->group(server);
  app.add_flag("--tls-insecure", options.tls_insecure,
               "Do not verify the server's certificate (unsafe: allows interception)")
      ->group(server);
  app.add_option("--ehlo", options.ehlo, "Name to announce in EHLO (default: this host's name)")
      ->type_name("NAME")
      ->group(server);
  app.add_option("--timeout", options.timeout_seconds,
                 "Seconds to wait for a connection or a reply (default 30)")
      ->check(CLI::Range(0.1, 3600.0).description(""))
      ->type_name("SECONDS")
      ->group(server);

  auto* auth = "Authentication";
  app.add_option("--user", options.user, "Authenticate as USER (SMTP AUTH)")
      ->type_name("USER")
      ->group(auth);
  app.add_option("--password-cmd", options.password_cmd,
                 "Run CMD and use the first line of its output as the password")
      ->type_name("CMD")
      ->group(auth);
  std::string auth_mechanism = "auto";
  app.add_option("--auth", auth_mechanism, "SASL mechanism: auto, plain or login")
      ->transform(one_of(auth_mechanisms))
      ->type_name("MECH")
      ->group(auth);
  app.add_flag("--allow-plaintext-auth", options.allow_plaintext_auth,
               "Allow sending credentials over an unencrypted connection")
      ->group(auth);

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    options.help_text = app.help();
    return options;
  } catch (const CLI::ParseError& error) {
    throw Failure(ErrorKind::usage,
                  std::string(error.what()) + "; run 'smtpsend --help' for the options");
  }
  options.tls = tls_modes.at(tls_mode);
  options.auth = auth_mechanisms.at(auth_mechanism);
  options.to.insert(options.to.end(), positional_recipients.begin(), positional_recipients.end());
  if (!options.trace_file.empty()) {
    options.trace = true;
  }
  return options;
}

}  // namespace smtpsend::cli
