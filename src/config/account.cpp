#include "config/account.hpp"

#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "common/error.hpp"
#include "config/secret_source.hpp"

namespace smtpsend::config {

namespace {

// RFC 8314 §3.3: implicit TLS for submission; RFC 6409: 587 for submission with STARTTLS.
constexpr std::uint16_t smtps_port = 465;
constexpr std::uint16_t submission_port = 587;
constexpr std::uint16_t smtp_port = 25;

// RFC 5321 §4.1.1.1 asks EHLO for a fully qualified name, and strict servers refuse a bare
// "myhost"; so: the host name if it is qualified, else its canonical name from the resolver (as
// /etc/hosts usually gives it), else "localhost".
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  if (std::strchr(name, '.') != nullptr) {
    return name;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* found = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &found) == 0 && found != nullptr) {
    std::string canonical = found->ai_canonname != nullptr ? found->ai_canonname : "";
    ::freeaddrinfo(found);
    if (canonical.find('.') != std::string::npos) {
      return canonical;
    }
  }
  return "localhost";
}

// A domain (letters, digits, '-', '_', '.') or an address literal ("[192.0.2.1]",
// "[IPv6:2001:db8::1]"): nothing that could end the EHLO line or start another command.
bool is_valid_ehlo_name(std::string_view name) {
  if (name.empty() || name.size() > 255) {
    return false;
  }
  if (name.front() == '[') {
    return name.size() > 2 && name.back() == ']' &&
           std::all_of(name.begin() + 1, name.end() - 1, [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':';
           });
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string first_set(const std::string& flag, const Environment& environment,
                      const char* variable) {
  if (!flag.empty()) {
    return flag;
  }
  return environment(variable).value_or("");
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

std::string_view security_name(Security security) {
  switch (security) {
    case Security::none:
      return "none";
    case Security::starttls:
      return "starttls";
    case Security::smtps:
      return "smtps";
  }
  return "?";
}

Account resolve_account(const cli::Options& options, const Environment& environment) {
  Account account;
  account.host = first_set(options.server, environment, "SMTPSEND_SERVER");
  if (account.host.empty()) {
    throw Failure(ErrorKind::usage,
                  "no SMTP server given; use --server HOST or set SMTPSEND_SERVER");
  }

  switch (options.tls.value_or(cli::TlsMode::auto_select)) {
    case cli::TlsMode::none:
      account.security = Security::none;
      account.port = options.port.value_or(smtp_port);
      break;
    case cli::TlsMode::smtps:
      account.security = Security::smtps;
      account.port = options.port.value_or(smtps_port);
      break;
    case cli::TlsMode::starttls:
      account.security = Security::starttls;
      account.port = options.port.value_or(submission_port);
      break;
    case cli::TlsMode::auto_select:
      account.port = options.port.value_or(submission_port);
      account.security = account.port == smtps_port ? Security::smtps : Security::starttls;
      break;
  }
  if (options.tls_insecure && account.security == Security::none) {
    throw Failure(ErrorKind::usage, "--tls-insecure makes no sense with --tls=none");
  }

  account.tls_trust_file = options.tls_trust_file;
  account.tls_insecure = options.tls_insecure;
  account.tls_priorities = options.tls_priorities;
  account.tls_fingerprint = options.tls_fingerprint;
  account.tls_cert_file = options.tls_cert_file;
  account.tls_key_file = options.tls_key_file;
  if (!options.ehlo.empty() && !is_valid_ehlo_name(options.ehlo)) {
    throw Failure(ErrorKind::usage, "invalid --ehlo name '" + options.ehlo +
                                        "': give a domain name (mail.example.org) or an address "
                                        "literal ([192.0.2.1])");
  }
  account.ehlo_domain = options.ehlo.empty() ? host_name() : options.ehlo;
  if (options.timeout_seconds) {
    account.timeout = std::chrono::milliseconds(static_cast<long>(*options.timeout_seconds * 1000));
  }
  if (options.max_time_seconds) {
    account.max_time =
        std::chrono::milliseconds(static_cast<long>(*options.max_time_seconds * 1000));
  }

  account.from = first_set(options.from, environment, "SMTPSEND_FROM");
  if (account.from.empty()) {
    const std::string user = environment("USER").value_or(environment("LOGNAME").value_or(""));
    if (user.empty()) {
      throw Failure(ErrorKind::usage, "no sender address; use -f/--from ADDRESS");
    }
    account.from = user + "@" + host_name();
  }

  account.user = first_set(options.user, environment, "SMTPSEND_USER");
  account.auth = options.auth.value_or(cli::AuthMechanism::auto_select);
  account.allow_plaintext_auth = options.allow_plaintext_auth;
  if (account.user.empty() && !options.password_cmd.empty()) {
    throw Failure(ErrorKind::usage, "--password-cmd needs --user USER");
  }
  if (!account.user.empty() && account.security == Security::none &&
      !account.allow_plaintext_auth) {
    throw Failure(ErrorKind::permission,
                  "refusing to send credentials over an unencrypted connection (--tls=none); "
                  "use TLS, or add --allow-plaintext-auth if you accept the risk");
  }
  return account;
}

void resolve_password(Account& account, const cli::Options& options,
                      const Environment& environment) {
  if (account.user.empty()) {
    return;
  }
  std::string source;
  if (!options.password_cmd.empty()) {
    account.password = password_from_command(options.password_cmd);
    source = "--password-cmd";
  } else if (auto from_environment = environment("SMTPSEND_PASSWORD"); from_environment) {
    account.password = *from_environment;
    source = "SMTPSEND_PASSWORD";
  } else {
    account.password =
        password_from_terminal("Password for " + account.user + " at " + account.host + ": ");
    source = "the terminal";
  }
  // An empty password is never what was meant; sending it only earns a confusing 535.
  if (account.password.empty()) {
    throw Failure(ErrorKind::config, "the password from " + source +
                                         " is empty; nothing was sent. Give the password for '" +
                                         account.user + "'");
  }
}

}  // namespace smtpsend::config
