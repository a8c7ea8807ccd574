#include "app/compose.hpp"

#include <fmt/format.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "app/recipients.hpp"
#include "common/ascii.hpp"
#include "common/error.hpp"
#include "common/input_file.hpp"
#include "common/standard_streams.hpp"
#include "common/text.hpp"
#include "common/unique_fd.hpp"
#include "mime/address.hpp"
#include "mime/date.hpp"
#include "mime/header_encoding.hpp"
#include "mime/idna.hpp"
#include "mime/message_id.hpp"
#include "mime/message_writer_content_ids.hpp"
#include "mime/message_writer_files.hpp"
#include "mime/submitted_message.hpp"
#include "mime/utf8.hpp"

namespace smtpsend::app {

namespace {

// RFC 1428 §3: the label for text in a character set that is not known.
constexpr std::string_view unknown_charset = "unknown-8bit";

// read(2) in bulk rather than iostreams, which take a failed read for the end of the input and
// would send what came before it as the whole body.
std::string read_stdin(std::string_view what) {
  if (::isatty(STDIN_FILENO) == 1) {
    std::cerr << "smtpsend: reading the " << what << " from the terminal; end it with Ctrl-D\n";
  }
  // A file redirected to standard input says how much is left; a pipe does not.
  std::uint64_t expected_size = 0;
  struct stat status {};
  if (::fstat(STDIN_FILENO, &status) == 0 && S_ISREG(status.st_mode)) {
    const off_t offset = ::lseek(STDIN_FILENO, 0, SEEK_CUR);
    if (offset >= 0 && offset < status.st_size) {
      expected_size = static_cast<std::uint64_t>(status.st_size - offset);
    }
  }
  return read_to_end(STDIN_FILENO, "the " + std::string(what) + " from standard input",
                     expected_size);
}

std::string read_file(const std::string& path, std::string_view option) {
  if (path == "-") {
    return read_stdin("message body");
  }
  return read_input_file(path, std::string(option) + " file");
}

std::uint64_t random_64() {
  std::uint64_t value = 0;
  if (gnutls_rnd(GNUTLS_RND_NONCE, &value, sizeof value) != 0) {
    throw Failure(ErrorKind::internal, "the random number generator failed");
  }
  return value;
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

// Runs `step`, saying in any error it throws which option the bad value came from.
template <typename Step>
auto for_option(std::string_view option, Step&& step) {
  try {
    return step();
  } catch (const Failure& failure) {
    Error error = failure.error();
    error.message = std::string(option) + ": " + error.message;
    throw Failure(std::move(error));
  }
}

// Local names: qualified with maildomain in both modes; sent as written only in sendmail mode,
// where callers such as cron and PHP (-fwww-data) use them and an MTA's sendmail accepts them.
// In native mode a name without a domain is more often a mistake than a local user.
LocalNameRule local_name_rule(const cli::Options& options, const config::Account& account) {
  return LocalNameRule{account.mail_domain, options.settings.sendmail_mode};
}

// The one sender -f/--from (or the from key) names.
// Named in errors by where it was set: -f, SMTPSEND_FROM, a line of the configuration file, or
// the default built from the user's name.
mime::Mailbox parse_sender(const config::Account& account, const LocalNameRule& local_names) {
  const std::string origin = account.settings.origin("from");
  const std::string named = origin.empty() || origin == "default"
                                ? "the default sender (user@host; set one with -f/--from)"
                                : "the sender (" + account.settings.as_written("from") + ")";
  const auto senders =
      for_option(named, [&] { return parse_recipients({account.from}, {}, local_names); });
  if (senders.size() != 1) {
    throw Failure(ErrorKind::usage, named + " must be exactly one address; fix it");
  }
  return senders.front();
}

mime::FilePart file_part(const cli::FileArgument& argument) {
  return mime::FilePart{argument.path, argument.media_type, argument.name, argument.content_id};
}

// A part's file name ends up in a header parameter; a line break in it is refused here, naming
// where it came from, although the parameter encoding would keep it harmless. So is a name that
// is only directories (name=..), which file_name_of() refuses.
void check_part_name(const cli::FileArgument& argument, std::string_view option) {
  if (has_line_break(argument.name)) {
    throw Failure(
        ErrorKind::usage,
        std::string(option) + ": name= contains a line break or NUL; give it on one line");
  }
  const std::string shown =
      for_option(option, [&] { return mime::file_name_of(file_part(argument)); });
  if (argument.name.empty() && has_line_break(shown)) {
    throw Failure(ErrorKind::data, std::string(option) + ": the file name of '" + argument.path +
                                       "' contains a line break; rename the file or give name=");
  }
}

// Whether an attachment or inline part is standard input (`-a -`): then it is not the body too.
bool part_reads_stdin(const cli::Options& options) {
  const auto is_stdin = [](const cli::FileArgument& part) {
    return names_standard_input(part.path);
  };
  return std::any_of(options.attachments.begin(), options.attachments.end(), is_stdin) ||
         std::any_of(options.inline_parts.begin(), options.inline_parts.end(), is_stdin);
}

// With no --text, --html or --message, standard input is the text body, as for mail(1); except
// that a terminal is not waited on, nor a closed standard input taken for an error, when the
// message already has attachments to carry.
bool text_comes_from_stdin(const cli::Options& options) {
  if (options.text_file || options.html_file || part_reads_stdin(options)) {
    return false;
  }
  return options.attachments.empty() ||
         (::isatty(STDIN_FILENO) != 1 && !standard_streams_at_start().input_closed);
}

// Whether the message, or a part of it, is to be read from standard input.
bool reads_stdin(const cli::Options& options) {
  if (options.settings.sendmail_mode) {
    return true;
  }
  if (options.message_file) {
    return *options.message_file == "-";
  }
  return options.text_file == "-" || options.html_file == "-" || part_reads_stdin(options) ||
         text_comes_from_stdin(options);
}

// RFC 1428 §3: text whose character set is not known is labelled unknown-8bit. A body that was
// to be UTF-8 but is not (a log piped from journalctl, say) goes out so labelled rather than not
// at all; quoted-printable keeps its bytes as they are. A charset that is not UTF-8 is the user's
// word and is not checked.
std::string charset_for_body(const std::optional<std::string>& body, const std::string& charset,
                             std::string_view what, std::vector<std::string>& warnings) {
  const bool utf8 =
      equals_ignoring_ascii_case(charset, "UTF-8") || equals_ignoring_ascii_case(charset, "UTF8");
  if (!body || !utf8) {
    return charset;
  }
  const std::size_t invalid = mime::find_invalid_utf8(*body);
  if (invalid == std::string_view::npos) {
    return charset;
  }
  warnings.push_back(fmt::format(
      "{} is not valid UTF-8 (at byte {}); sent as charset={}; give --charset NAME to name its "
      "character set",
      what, invalid, unknown_charset));
  return std::string(unknown_charset);
}

void add_recipients(smtp::Envelope& envelope, const std::vector<mime::Mailbox>& mailboxes) {
  for (const auto& mailbox : mailboxes) {
    auto& recipients = envelope.recipients;
    if (std::find(recipients.begin(), recipients.end(), mailbox.address) == recipients.end()) {
      recipients.push_back(mailbox.address);
    }
    envelope.smtputf8 = envelope.smtputf8 || mime::needs_smtputf8(mailbox);
  }
}

// The account's `header` lines, except those a -H of the same name replaces, then the -H ones.
std::vector<std::pair<std::string, std::string>> headers_for(const cli::Options& options,
                                                             const config::Account& account) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& header : account.headers) {
    const bool replaced = std::any_of(
        options.headers.begin(), options.headers.end(),
        [&](const auto& given) { return equals_ignoring_ascii_case(given.first, header.first); });
    if (!replaced) {
      headers.push_back(header);
    }
  }
  headers.insert(headers.end(), options.headers.begin(), options.headers.end());
  return headers;
}

void compose_native_message(const cli::Options& options, const config::Account& account,
                            const mime::Mailbox& sender, const config::Aliases& aliases,
                            ComposedMessage& composed) {
  auto& envelope = composed.envelope;
  const LocalNameRule local_names = local_name_rule(options, account);
  const auto to = for_option("-t/--to (or a recipient argument)",
                             [&] { return parse_recipients(options.to, aliases, local_names); });
  const auto cc =
      for_option("-c/--cc", [&] { return parse_recipients(options.cc, aliases, local_names); });
  const auto bcc =
      for_option("-b/--bcc", [&] { return parse_recipients(options.bcc, aliases, local_names); });
  add_recipients(envelope, to);
  add_recipients(envelope, cc);
  add_recipients(envelope, bcc);

  if (options.message_file) {
    composed.content = mime::open_prepared_message(*options.message_file);
  } else {
    mime::MessageSpec spec;
    spec.from = sender;
    spec.to = to;
    spec.cc = cc;
    spec.reply_to =
        for_option("-r/--reply-to", [&] { return parse_recipients(options.reply_to, {}); });
    for (const auto& mailbox : spec.reply_to) {
      // Not an envelope address, but a UTF-8 one in the header needs SMTPUTF8 all the same.
      envelope.smtputf8 = envelope.smtputf8 || mime::needs_smtputf8(mailbox);
    }
    spec.subject = options.subject.value_or("");
    for_option("-s/--subject", [&] { mime::validate_header("Subject", spec.subject); });
    for (const auto& header : options.headers) {
      for_option("-H/--header", [&] { mime::validate_header(header.first, header.second); });
    }
    spec.extra_headers = headers_for(options, account);
    if (options.text_file) {
      spec.text = read_file(*options.text_file, "--text");
    } else if (text_comes_from_stdin(options)) {
      spec.text = read_stdin("message body");
    }
    if (options.html_file) {
      spec.html = read_file(*options.html_file, "--html");
    }
    for (const auto& argument : options.inline_parts) {
      check_part_name(argument, "--inline");
      mime::FilePart part = file_part(argument);
      // Also an ID made from a long file name, which can be too long for its header line.
      for_option("--inline", [&] { mime::validate_content_id(mime::content_id_of(part)); });
      spec.inline_parts.push_back(std::move(part));
    }
    if (part_reads_stdin(options) && ::isatty(STDIN_FILENO) == 1) {
      std::cerr << "smtpsend: reading the file part from the terminal; end it with Ctrl-D\n";
    }
    for (const auto& argument : options.attachments) {
      check_part_name(argument, "-a/--attach");
      spec.attachments.push_back(file_part(argument));
    }
    spec.charset = charset_for_body(spec.text, account.charset, "the body", composed.warnings);
    spec.html_charset =
        charset_for_body(spec.html, account.charset, "the HTML body", composed.warnings);
    spec.date = std::chrono::system_clock::now();
    spec.random = random_64;
    spec.message_id = mime::make_message_id(domain_of(spec.from.address), random_64);
    if (spec.html) {
      for (const auto& id : mime::unresolved_content_ids(*spec.html, spec.inline_parts)) {
        composed.warnings.push_back(
            fmt::format("the HTML refers to cid:{0} but no --inline part has that ID; add --inline "
                        "FILE,cid={0} or the image will be missing",
                        id));
      }
    }
    composed.content = mime::open_message(std::move(spec));
  }
}

// What sendmail mode (and --batch) does to a prepared message before sending it: Bcc taken out
// (unless the account keeps it), From, Date and Message-ID added when it has none; From replaced
// by the sender's (set_from_header on), To and Cc by an undisclosed-recipients group
// (undisclosed_recipients on).
mime::SubmissionRules submission_rules(const cli::Options& options, const config::Account& account,
                                       const mime::Mailbox& sender) {
  mime::SubmissionRules rules;
  rules.dot_ends_input = options.dot_ends_input;
  rules.remove_bcc = account.remove_bcc_headers;
  if (account.add_from_header && !sender.address.empty()) {
    mime::Mailbox shown = sender;
    if (!options.full_name.empty()) {
      shown.display_name = options.full_name;
    }
    rules.from_field = mime::format_mailbox(shown);
    rules.replace_from = account.replace_from_header;
  }
  rules.undisclosed_recipients = account.undisclosed_recipients;
  if (account.add_date_header) {
    rules.date_field = mime::format_date(std::chrono::system_clock::now());
  }
  if (account.add_message_id_header) {
    rules.message_id_field = mime::make_message_id(domain_of(sender.address), random_64);
  }
  return rules;
}

// -t: the addresses of the message's To, Cc and Bcc fields. A message with any Resent-To,
// Resent-Cc or Resent-Bcc field is being resent (RFC 5322 §3.6.6): it goes to those, not to its
// original recipients, as sendmail and Postfix do.
std::vector<std::string> recipients_from_headers(const mime::SubmittedHeaders& fields) {
  const bool resent =
      !fields.resent_to.empty() || !fields.resent_cc.empty() || !fields.resent_bcc.empty();
  const auto& to = resent ? fields.resent_to : fields.to;
  const auto& cc = resent ? fields.resent_cc : fields.cc;
  const auto& bcc = resent ? fields.resent_bcc : fields.bcc;
  std::vector<std::string> lists;
  for (const auto* field : {&to, &cc, &bcc}) {
    lists.insert(lists.end(), field->begin(), field->end());
  }
  return lists;
}

// Sendmail mode: standard input is the whole message. Its header section is read now, so that
// -t knows the recipients before anything is sent; the body streams later.
void compose_submitted_message(const cli::Options& options, const config::Account& account,
                               const mime::Mailbox& sender, const config::Aliases& aliases,
                               ComposedMessage& composed) {
  auto message =
      mime::read_submitted_message(STDIN_FILENO, submission_rules(options, account, sender));
  std::vector<std::string> lists = options.to;
  if (options.recipients_from_headers) {
    const auto from_headers = recipients_from_headers(message->headers());
    lists.insert(lists.end(), from_headers.begin(), from_headers.end());
  }
  add_recipients(composed.envelope, for_option("the recipients", [&] {
                   return parse_recipients(lists, aliases, local_name_rule(options, account));
                 }));
  composed.content = std::move(message);
}

// A --batch message file, with the descriptor the submitted message reads from.
class BatchMessageFile final : public mime::MessageStream {
 public:
  BatchMessageFile(UniqueFd descriptor, std::unique_ptr<mime::SubmittedMessage> message)
      : descriptor_(std::move(descriptor)), message_(std::move(message)) {}
  bool next(std::string& chunk) override { return message_->next(chunk); }
  std::uint64_t size() const override { return message_->size(); }
  bool has_8bit() const override { return message_->has_8bit(); }
  std::vector<std::string> warnings() const override { return message_->warnings(); }

