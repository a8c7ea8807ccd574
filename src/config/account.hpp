#pragma once
// The account a message goes through: server, TLS policy, identity and credentials, resolved from
// command-line flags > environment > defaults. Knows nothing of SMTP itself.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cli/options.hpp"

namespace smtpsend::config {

enum class Security {
  none,      // plain TCP, no TLS at all
  starttls,  // plain TCP upgraded with STARTTLS, which is then required
  smtps,     // TLS from the first byte (port 465, RFC 8314)
};

struct Account {
  std::string host;
  std::uint16_t port = 587;
  Security security = Security::starttls;
  std::string tls_trust_file;
  bool tls_insecure = false;
  std::string tls_priorities;
  std::string tls_fingerprint;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string ehlo_domain;
  // --timeout: lowers every connect, handshake, write and reply limit to this.
  std::optional<std::chrono::milliseconds> timeout;
  // --max-time: the whole connection and dialog end within this.
  std::optional<std::chrono::milliseconds> max_time;
  std::string from;  // sender address as given (may carry a display name)
  std::string user;  // "" = no authentication
  std::string password;
  cli::AuthMechanism auth = cli::AuthMechanism::auto_select;
  bool allow_plaintext_auth = false;
};

// Reads environment variables; injected so tests are exact.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();

// Resolves everything but the password. Throws Failure(usage/config) naming the missing piece.
Account resolve_account(const cli::Options& options, const Environment& environment);

// Fills account.password when a user is set: from --password-cmd, SMTPSEND_PASSWORD, or a prompt
// on the terminal, in that order. Throws Failure(config) when none is available.
void resolve_password(Account& account, const cli::Options& options,
                      const Environment& environment);

std::string_view security_name(Security security);

}  // namespace smtpsend::config
