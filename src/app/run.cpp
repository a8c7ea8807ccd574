#include "app/run.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>

#include "app/batch.hpp"
#include "app/compose.hpp"
#include "app/deliver.hpp"
#include "app/exit_code.hpp"
#include "app/report.hpp"
#include "app/run_log.hpp"
#include "app/version.hpp"
#include "cli/options.hpp"
#include "cli/sendmail_args.hpp"
#include "common/auth_mechanisms.hpp"
#include "common/interruption.hpp"
#include "common/secret_wipe.hpp"
#include "common/time_limits.hpp"
#include "config/account.hpp"
#include "config/warnings_shown.hpp"
#include "mime/syntax_helpers.hpp"
#include "net/tls_pinning.hpp"
#include "net/tls_session.hpp"
#include "net/transport.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"
#include "trace/trace_file.hpp"

namespace smtpsend::app {

namespace {

extern "C" void do_nothing_on_signal(int /*signal_number*/) {}

// A write to a socket or pipe whose reader has gone (the server, or `| head` after --dry-run) must
// fail with EPIPE and be reported, never end the program by signal. A handler that does nothing
// rather than SIG_IGN: an ignored signal stays ignored in the commands we start (--password-cmd),
// a caught one is reset to the default there.
void survive_broken_pipes() {
  struct sigaction action {};
  action.sa_handler = do_nothing_on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGPIPE, &action, nullptr);
}

smtp::SessionConfig session_config(const config::Account& account) {
  smtp::SessionConfig config;
  config.ehlo_domain = account.ehlo_domain;
  config.tls = account.tls;
  // GSSAPI and EXTERNAL take the Kerberos ticket or the TLS client certificate, and need no
  // user name: naming the mechanism is enough to authenticate.
  if (!account.user.empty() || !auth_needs_secret(account.auth)) {
    config.credentials = smtp::Credentials{account.user, account.password};
  }
  config.auth_mechanism = account.auth;
  config.server_host = account.host;
  config.server_port = account.port;
  config.ntlm_domain = account.ntlm_domain;
  config.allow_plaintext_auth = account.allow_plaintext_auth;
  config.partial_delivery = account.partial_delivery;
  return config;
}

// What to fix when the server's name does not resolve: where the name came from, so that sendmail
// mode (which has no --server) points at its configuration file or the environment.
std::string host_hint(const config::Account& account) {
  const config::SettingValue* host = account.settings.find("host");
  if (host == nullptr) {
    return "check the server name";
  }
  switch (host->layer) {
    case config::Layer::command_line:
      return "check " + host->origin;
    case config::Layer::environment:
      return "check " + host->origin.substr(std::string_view("env ").size());
    case config::Layer::file:
    case config::Layer::fallback:
      break;
  }
  return "check host at " + host->origin;
}

net::ConnectOptions connect_options(const config::Account& account, const TimeLimits& limits) {
  net::ConnectOptions options;
  options.host = account.host;
  options.host_hint = host_hint(account);
  options.port = account.port;
  options.limits = limits;
  options.connect_timeout = account.connect_timeout;
  options.source_ip = account.source_ip;
  options.tls.crl_file = account.tls_crl_file;
  options.tls.trust_file = account.tls_trust_file;
  options.tls.insecure = account.tls_insecure;
  options.tls.priorities = account.tls_priorities;
  options.tls.fingerprint = account.tls_fingerprint;
  options.tls.cert_file = account.tls_cert_file;
  options.tls.key_file = account.tls_key_file;
  options.tls.server_name = account.tls_server_name;
  return options;
}

// The trace goes to the trace_file setting (--trace-file, never from sendmail mode's arguments:
// cli refuses it there), which also turns it on; else to stderr with --trace or -v.
std::unique_ptr<trace::Sink> make_trace(const cli::Options& options,
                                        const config::Account& account) {
  const std::string& path = account.trace_file;
  if (!options.trace && path.empty()) {
    return std::make_unique<trace::NullSink>();
  }
  if (path.empty()) {
    return std::make_unique<trace::SpdlogSink>();
  }
  const config::SettingValue* setting = account.settings.find("trace_file");
  const std::string named =
      setting->layer == config::Layer::command_line ? setting->origin : "trace_file";
  auto file = trace::open_trace_file(path, named);
  for (const auto& warning : file.warnings) {
    spdlog::warn(warning);
  }
  return std::make_unique<trace::SpdlogSink>(std::move(file));
}

// Diagnostics go to stderr with one prefix; stdout is kept for --dry-run output.
void set_up_diagnostics() {
  auto logger = spdlog::stderr_logger_st("smtpsend");
  logger->set_pattern("smtpsend: %l: %v");
  spdlog::set_default_logger(std::move(logger));
}

void print_message(mime::MessageStream& content) {
  std::string chunk;
  while (content.next(chunk)) {
    std::cout << chunk;
    chunk.clear();
  }
  std::cout.flush();
  if (!std::cout) {
    throw Failure(ErrorKind::io, "cannot write the message to standard output");
  }
}

// Settings GnuTLS would only reject at the handshake, checked before anything is sent.
void check_tls_settings(const config::Account& account) {
  if (!account.tls_fingerprint.empty()) {
    net::parse_pins(account.tls_fingerprint);
  }
  if (!account.tls_priorities.empty()) {
    net::check_priority_string(account.tls_priorities);
  }
}

// RFC 6152 §3: 8-bit data goes only to a server that announced 8BITMIME. A message known to hold
// some is refused before MAIL (the session does that); one read as it is sent (standard input)
// is checked here, piece by piece, and the send stops before the final dot: nothing is delivered.
void refuse_unannounced_8bit(std::string_view chunk, const smtp::Capabilities& capabilities) {
  if (capabilities.eightbitmime ||
      std::none_of(chunk.begin(), chunk.end(), mime::syntax::is_non_ascii)) {
    return;
  }
  throw Failure(ErrorKind::data,
                "the message contains 8-bit data (found as it was read), but the server does "
                "not offer 8BITMIME (RFC 6152); the message was not sent. Send it as 7-bit "
                "(encode its text as quoted-printable or base64), or use another server");
}

// When the server reports the OAuth 2.0 token expired (RFC 7628 §3.2.2), the session asks once
// for a fresh one: the token command runs again (config::fresh_password; a password given as it
// is has none). The fresh token replaces the account's, so that a batch's next connection starts
// with it. A command that fails now is a warning, and the server's refusal stands (77) with what
// it said about the token.
FreshSecret fresh_secret_for(config::Account& account, const TimeLimits& limits) {
  return [&account, &limits]() -> std::optional<std::string> {
    try {
      std::optional<std::string> fresh = config::fresh_password(account, limits);
      if (fresh) {
        wipe(account.password);
        account.password = *fresh;
      }
      return fresh;
    } catch (const Failure& failure) {
      spdlog::warn("no fresh token for the one the server refused: {}", failure.error().message);
      return std::nullopt;
    }
  };
}

smtp::TransactionOutcome send(config::Account& account, const ComposedMessage& message,
                              const TimeLimits& limits, trace::Sink& trace) {
  // The transport is TCP first; implicit TLS (SMTPS) wraps it before the server says anything.
  auto transport = net::connect(connect_options(account, limits), trace);
  if (account.tls == TlsMode::smtps) {
    transport->start_tls();
    report_tls_warnings(*transport);
  }
  smtp::Session session(session_config(account), trace);
  return deliver(
      *transport, session, message.envelope,
      [&content = *message.content, &session](std::string& chunk) {
        const bool more = content.next(chunk);
        refuse_unannounced_8bit(chunk, session.capabilities());
        return more;
      },
      limits, fresh_secret_for(account, limits));
}

// Sendmail mode when invoked as "sendmail" or with --sendmail first; the native flags otherwise.
cli::Options parse_arguments(int argc, const char* const* argv) {
  if (argc > 0 && cli::invoked_as_sendmail(argv[0])) {
    return cli::parse_sendmail_command_line(argc, argv);
  }
  if (argc > 1 && std::string_view(argv[1]) == "--sendmail") {
    std::vector<const char*> rest(argv, argv + argc);
    rest.erase(rest.begin() + 1);
    return cli::parse_sendmail_command_line(static_cast<int>(rest.size()), rest.data());
  }
  return cli::parse_command_line(argc, argv);
}

int fail(const Error& error) {
  // The message may quote the server or a certificate: each line is escaped like the trace.
  std::string shown;
  std::string_view rest = error.message;
  while (true) {
    const auto end = rest.find('\n');
    shown += trace::escape_for_terminal(rest.substr(0, end));
    if (end == std::string_view::npos) {
      break;
    }
    shown += "\n  ";
    rest.remove_prefix(end + 1);
  }
  std::cerr << "smtpsend: error: " << shown << "\n";
  return exit_code_for(error.kind);
}

// --batch: every message file over one connection (app/batch.hpp), a result line for each, and
// the exit status batch_exit_code() chooses.
int run_batch(const cli::Options& options, config::Account& account,
              const config::Environment& environment, RunLog& log) {
  // Every PATH is listed before connecting: a missing one is found first.
  const std::vector<std::string> files = batch_files(options.batch);
  const TimeLimits limits(account.timeout, account.max_time);
  config::resolve_password(account, environment, limits);
  auto trace = make_trace(options, account);
  const auto connect = [&]() {
    BatchConnection link;
    link.transport = net::connect(connect_options(account, limits), *trace);
    if (account.tls == TlsMode::smtps) {
      link.transport->start_tls();
      report_tls_warnings(*link.transport);
    }
    link.session = std::make_unique<smtp::Session>(session_config(account), *trace);
    link.fresh_secret = fresh_secret_for(account, limits);
    return link;
  };
  // Each message's envelope as it was read, for the send log (none for one that could not be).
  std::vector<smtp::Envelope> envelopes(files.size());
  const auto open = [&](std::size_t index) {
    ComposedMessage message = compose_batch_message(files[index], options, account);
    envelopes[index] = message.envelope;
    return message;
  };
  catch_interruptions();
  const auto outcomes = send_batch(files.size(), open, connect, limits, refuse_unannounced_8bit);
  wipe(account.password);
  for (std::size_t index = 0; index < files.size(); ++index) {
    std::cerr << "smtpsend: " << describe_batch_result(files[index], outcomes[index]) << "\n";
    warn_about(outcomes[index].warnings);
    log.record_outcome(envelopes[index], outcomes[index], batch_message_exit_code(outcomes[index]));
  }
  if (const int signal_number = interruption(); signal_number != 0) {
    end_by_interruption(signal_number);
  }
  const int code = batch_exit_code(outcomes);
  if (code != 0) {
    const auto accepted = std::count_if(outcomes.begin(), outcomes.end(),
                                        [](const auto& outcome) { return outcome.accepted(); });
    std::cerr << "smtpsend: error: " << outcomes.size() - static_cast<std::size_t>(accepted)
              << " of " << outcomes.size() << " messages were not accepted (see above)\n";
  }
  return code;
}

// Keys the file ignores: always with --show-config; never with --quiet; else once per change of
// the file (config/warnings_shown.hpp), so that a cron job does not mail them every run.
void warn_about_configuration(const config::ConfigFile& configuration, const cli::Options& options,
                              const config::Environment& environment) {
  if (configuration.warnings.empty() || (options.quiet && !options.show_config)) {
    return;
  }
  if (!options.show_config &&
      !config::show_config_warnings_now(
          configuration.path,
          config::warnings_state_directory(environment("XDG_STATE_HOME"), environment("HOME")))) {
    return;
  }
  for (const auto& warning : configuration.warnings) {
    spdlog::warn(warning);
  }
}

// Everything after the configuration is read: from here on, every outcome goes to `log`.
int send_with_configuration(const cli::Options& options, const config::Environment& environment,
                            const config::ConfigFile* configuration, RunLog& log) {
  config::Account account =
      config::resolve_account(options.settings, environment, configuration, !options.batch.empty());
  log.know_account(account);
  if (options.show_config) {
    // Everything known is shown, conflicts included; the exit status then says whether the
    // account can be used.
    std::cout << config::describe_settings(account);
    std::cout.flush();
    config::require_usable(account);
    check_tls_settings(account);
    return 0;
  }
  // --dry-run prints the message and connects nowhere: it needs no server.
  config::require_usable(account, /*needs_server=*/!options.dry_run);
  check_tls_settings(account);
  if (!options.batch.empty()) {
    return run_batch(options, account, environment, log);
  }

  // Everything that can be wrong with the message is found before connecting.
  const ComposedMessage message = compose_message(options, account);
  for (const auto& warning : message.warnings) {
    spdlog::warn(warning);
  }
  if (options.dry_run) {
    print_message(*message.content);
    warn_about(message.content->warnings());
    return 0;
  }

  // Every time limit, once: --max-time counts from here, so it bounds the password command
  // and the delivery together (a hung command must not escape it).
  const TimeLimits limits(account.timeout, account.max_time);
  config::resolve_password(account, environment, limits);
  auto trace = make_trace(options, account);
  const auto started = std::chrono::steady_clock::now();
  smtp::TransactionOutcome outcome;
  // From here a signal to stop is reported and logged before the program ends by it.
  catch_interruptions();
  try {
    outcome = send(account, message, limits, *trace);
  } catch (const Failure& failure) {
    outcome.error = failure.error();  // no connection, or no TLS: still worth a log line
  }
  // The session holds its own copy of the password until it ends, inside send().
  wipe(account.password);
  report_outcome(outcome, *trace, std::chrono::steady_clock::now() - started);
  warn_about(outcome.warnings);
  warn_about(message.content->warnings());  // found as the message was read (long lines)
  if (const int signal_number = interruption(); signal_number != 0 && !outcome.accepted()) {
    // The outcome's error says what the signal interrupted, and whether the message may
    // have been delivered all the same (the final dot went out, its reply did not arrive).
    const Error error = outcome.error.value_or(
        Error{ErrorKind::temporary, "interrupted by " + signal_name(signal_number), {}});
    log.record_outcome(message.envelope, outcome, exit_status_of_signal(signal_number),
                       /*interrupted=*/true);
    fail(error);
    end_by_interruption(signal_number);
  }
  if (!outcome.accepted()) {
    const Error error = outcome.error.value_or(
        Error{ErrorKind::internal, "the message was not sent, for an unknown reason", {}});
    log.record_outcome(message.envelope, outcome, exit_code_for(error.kind));
    return fail(error);
  }
  log.record_outcome(message.envelope, outcome, 0);
  return 0;
}

Error unexpected_failure(const std::exception& unexpected) {
  return Error{
      ErrorKind::internal,
      std::string("unexpected failure: ") + unexpected.what() + "; please report this as a bug",
      {}};
}

}  // namespace

