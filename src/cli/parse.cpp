#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "cli/options.hpp"
#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/input_file.hpp"
#include "config/config_file_keys.hpp"

namespace smtpsend::cli {

namespace {

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

// The options that set a setting of the table (config/config_file_keys.hpp) in `group`: each
// flag, its argument's name and its help line come from the table, and what is given becomes an
// override {key, value, flag}.
void add_setting_options(CLI::App& app, std::string_view group,
                         std::map<std::string_view, std::string>& values,
                         std::map<std::string_view, bool>& switches) {
  for (const auto& rule : config::keys::key_rules()) {
    if (rule.flag.empty() || rule.group != group) {
      continue;
    }
    if (!rule.flag_value.empty()) {
      app.add_flag(std::string(rule.flag), switches[rule.name], std::string(rule.doc))
          ->group(std::string(group));
    } else {
      app.add_option(std::string(rule.flag), values[rule.name], std::string(rule.doc))
          ->type_name(std::string(rule.value_name))
          ->group(std::string(group));
    }
  }
}

// The long spelling of a table flag ("-f,--from" -> "--from"), as messages name it.
std::string long_flag(std::string_view flag) {
  const auto comma = flag.rfind(',');
  return std::string(comma == std::string_view::npos ? flag : flag.substr(comma + 1));
}

// The long spelling that gave a table flag on the command line, for a setting with several
// ("--password-cmd,--oauth-token-cmd": messages name the one the user wrote, the last one written
// when both were); long_flag() when none was written (a short one was: "-f").
std::string given_flag(std::string_view flag, const std::vector<std::string_view>& arguments) {
  for (auto argument = arguments.rbegin(); argument != arguments.rend(); ++argument) {
    std::string_view rest = flag;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view spelling = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (spelling.starts_with("--") &&
          (*argument == spelling || (argument->starts_with(spelling) &&
                                     argument->substr(spelling.size()).starts_with('=')))) {
        return std::string(spelling);
      }
    }
  }
  return long_flag(flag);
}

// What was given, in table order, as overrides. `arguments`: the command line's, up to "--".
std::vector<config::Override> overrides_from(const CLI::App& app,
                                             const std::map<std::string_view, std::string>& values,
                                             const std::map<std::string_view, bool>& switches,
                                             const std::vector<std::string_view>& arguments) {
  std::vector<config::Override> overrides;
  for (const auto& rule : config::keys::key_rules()) {
    if (rule.flag.empty()) {
      continue;
    }
    if (app.get_option(long_flag(rule.flag))->count() == 0) {
      continue;
    }
    const std::string flag = given_flag(rule.flag, arguments);
    if (!rule.flag_value.empty()) {
      if (switches.at(rule.name)) {
        overrides.push_back({std::string(rule.name), std::string(rule.flag_value), flag});
      }
    } else {
      overrides.push_back({std::string(rule.name), values.at(rule.name), flag});
    }
  }
  return overrides;
}

// The arguments after the program's name, up to a "--" (after which nothing is an option).
std::vector<std::string_view> option_arguments(int argc, const char* const* argv) {
  std::vector<std::string_view> arguments;
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) {
    arguments.emplace_back(argv[i]);
  }
  return arguments;
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

// The options that read standard input ('-', /dev/stdin), in the order of the message.
std::vector<std::string> standard_input_readers(const Options& options) {
  std::vector<std::string> readers;
  const std::pair<const std::optional<std::string>*, const char*> files[] = {
      {&options.message_file, "--message"},
      {&options.text_file, "--text"},
      {&options.html_file, "--html"},
  };
  for (const auto& [file, name] : files) {
    if (file->has_value() && names_standard_input(**file)) {
      readers.emplace_back(name);
    }
  }
  for (const auto& part : options.inline_parts) {
    if (names_standard_input(part.path)) {
      readers.emplace_back("--inline");
    }
  }
  for (const auto& part : options.attachments) {
    if (names_standard_input(part.path)) {
      readers.emplace_back("-a/--attach");
    }
  }
  return readers;
}

// At most one input can be standard input, and a prepared message stands alone.
void check_content_options(const Options& options) {
  if (const auto readers = standard_input_readers(options); readers.size() > 1) {
    throw Failure(ErrorKind::usage, "standard input can be read only once, but " + readers[0] +
                                        " and " + readers[1] +
                                        " both name it ('-'); give one of them a file instead");
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
  // The settings' flags store here until they become overrides.
  std::map<std::string_view, std::string> setting_values;
  std::map<std::string_view, bool> setting_switches;

  app.add_flag("--version", options.show_version, "Print the version and exit");

  auto* message = "Message";
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
                 "Attach FILE ('-' = stdin, or a pipe); type= overrides the media type, name= "
                 "the file name shown; ',,' is a comma in them")
      ->type_name("FILE[,type=T][,name=N]")
      ->group(message)
      ->allow_extra_args(false);
  std::vector<std::string> header_arguments;
  app.add_option("-H,--header", header_arguments,
                 "Add a header line; repeatable; a Message-ID or Date replaces the one made")
      ->type_name("'NAME: VALUE'")
      ->group(message)
      ->allow_extra_args(false);
  app.add_option(
         "--message", options.message_file,
         "Send the complete message in FILE ('-' = stdin), its Bcc and Resent-Bcc fields removed")
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

  add_setting_options(app, message, setting_values, setting_switches);
  add_setting_options(app, "Server", setting_values, setting_switches);
  add_setting_options(app, "Authentication", setting_values, setting_switches);

  auto* configuration = "Configuration";
  app.add_option("-C,--config", options.settings.config_file,
                 "Read FILE instead of ~/.config/smtpsend/config or /etc/smtpsend.conf")
      ->type_name("FILE")
      ->group(configuration);
  app.add_option("-A,--account", options.settings.account,
                 "Use the account NAME of the configuration file")
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
  add_setting_options(app, output, setting_values, setting_switches);
  app.add_flag("-q,--quiet", options.quiet,
               "Never warn about keys the configuration file ignores (shown once per change of "
               "the file otherwise, and always by --show-config)")
      ->group(output);
  app.add_flag("--dry-run", options.dry_run,
               "Print the message that would be sent to stdout; send nothing (no server needed)")
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
  options.settings.overrides =
      overrides_from(app, setting_values, setting_switches, option_arguments(argc, argv));
  return options;
}

}  // namespace smtpsend::cli
