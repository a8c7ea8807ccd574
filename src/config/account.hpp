#pragma once
// The account a message goes through: server, TLS, identity and credentials, built from the
// settings (config/settings.hpp: command line > environment > the file's account > defaults,
// each value with its origin). Knows nothing of SMTP, and nothing of the command line's parser:
// what the command line says arrives as a CommandLine.
//
// The jobs live in their own files: which file and which account (account_choice.cpp), the
// host's identity and placeholders (host_identity.cpp), the typed account and its conflicts
// (account.cpp), the password (account_password.cpp), and --show-config (show_config.cpp).

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/time_limits.hpp"
#include "common/tls_mode.hpp"
#include "config/config_file.hpp"
#include "config/settings.hpp"

namespace smtpsend::config {

struct Account {
  std::string config_path;     // the configuration file read; "" when none
  std::string account_name;    // "" when no account of the file was used
  std::string account_choice;  // how it was chosen: "--account", "from matches ...", "default"
  Settings settings;           // every setting's value and where it came from
  bool sendmail_mode = false;  // the run's mode: hints name what that mode can use
  // No server is set (nothing gives host): what to do about it. Only a send needs one.
  std::optional<Error> missing_server;
  // What else keeps this account from being used (tls off with a user...), each naming the
  // settings involved. require_usable() throws the first; --show-config shows them all.
  std::vector<Error> problems;

  std::string host;
  std::uint16_t port = 587;
  TlsMode tls = TlsMode::starttls;
  std::string tls_trust_file;  // "" = the system's trust store
  bool tls_insecure = false;
  std::string tls_priorities;
  std::string tls_fingerprint;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;  // tls_host_override; "" = the host
  std::string tls_crl_file;     // tls_crl_file: revoked certificates (PEM CRLs); "" = none
  std::string source_ip;        // source_ip: the local address to connect from; "" = any
  std::string ehlo_domain;
  // timeout: lowers every connect, handshake, write and reply limit to this.
  std::optional<std::chrono::milliseconds> timeout;
  // max_time: the whole connection and dialog end within this.
  std::optional<std::chrono::milliseconds> max_time;
  // connect_timeout: lowers the limit of each TCP connect attempt only.
  std::optional<std::chrono::milliseconds> connect_timeout;
  // When some recipients are refused, deliver to the others rather than to nobody.
  bool partial_delivery = false;
  std::string from;         // sender address as given (may carry a display name); "" with --batch
  std::string user;         // "" = no authentication
  std::string auth;         // "" = the best the server offers; else an IANA mechanism name
  std::string ntlm_domain;  // ntlmdomain: the domain NTLM names with the user ("" = none)
  bool allow_plaintext_auth = false;
  std::string password;  // filled by resolve_password

  // The message and what happens around it.
  std::string charset = "UTF-8";
  std::vector<std::pair<std::string, std::string>> headers;  // `header` lines, split
  std::string dsn_notify;               // "" = none; "never" or a list of success, failure, delay
  std::string dsn_return;               // "" = none; "full" or "hdrs"
  bool add_from_header = true;          // sendmail mode: add From when missing
  bool replace_from_header = false;     // set_from_header on: From is always the sender's
  bool undisclosed_recipients = false;  // To, Cc, Bcc -> "To: undisclosed-recipients:;"
  bool auto_from = false;               // the sender is $USER@maildomain (msmtp, deprecated)
  bool add_date_header = true;
  bool add_message_id_header = true;
  bool remove_bcc_headers = true;
  std::string aliases_file;
  // maildomain: qualifies local names (root -> root@mail_domain) and makes auto_from's sender.
  std::string mail_domain;
  // trace_file: where the protocol trace goes; "" = none. In sendmail mode never from the
  // caller's arguments (cli refuses --trace-file there).
  std::string trace_file;
  // The send log's destination is not here: it is read before the account is resolved, so that
  // a failure to resolve the account is logged too (resolve_log_destination()).
};

// The configuration file to read: -C FILE (which must exist; a leading ~/ is the home
// directory's), else the first that exists of $XDG_CONFIG_HOME/smtpsend/config
// (~/.config/smtpsend/config without XDG_CONFIG_HOME) and `system_file`. nullopt when there is
// none. In sendmail mode, -C FILE is honoured only when `caller` (the real user id) is root,
// FILE is that default file, or the default file lists FILE in alternate_config_files;
// otherwise Failure(config) saying how to allow it.
std::optional<ConfigFile> load_configuration(const CommandLine& command_line,
                                             const Environment& environment,
                                             const std::string& system_file = "/etc/smtpsend.conf",
                                             uid_t caller = ::getuid());

// Everything but the password. Throws only for what leaves nothing to show (an unknown -A
// account, a flag's invalid value); conflicts between settings go to Account::problems.
// `sender_per_message` (--batch): with no from given, each message's own From is its sender.
Account resolve_account(const CommandLine& command_line, const Environment& environment,
                        const ConfigFile* file = nullptr, bool sender_per_message = false);

// Throws account.missing_server when `needs_server`, else the first of account.problems.
void require_usable(const Account& account, bool needs_server = true);

// Where the send log goes: the logfile, logfile_time_format and syslog settings.
struct LogDestination {
  std::string logfile;          // "" = none
  std::string time_format;      // "" = the default
  std::string syslog_facility;  // "" = no syslog
  bool empty() const { return logfile.empty() && syslog_facility.empty(); }
};

// The log destination of the account the command line chooses (the file's defaults when -A
// names none of its accounts), read on its own so that a failure resolving the rest of the
// account can be logged too. Never throws; empty without a file.
LogDestination resolve_log_destination(const CommandLine& command_line,
                                       const Environment& environment, const ConfigFile* file);

// Fills account.password when a user is set and the mechanism needs a password, from the first
// of: the password command (--password-cmd, passwordeval) or the password (SMTPSEND_PASSWORD,
// password), whichever comes from the higher layer (the command first); ~/.netrc (machine =
// host, login = user); a prompt on the terminal. Throws Failure(config) when none gives one. A
// password command must end within `limits.password_command()` (what --max-time leaves;
// without it, 120 s), else Failure(temporary).
void resolve_password(Account& account, const Environment& environment,
                      const TimeLimits& limits = {});

// The password command once more, for an OAuth 2.0 token the server found expired (the command
// is to print a fresh one; token helpers refresh when asked again): nullopt when the password does
// not come from a command (--password-cmd, --oauth-token-cmd, passwordeval), as a password given
// as it is cannot be refreshed. Throws as resolve_password() does for the command.
std::optional<std::string> fresh_password(const Account& account, const TimeLimits& limits = {});

// The effective settings, one per line, `name = value [source]`, in the settings table's order,
// then the problems. The password is never shown, and no password command is run.
std::string describe_settings(const Account& account);

// The bare address in "Name <addr>" or "addr", without surrounding blanks; what a sender is
// matched by, and what an alias is looked up by.
std::string bare_address(std::string_view text);

}  // namespace smtpsend::config