 private:
  UniqueFd descriptor_;  // declared first: destroyed after the message that reads it
  std::unique_ptr<mime::SubmittedMessage> message_;
};

}  // namespace

ComposedMessage compose_batch_message(const std::string& path, const cli::Options& options,
                                      const config::Account& account) {
  InputFile file(path, "message file");
  if (file.is_in_memory()) {
    throw Failure(ErrorKind::no_input, "cannot open message file '" + path +
                                           "': not a regular file; --batch sends regular files");
  }
  UniqueFd descriptor(file.release_descriptor());
  // The sender's From field is added only when -f names it; the header section is read first.
  mime::Mailbox given_sender;
  if (account.settings.given_for_this_run("from")) {
    given_sender = parse_sender(account, local_name_rule(options, account));
  }
  cli::Options batch_options = options;
  batch_options.dot_ends_input = false;  // a file: a lone "." is just a line
  auto message = mime::read_submitted_message(
      descriptor.get(), submission_rules(batch_options, account, given_sender));
  ComposedMessage composed;
  auto& envelope = composed.envelope;
  mime::Mailbox sender = given_sender;
  if (sender.address.empty()) {
    const auto& from = message->headers().from;
    if (!from) {
      throw Failure(ErrorKind::data, "the message has no From field and no -f/--from was given");
    }
    const auto senders = for_option("the From field", [&] {
      return parse_recipients({*from}, {}, local_name_rule(options, account));
    });
    if (senders.empty()) {
      throw Failure(ErrorKind::data, "the From field names no address");
    }
    sender = senders.front();
  }
  envelope.mail_from = sender.address;
  envelope.smtputf8 = mime::needs_smtputf8(sender);
  envelope.dsn_notify = account.dsn_notify;
  envelope.dsn_return = account.dsn_return;
  envelope.dsn_envelope_id = options.dsn_envelope_id;
  const config::Aliases aliases = account.aliases_file.empty()
                                      ? config::Aliases()
                                      : config::Aliases::load(account.aliases_file);
  add_recipients(envelope, for_option("the recipients", [&] {
                   return parse_recipients(recipients_from_headers(message->headers()), aliases,
                                           local_name_rule(options, account));
                 }));
  if (envelope.recipients.empty()) {
    throw Failure(ErrorKind::data, "the message has no To, Cc or Bcc field to send it to");
  }
  envelope.body_8bit = envelope.smtputf8 || message->has_8bit();
  composed.content = std::make_unique<BatchMessageFile>(std::move(descriptor), std::move(message));
  return composed;
}