int run(int argc, const char* const* argv) {
  survive_broken_pipes();
  set_up_diagnostics();
  try {
    const cli::Options options = parse_arguments(argc, argv);
    if (!options.help_text.empty()) {
      std::cout << options.help_text;
      return 0;
    }
    if (options.show_version) {
      std::cout << "smtpsend " << version << "\n";
      return 0;
    }
    const auto environment = config::process_environment();
    // A configuration that cannot be read names no log: its failure goes to stderr only.
    const auto configuration = config::load_configuration(options.settings, environment);
    if (configuration) {
      warn_about_configuration(*configuration, options, environment);
    }
    const config::ConfigFile* file = configuration ? &*configuration : nullptr;
    // --show-config and --dry-run send nothing: they are not logged.
    RunLog log(options.show_config || options.dry_run
                   ? config::LogDestination{}
                   : config::resolve_log_destination(options.settings, environment, file));
    try {
      return send_with_configuration(options, environment, file, log);
    } catch (const Failure& failure) {
      log.record_failure(failure.error(), exit_code_for(failure.error().kind));
      return fail(failure.error());
    } catch (const std::exception& unexpected) {
      const Error error = unexpected_failure(unexpected);
      log.record_failure(error, exit_code_for(error.kind));
      return fail(error);
    }
  } catch (const Failure& failure) {
    return fail(failure.error());
  } catch (const std::exception& unexpected) {
    return fail(unexpected_failure(unexpected));
  }
}

}  // namespace smtpsend::app
