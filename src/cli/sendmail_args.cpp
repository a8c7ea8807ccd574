#include "cli/sendmail_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <string>
#include <system_error>
#include <vector>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/text.hpp"

namespace smtpsend::cli {

namespace {

// RFC 3461 §4.4: an ENVID is at most 100 characters.
constexpr std::size_t max_envelope_id_length = 100;

constexpr std::string_view see_help = "; --help lists the options of sendmail mode";

constexpr std::string_view no_queue_or_daemon =
    "smtpsend sends one message per run, read from standard input, and keeps no queue or daemon";

// One flag as the user wrote it: its spelling ("-f", "--timeout"), for messages, and its value
// ("" for flags that take none).
struct FlagUse {
  std::string_view spelling;
  std::string_view value;
};

using ApplyFlag = void (*)(Options&, const FlagUse&);

enum class Argument {
  none,               // -t
  required,           // -f ADDR, -fADDR, --opt=VALUE, --opt VALUE
  attached_optional,  // -q[TIME]: only the rest of the same word, possibly nothing
};

// Where --help shows a flag: on a row of its own, in the line of ignored flags, or among the
// refused modes.
enum class HelpGroup { listed, ignored, refused };

struct FlagSpec {
  std::string_view names;  // every spelling, space-separated: "-C --file --config"
  Argument argument;
  std::string_view argument_name;  // shown by --help: "-f ADDR", "--timeout=SECONDS"
  HelpGroup group;
  std::string_view help;  // the row's text, for listed flags
  ApplyFlag apply;
};

// A sendmail mode that implies a queue, a daemon or an interactive session, none of which
// smtpsend has.
struct RefusedMode {
  std::string_view flag;
  std::string_view what;
};

constexpr std::array refused_modes{
    RefusedMode{"-bs", "an SMTP conversation on standard input"},
    RefusedMode{"-bp", "listing the mail queue, as mailq does"},
    RefusedMode{"-bd", "running as a daemon"},
    RefusedMode{"-bD", "running as a daemon in the foreground"},
    RefusedMode{"-bi", "rebuilding the alias database, as newaliases does"},
    RefusedMode{"-I", "rebuilding the alias database, as newaliases does"},
    RefusedMode{"-bv", "verifying recipients without sending"},
    RefusedMode{"-bt", "testing address rewriting"},
    RefusedMode{"-bh", "printing the persistent host status"},
    RefusedMode{"-bH", "purging the persistent host status"},
    RefusedMode{"-bP", "counting the messages in the mail queue"},
    RefusedMode{"-q", "processing the mail queue"},
};

[[noreturn]] void refuse_mode(std::string_view spelled, std::string_view what) {
  throw Failure(ErrorKind::usage, std::string(spelled) + " (" + std::string(what) +
                                      ") is not supported: " + std::string(no_queue_or_daemon));
}

std::string_view refused_mode_description(std::string_view flag) {
  for (const auto& mode : refused_modes) {
    if (mode.flag == flag) {
      return mode.what;
    }
  }
  return {};
}

// Values that end up in the SMTP dialog or in a header field must stay on one line: a CR or LF
// would let an argument inject commands or header fields (RFC 5321 §2.3.8, RFC 5322 §2.2).
// NUL is listed for completeness; it cannot arrive through argv, whose strings end at one.
void require_single_line(std::string_view what, std::string_view value) {
  if (has_line_break(value)) {
    throw Failure(ErrorKind::usage, std::string(what) + " " + quoted_for_message(value) +
                                        " contains a line break or NUL; give it on one line");
  }
}

// A setting of the table (config/config_file_keys.hpp), given by a flag: checked and resolved
// with the others by config/.
void set(Options& options, std::string_view key, std::string_view value, const FlagUse& use) {
  options.settings.overrides.push_back(
      {std::string(key), std::string(value), std::string(use.spelling)});
}

// sendmail's reading of a boolean option value: empty or starting with t or y is true.
bool sendmail_boolean(std::string_view value) {
  return value.empty() || std::string_view("tTyY").find(value.front()) != std::string_view::npos;
}

void apply_sender(Options& options, const FlagUse& use) {
  require_single_line("sender " + std::string(use.spelling), use.value);
  // "-f <>" and "-f ''" both ask for the null reverse-path (RFC 5321 §4.5.5), used for bounces
  // and auto-replies; it is kept in its SMTP spelling.
  set(options, "from", (use.value.empty() || use.value == "<>") ? "<>" : std::string(use.value),
      use);
}

void apply_full_name(Options& options, const FlagUse& use) {
  require_single_line("full name " + std::string(use.spelling), use.value);
  options.full_name = use.value;
}

// RFC 3461 §4.1: NOTIFY is NEVER, or a list of one or more of SUCCESS, FAILURE and DELAY.
void apply_dsn_notify(Options& options, const FlagUse& use) {
  std::vector<std::string> keywords;
  std::string_view rest = use.value;
  while (true) {
    const auto comma = rest.find(',');
    const std::string keyword = ascii_lower(trim_blanks(rest.substr(0, comma)));
    if (keyword != "never" && keyword != "success" && keyword != "failure" && keyword != "delay") {
      throw Failure(ErrorKind::usage,
                    std::string(use.spelling) + " " + quoted_for_message(use.value) +
                        " is not a delivery status notification request: give never, or a "
                        "comma-separated list of success, failure and delay (RFC 3461 §4.1)");
    }
    if (std::find(keywords.begin(), keywords.end(), keyword) == keywords.end()) {
      keywords.push_back(keyword);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  const bool never = std::find(keywords.begin(), keywords.end(), "never") != keywords.end();
  if (never && keywords.size() > 1) {
    throw Failure(ErrorKind::usage, std::string(use.spelling) + " " +
                                        quoted_for_message(use.value) +
                                        ": never cannot be combined with success, failure or "
                                        "delay (RFC 3461 §4.1)");
  }
  std::string notify;
  for (const auto& keyword : keywords) {
    notify += (notify.empty() ? "" : ",") + keyword;
  }
  set(options, "dsn_notify", notify, use);
}

// RFC 3461 §4.3: RET is FULL (the whole message) or HDRS (its headers only).
void apply_dsn_return(Options& options, const FlagUse& use) {
  const std::string what = ascii_lower(use.value);
  if (what != "full" && what != "hdrs") {
    throw Failure(ErrorKind::usage,
                  std::string(use.spelling) + " " + quoted_for_message(use.value) +
                      " is not what a delivery status notification returns: give full (the "
                      "whole message) or hdrs (its headers only) (RFC 3461 §4.3)");
  }
  set(options, "dsn_return", what == "hdrs" ? "headers" : "full", use);  // the key's words
}

// RFC 3461 §4.4: ENVID is printable ASCII, at most 100 characters. '+' and '=' are refused too:
// xtext (RFC 3461 §4) would have to encode them, and the identifier is meant to come back in
// reports exactly as it was given.
void apply_dsn_envelope_id(Options& options, const FlagUse& use) {
  const auto is_allowed = [](char c) { return c > ' ' && c < '\x7f' && c != '+' && c != '='; };
  const bool valid = !use.value.empty() && use.value.size() <= max_envelope_id_length &&
                     std::all_of(use.value.begin(), use.value.end(), is_allowed);
  if (!valid) {
    throw Failure(ErrorKind::usage,
                  std::string(use.spelling) + " " + quoted_for_message(use.value) +
                      " is not an envelope identifier: use 1 to 100 printable ASCII characters "
                      "without spaces, '+' or '=' (RFC 3461 §4.4)");
  }
  options.dsn_envelope_id = use.value;
}

// sendmail's -A chooses its own configuration: -Ac submit.cf, -Am sendmail.cf. msmtp took -A
// for an account name; both readings are kept, as the two never overlap in practice.
void apply_account_or_sendmail_config(Options& options, const FlagUse& use) {
  if (use.value == "c" || use.value == "m") {
    return;
  }
  options.settings.account = use.value;
}

// -o<letter>[value] sets one of sendmail's one-letter options. Only -oi (IgnoreDots) changes
// what is sent; delivery modes (-odb), error modes (-oem) and queue settings (-oQ/x) concern a
// queue smtpsend does not have.
void apply_short_sendmail_option(Options& options, const FlagUse& use) {
  if (!use.value.empty() && use.value.front() == 'i') {
    options.dot_ends_input = !sendmail_boolean(use.value.substr(1));
  }
}

// -O Name=value is the long form of -o. IgnoreDots, the long name of -oi, is honoured so that
// a line with a lone "." never cuts a message short; the others are ignored, as Postfix does.
void apply_long_sendmail_option(Options& options, const FlagUse& use) {
  const auto equals = use.value.find('=');
  const std::string_view name = trim_blanks(use.value.substr(0, equals));
  if (equals_ignoring_ascii_case(name, "IgnoreDots")) {
    options.dot_ends_input = !sendmail_boolean(equals == std::string_view::npos
                                                   ? std::string_view()
                                                   : trim_blanks(use.value.substr(equals + 1)));
  }
}

// -b<mode>: -bm, delivering the message on standard input, is what smtpsend always does.
void apply_mode(Options& /*options*/, const FlagUse& use) {
  if (use.value == "m") {
    return;
  }
  const std::string spelled = "-b" + std::string(use.value);
  const std::string_view what = refused_mode_description(spelled);
  if (!what.empty()) {
    refuse_mode(spelled, what);
  }
  throw Failure(ErrorKind::usage,
                "unknown sendmail mode " + quoted_for_message(spelled) +
                    "; smtpsend only delivers the message on standard input (-bm, the default): " +
                    std::string(no_queue_or_daemon));
}

void refuse_flag(Options& /*options*/, const FlagUse& use) {
  refuse_mode(use.spelling, refused_mode_description(use.spelling));
}

// The caller's arguments may carry an injected one (an unescaped -f value, as in
// CVE-2016-10033): a file named there could be any file the caller may write. The trace file of
// sendmail mode comes from the configuration only.
void refuse_trace_file(Options& /*options*/, const FlagUse& use) {
  throw Failure(ErrorKind::usage,
                std::string(use.spelling) +
                    " is not taken in sendmail mode, where arguments come from other programs; "
                    "set trace_file in the configuration file, or use -v for a trace on stderr");
}

void refuse_queue_run(Options& /*options*/, const FlagUse& use) {
  refuse_mode(std::string(use.spelling) + std::string(use.value),
              refused_mode_description(use.spelling));
}

void ignore(Options& /*options*/, const FlagUse& /*use*/) {}

std::string sendmail_help_text();

// Every flag of sendmail mode, once: the parser and --help both read this table.
constexpr std::array flag_specs{
    FlagSpec{"-t", Argument::none, "", HelpGroup::listed,
             "Also send to the message's To, Cc and Bcc addresses (Bcc is then removed)",
             [](Options& options, const FlagUse&) { options.recipients_from_headers = true; }},
    FlagSpec{"-i", Argument::none, "", HelpGroup::listed,
             "A line with a lone \".\" does not end the message (also -oi)",
             [](Options& options, const FlagUse&) { options.dot_ends_input = false; }},
    FlagSpec{"-f -r", Argument::required, "ADDR", HelpGroup::listed,
             "Envelope sender; \"<>\" or \"\" for the null sender", apply_sender},
    FlagSpec{"-F", Argument::required, "NAME", HelpGroup::listed,
             "Full name for the From field added when the message has none", apply_full_name},
    FlagSpec{"-N", Argument::required, "WHEN", HelpGroup::listed,
             "Delivery status notifications: never, or a list of success,failure,delay",
             apply_dsn_notify},
    FlagSpec{"-R", Argument::required, "WHAT", HelpGroup::listed,
             "What a failure notification returns: full (message) or hdrs (headers)",
             apply_dsn_return},
    FlagSpec{"-V", Argument::required, "ENVID", HelpGroup::listed,
             "Envelope identifier that delivery status notifications quote", apply_dsn_envelope_id},
    FlagSpec{
        "-C --file --config", Argument::required, "FILE", HelpGroup::listed,
        "Read the configuration from FILE instead of the usual places",
        [](Options& options, const FlagUse& use) { options.settings.config_file = use.value; }},
    FlagSpec{"-a --account", Argument::required, "NAME", HelpGroup::listed,
             "Use this account of the configuration file",
             [](Options& options, const FlagUse& use) { options.settings.account = use.value; }},
    FlagSpec{"-A", Argument::required, "NAME", HelpGroup::listed,
             "Account, as -a; sendmail's -Ac and -Am (its own files) are ignored",
             apply_account_or_sendmail_config},
    FlagSpec{"-v --trace", Argument::none, "", HelpGroup::listed,
             "Show the SMTP dialog and TLS details on stderr (secrets redacted)",
             [](Options& options, const FlagUse&) { options.trace = true; }},
    FlagSpec{"--trace-file", Argument::required, "FILE", HelpGroup::refused, "", refuse_trace_file},
    FlagSpec{"--timeout", Argument::required, "SECONDS", HelpGroup::listed,
             "Seconds to wait for a connection or a reply",
             [](Options& options, const FlagUse& use) { set(options, "timeout", use.value, use); }},
    FlagSpec{
        "--max-time", Argument::required, "SECONDS", HelpGroup::listed,
        "Give up after this many seconds in all",
        [](Options& options, const FlagUse& use) { set(options, "max_time", use.value, use); }},
    FlagSpec{"--show-config", Argument::none, "", HelpGroup::listed,
             "Print the effective settings and where each came from",
             [](Options& options, const FlagUse&) { options.show_config = true; }},
    FlagSpec{"--help", Argument::none, "", HelpGroup::listed, "Print this help and exit",
             [](Options& options, const FlagUse&) { options.help_text = sendmail_help_text(); }},
    FlagSpec{"--version", Argument::none, "", HelpGroup::listed, "Print the version and exit",
             [](Options& options, const FlagUse&) { options.show_version = true; }},
    FlagSpec{"-o", Argument::required, "OPTION", HelpGroup::listed,
             "-oi is -i; other one-letter options (-oem, -odb, ...) are ignored",
             apply_short_sendmail_option},
    FlagSpec{"-O", Argument::required, "NAME=VALUE", HelpGroup::listed,
             "-O IgnoreDots is -i; other sendmail options are ignored", apply_long_sendmail_option},
    FlagSpec{"-b", Argument::required, "MODE", HelpGroup::listed,
             "-bm (deliver the message on standard input) is the only mode", apply_mode},
    FlagSpec{"-B", Argument::required, "TYPE", HelpGroup::ignored, "", ignore},
    FlagSpec{"-e", Argument::required, "MODE", HelpGroup::ignored, "", ignore},
    FlagSpec{"-h", Argument::required, "HOPS", HelpGroup::ignored, "", ignore},
    FlagSpec{"-L", Argument::required, "LABEL", HelpGroup::ignored, "", ignore},
    FlagSpec{"-X", Argument::required, "FILE", HelpGroup::ignored, "", ignore},
    FlagSpec{"-G -m -n -U", Argument::none, "", HelpGroup::ignored, "", ignore},
    FlagSpec{"-I", Argument::none, "", HelpGroup::refused, "", refuse_flag},
    FlagSpec{"-q", Argument::attached_optional, "", HelpGroup::refused, "", refuse_queue_run},
};

// Calls visit(name) for each space-separated spelling of the flag.
template <typename Visit>
void for_each_name(const FlagSpec& spec, Visit visit) {
  std::string_view rest = spec.names;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    visit(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
}

const FlagSpec* find_flag(std::string_view spelling) {
  for (const auto& spec : flag_specs) {
    bool found = false;
    for_each_name(spec, [&](std::string_view name) { found = found || name == spelling; });
    if (found) {
      return &spec;
    }
  }
  return nullptr;
}

[[noreturn]] void throw_unknown_flag(std::string_view flag, std::string_view word) {
  std::string message = "unknown option " + std::string(flag);
  if (flag != word) {
    message += " (in " + std::string(word) + ")";
  }
  throw Failure(ErrorKind::usage, message + std::string(see_help));
}

[[noreturn]] void throw_missing_argument(std::string_view spelling, const FlagSpec& spec) {
  throw Failure(ErrorKind::usage, std::string(spelling) + " needs an argument (" +
                                      std::string(spec.argument_name) + ")" +
                                      std::string(see_help));
}

// Reads one word of short flags, clustered as getopt(3) allows: "-ti" is -t -i, and a flag that
// takes an argument takes the rest of the word or else the next word ("-fADDR", "-tif ADDR").
// Returns the index of the last word used.
std::size_t read_short_flags(Options& options, const std::vector<std::string_view>& words,
                             std::size_t index) {
  const std::string_view word = words[index];
  for (std::size_t position = 1; position < word.size(); ++position) {
    const std::string spelling{'-', word[position]};
    const FlagSpec* spec = find_flag(spelling);
    if (spec == nullptr) {
      throw_unknown_flag(spelling, word);
    }
    const std::string_view rest = word.substr(position + 1);
    switch (spec->argument) {
      case Argument::none:
        spec->apply(options, {spelling, {}});
        continue;
      case Argument::attached_optional:
        spec->apply(options, {spelling, rest});
        return index;
      case Argument::required:
        if (!rest.empty()) {
          spec->apply(options, {spelling, rest});
          return index;
        }
        if (index + 1 >= words.size()) {
          throw_missing_argument(spelling, *spec);
        }
        spec->apply(options, {spelling, words[index + 1]});
        return index + 1;
    }
  }
  return index;
}

// Reads "--name", "--name=VALUE" or "--name VALUE". Returns the index of the last word used.
std::size_t read_long_flag(Options& options, const std::vector<std::string_view>& words,
                           std::size_t index) {
  const std::string_view word = words[index];
  const auto equals = word.find('=');
  const std::string_view spelling = word.substr(0, equals);
  const FlagSpec* spec = find_flag(spelling);
  if (spec == nullptr) {
    throw_unknown_flag(spelling, spelling);
  }
  if (spec->argument == Argument::none) {
    if (equals != std::string_view::npos) {
      throw Failure(ErrorKind::usage,
                    std::string(spelling) + " takes no value" + std::string(see_help));
    }
    spec->apply(options, {spelling, {}});
    return index;
  }
  if (equals != std::string_view::npos) {
    spec->apply(options, {spelling, word.substr(equals + 1)});
    return index;
  }
  if (index + 1 >= words.size()) {
    throw_missing_argument(spelling, *spec);
  }
  spec->apply(options, {spelling, words[index + 1]});
  return index + 1;
}

void add_recipient(Options& options, std::string_view argument) {
  if (trim_blanks(argument).empty()) {
    throw Failure(ErrorKind::usage,
                  "an empty recipient argument; give an address, or -t to read the recipients "
                  "from the message headers");
  }
  require_single_line("recipient", argument);
  options.to.emplace_back(argument);
}

// The synopsis of a listed flag: "-C FILE, --file=FILE, --config=FILE".
std::string synopsis_of(const FlagSpec& spec) {
  std::string synopsis;
  for_each_name(spec, [&](std::string_view name) {
    synopsis += (synopsis.empty() ? "" : ", ") + std::string(name);
    if (!spec.argument_name.empty()) {
      synopsis += (name.starts_with("--") ? "=" : " ") + std::string(spec.argument_name);
    }
  });
  return synopsis;
}

// Appends items to text as a comma-separated list, wrapped at the help text's width.
void append_wrapped_list(std::string& text, const std::vector<std::string>& items) {
  constexpr std::size_t width = 98;
  constexpr std::string_view indent = "  ";
  std::size_t line_length = width;  // forces a new line before the first item
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item = items[i] + (i + 1 < items.size() ? "," : ".");
    if (line_length + 1 + item.size() > width) {
      text += "\n" + std::string(indent) + item;
      line_length = indent.size() + item.size();
    } else {
      text += " " + item;
      line_length += 1 + item.size();
    }
  }
  text += "\n";
}

std::string sendmail_help_text() {
  constexpr std::size_t description_column = 26;
  std::string text =
      "Usage: sendmail [options] [--] recipient...\n"
      "       sendmail [options] -t [--] [recipient...]\n\n"
      "Sendmail mode: reads one complete message, headers and body, from standard input and\n"
      "sends it to each recipient (an argument may be a comma-separated list) through the\n"
      "configured SMTP server.\n\n"
      "Options:\n";
  std::vector<std::string> ignored;
  for (const auto& spec : flag_specs) {
    if (spec.group == HelpGroup::ignored) {
      for_each_name(spec, [&](std::string_view name) {
        ignored.push_back(std::string(name) + (spec.argument_name.empty()
                                                   ? ""
                                                   : " " + std::string(spec.argument_name)));
      });
      continue;
    }
    if (spec.group != HelpGroup::listed) {
      continue;
    }
    std::string row = "  " + synopsis_of(spec);
    row += row.size() + 2 > description_column ? "\n" + std::string(description_column, ' ')
                                               : std::string(description_column - row.size(), ' ');
    text += row + std::string(spec.help) + "\n";
  }
  text += "\nAccepted and ignored, as sendmail does:";
  append_wrapped_list(text, ignored);
  text += "\nRefused, since smtpsend sends one message per run and keeps no queue or daemon:\n";
  for (const auto& mode : refused_modes) {
    text += "  " + std::string(mode.flag) +
            std::string(description_column - 2 - mode.flag.size(), ' ') + std::string(mode.what) +
            "\n";
  }
  text +=
      "\nExit status: 0 sent; 64 usage; 65 bad message; 67 recipient refused; 69 refused\n"
      "permanently; 75 temporary failure, try again later; others as smtpsend(1) lists them.\n";
  return text;
}

}  // namespace

bool invoked_as_sendmail(std::string_view argv0) {
  const auto slash = argv0.find_last_of('/');
  return (slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1)) == "sendmail";
}

Options parse_sendmail_command_line(int argc, const char* const* argv) {
  Options options;
  options.settings.sendmail_mode = true;
  std::vector<std::string_view> words;
  for (int i = 1; i < argc; ++i) {
    words.emplace_back(argv[i]);
  }
  // Flags may follow recipients, as with msmtp's getopt_long(3); only "--" ends them, so that a
  // recipient that starts with "-" can still be given.
  bool flags_ended = false;
  for (std::size_t index = 0; index < words.size(); ++index) {
    const std::string_view word = words[index];
    if (flags_ended || word.size() < 2 || word.front() != '-') {
      add_recipient(options, word);
    } else if (word == "--") {
      flags_ended = true;
    } else if (word.starts_with("--")) {
      index = read_long_flag(options, words, index);
    } else {
      index = read_short_flags(options, words, index);
    }
    if (!options.help_text.empty()) {
      return options;
    }
  }
  const bool only_informs = options.show_version || options.show_config;
  if (options.to.empty() && !options.recipients_from_headers && !only_informs) {
    throw Failure(ErrorKind::usage,
                  "no recipients: give addresses or -t (read them from the message headers)");
  }
  return options;
}

}  // namespace smtpsend::cli