ComposedMessage compose_message(const cli::Options& options, const config::Account& account) {
  const config::Aliases aliases = account.aliases_file.empty()
                                      ? config::Aliases()
                                      : config::Aliases::load(account.aliases_file);
  ComposedMessage composed;
  auto& envelope = composed.envelope;
  // sendmail's -f <>: the null reverse-path, for bounces (RFC 5321 §4.5.5).
  const bool null_sender = options.settings.sendmail_mode && account.from == "<>";
  mime::Mailbox sender;
  if (!null_sender) {
    sender = parse_sender(account, local_name_rule(options, account));
    envelope.mail_from = sender.address;
    envelope.smtputf8 = mime::needs_smtputf8(sender);
  }
  envelope.dsn_notify = account.dsn_notify;
  envelope.dsn_return = account.dsn_return;
  envelope.dsn_envelope_id = options.dsn_envelope_id;

  // main() put /dev/null where a closed descriptor 0 was: reading it would send an empty message
  // that nobody wrote.
  if (standard_streams_at_start().input_closed && reads_stdin(options)) {
    throw Failure(ErrorKind::io,
                  "standard input is closed; give the message on standard input or with "
                  "--text/--message");
  }
  if (options.settings.sendmail_mode) {
    compose_submitted_message(options, account, sender, aliases, composed);
  } else {
    compose_native_message(options, account, sender, aliases, composed);
  }
  if (envelope.recipients.empty()) {
    throw Failure(ErrorKind::usage,
                  options.settings.sendmail_mode
                      ? "no recipients: give addresses, or -t to read them from the message"
                      : "no recipients; give at least one with -t/--to ADDRESS");
  }
  // RFC 6531 §3.4: a message with UTF-8 addresses in its headers is 8-bit as a whole.
  envelope.body_8bit = envelope.smtputf8 || composed.content->has_8bit();
  envelope.body_8bit_required = composed.content->is_known_8bit();
  if (const auto size = composed.content->size(); size > 0) {
    envelope.size = size;
  }
  return composed;
}

}  // namespace smtpsend::app
