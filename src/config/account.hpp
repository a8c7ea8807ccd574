#pragma once
// The account a message goes through: server, TLS policy, identity and credentials, resolved per
// setting from command-line flags > environment > the configuration file's account > built-in
// defaults, remembering where each value came from (for --show-config). Knows nothing of SMTP.

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/options.hpp"
#include "common/time_limits.hpp"
#include "config/config_file.hpp"

namespace smtpsend::config {

enum class Security {
  none,      // plain TCP, no TLS at all
  starttls,  // plain TCP upgraded with STARTTLS, which is then required
  smtps,     // TLS from the first byte (port 465, RFC 8314)
};

struct Account {
  std::string config_path;     // the configuration file read; "" when none
  std::string account_name;    // "" when no account of the file was used
  std::string account_choice;  // how it was chosen: "--account", "from matches ...", "default"

  std::string host;
  std::uint16_t port = 587;
  Security security = Security::starttls;
  std::string tls_trust_file;
  bool tls_insecure = false;
  std::string tls_priorities;
  std::string tls_fingerprint;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;  // tls_host_override; "" = the host
  std::string ehlo_domain;
  // --timeout: lowers every connect, handshake, write and reply limit to this.
  std::optional<std::chrono::milliseconds> timeout;
  // --max-time: the whole connection and dialog end within this.
  std::optional<std::chrono::milliseconds> max_time;
  // When some recipients are refused, deliver to the others rather than to nobody.
  bool partial_delivery = false;
  std::string from;                         // sender address as given (may carry a display name)
  std::string user;                         // "" = no authentication
  std::string password;                     // filled by resolve_password
  std::optional<Setting> password_eval;     // the account's passwordeval
  std::optional<Setting> password_setting;  // the account's password (a secret)
  cli::AuthMechanism auth = cli::AuthMechanism::auto_select;
  bool allow_plaintext_auth = false;

  // The message and what happens around it.
  std::string charset = "UTF-8";
  std::vector<std::pair<std::string, std::string>> headers;  // `header` lines, split
  std::string dsn_notify;       // "" = none; "never" or a list of success, failure, delay
  std::string dsn_return;       // "" = none; "full" or "hdrs"
  bool add_from_header = true;  // sendmail mode: add From when missing
  bool add_date_header = true;
  bool add_message_id_header = true;
  bool remove_bcc_headers = true;
  std::string aliases_file;
  std::string mail_domain;  // maildomain: qualifies local names (root -> root@mail_domain)
  std::string logfile;
  // trace_file: where the protocol trace goes; "" = none from the configuration. In sendmail
  // mode the only source of a trace file (never the caller's arguments).
  std::string trace_file;
  std::string logfile_time_format;
  std::string syslog_facility;  // "" = no syslog

  // Setting name -> where its value came from: "--server", "env SMTPSEND_SERVER", "path:12",
  // "default".
  std::map<std::string, std::string> sources;
};

// Reads environment variables; injected so tests are exact.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();

// The configuration file to read: --config FILE (which must exist), else the first that exists
// of $XDG_CONFIG_HOME/smtpsend/config (~/.config/smtpsend/config without XDG_CONFIG_HOME) and
// `system_file`. nullopt when there is none. In sendmail mode, -C FILE is honoured only when
// `caller` (the real user id) is root, FILE is that default file, or the default file lists FILE
// in alternate_config_files; otherwise Failure(config) saying how to allow it.
std::optional<ConfigFile> load_configuration(const cli::Options& options,
                                             const Environment& environment,
                                             const std::string& system_file = "/etc/smtpsend.conf",
                                             uid_t caller = ::getuid());

// Resolves everything but the password. Throws Failure(usage/config) naming the missing piece.
Account resolve_account(const cli::Options& options, const Environment& environment,
                        const ConfigFile* file = nullptr);

// Fills account.password when a user is set, from the first of: --password-cmd,
// SMTPSEND_PASSWORD, the account's passwordeval, its password, ~/.netrc (machine = host, login =
// user), a prompt on the terminal. Throws Failure(config) when none gives one. A password command
// must end within `limits.password_command()` (what --max-time leaves; without it, 120 s), else
// Failure(temporary).
void resolve_password(Account& account, const cli::Options& options, const Environment& environment,
                      const TimeLimits& limits = {});

// The effective settings, one per line, `name = value [source]`, for --show-config. The password
// is never shown, and no password command is run: only where the password would come from.
std::string describe_settings(const Account& account, const cli::Options& options,
                              const Environment& environment);

std::string_view security_name(Security security);

// The bare address in "Name <addr>" or "addr", without surrounding blanks; what a sender is
// matched by, and what an alias is looked up by.
std::string bare_address(std::string_view text);

}  // namespace smtpsend::config
