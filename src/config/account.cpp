#include "config/account.hpp"

#include <fnmatch.h>
#include <netdb.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "common/ascii.hpp"
#include "common/error.hpp"

namespace smtpsend::config {

namespace {

// RFC 8314 §3.3: implicit TLS for submission; RFC 6409: 587 for submission with STARTTLS.
constexpr std::uint16_t smtps_port = 465;
constexpr std::uint16_t submission_port = 587;
constexpr std::uint16_t smtp_port = 25;

constexpr const char* default_source = "default";

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

// CR, LF or NUL in a value that ends up in a command line or header would end it early and let
// the rest pass for a command of its own (SMTP injection): refused before anything is sent.
// `key` names the setting, so the message can say where the value came from.
void require_single_line(std::string_view value, std::string_view what, const Account& account,
                         const std::string& key) {
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    const auto source = account.sources.find(key);
    throw Failure(ErrorKind::usage,
                  std::string(what) +
                      (source != account.sources.end() ? " from " + source->second : "") +
                      " contains a line break or NUL; give it on one line");
  }
}

// /etc/mailname, the domain this machine's mail comes from on Debian; else the host name.
std::string mail_name() {
  std::ifstream file("/etc/mailname");
  std::string line;
  if (file && std::getline(file, line) && !line.empty()) {
    return line;
  }
  return host_name();
}

// The user's full name from the password database (the GECOS field up to its first comma).
std::string full_name() {
  const passwd* entry = ::getpwuid(::getuid());
  if (entry == nullptr || entry->pw_gecos == nullptr) {
    return "";
  }
  const std::string gecos = entry->pw_gecos;
  return gecos.substr(0, gecos.find(','));
}

// msmtp's placeholders in `from` and `domain`: %U user, %H host name, %C canonical host name,
// %M /etc/mailname, %F full name. Any other '%' is kept as written.
std::string expand_placeholders(std::string_view value, const Environment& environment) {
  std::string expanded;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%' || i + 1 == value.size()) {
      expanded += value[i];
      continue;
    }
    switch (value[i + 1]) {
      case 'U':
        expanded += environment("USER").value_or(environment("LOGNAME").value_or(""));
        break;
      case 'H':
      case 'C':
        expanded += host_name();
        break;
      case 'M':
        expanded += mail_name();
        break;
      case 'F':
        expanded += full_name();
        break;
      default:
        expanded += value.substr(i, 2);
        break;
    }
    ++i;
  }
  return expanded;
}

bool is_pattern(std::string_view from) {
  return from.find_first_of("*?[") != std::string_view::npos;
}

// msmtp's account choice by sender: the account's `from` is the address, or a pattern for it.
bool from_matches(std::string_view account_from, const std::string& sender) {
  if (is_pattern(account_from)) {
    return ::fnmatch(std::string(account_from).c_str(), sender.c_str(), FNM_CASEFOLD) == 0;
  }
  return ascii_lower(bare_address(account_from)) == ascii_lower(sender);
}

// One setting looked up through the layers, remembering which one gave it.
class Layers {
 public:
  Layers(const Environment& environment, const AccountSettings* settings, Account& account)
      : environment_(environment), settings_(settings), account_(account) {}

  const Setting* key(const char* name) const {
    if (settings_ == nullptr) {
      return nullptr;
    }
    const auto found = settings_->settings.find(name);
    return found == settings_->settings.end() ? nullptr : &found->second;
  }

  // flag > environment variable (may be null) > config key > nothing.
  std::optional<std::string> text(const char* name, const std::string& flag, const char* flag_name,
                                  const char* variable, const char* config_key) {
    if (!flag.empty()) {
      note(name, flag_name);
      return flag;
    }
    if (variable != nullptr) {
      if (auto value = environment_(variable); value && !value->empty()) {
        note(name, std::string("env ") + variable);
        return value;
      }
    }
    if (config_key != nullptr) {
      if (const Setting* setting = key(config_key); setting != nullptr) {
        note(name, describe(setting->origin));
        return setting->value;
      }
    }
    return std::nullopt;
  }

  void note(const std::string& name, std::string source) {
    account_.sources[name] = std::move(source);
  }
  void note_key(const std::string& name, const Setting& setting) {
    note(name, describe(setting.origin));
  }

 private:
  const Environment& environment_;
  const AccountSettings* settings_;
  Account& account_;
};

[[noreturn]] void unsupported_value(const Setting& setting, std::string_view key,
                                    std::string_view why) {
  throw Failure(ErrorKind::config, describe(setting.origin) + ": " + std::string(key) + " " +
                                       setting.value + " is not supported: " + std::string(why));
}

const AccountSettings* choose_account(const cli::Options& options, const Environment& environment,
                                      const ConfigFile& file, Account& account) {
  if (!options.account.empty()) {
    const AccountSettings* chosen = file.find(options.account);
    if (chosen == nullptr) {
      std::string names;
      for (const auto& candidate : file.accounts) {
        names += (names.empty() ? "" : ", ") + candidate.name;
      }
      throw Failure(ErrorKind::config,
                    "there is no account '" + options.account + "' in " + file.path +
                        (names.empty() ? "; it defines none" : "; its accounts: " + names));
    }
    account.account_choice = "--account";
    return chosen;
  }
  const std::string sender = bare_address(
      !options.from.empty() ? options.from : environment("SMTPSEND_FROM").value_or(""));
  if (!sender.empty()) {
    for (const auto& candidate : file.accounts) {
      const auto from = candidate.settings.find("from");
      if (from != candidate.settings.end() && from_matches(from->second.value, sender)) {
        account.account_choice = "its from matches " + sender;
        return &candidate;
      }
    }
  }
  if (const AccountSettings* fallback = file.find("default"); fallback != nullptr) {
    account.account_choice = "default";
    return fallback;
  }
  account.account_choice = "no account; defaults only";
  return &file.defaults;
}

void resolve_security(const cli::Options& options, Layers& layers, Account& account) {
  std::optional<cli::TlsMode> mode = options.tls;
  if (mode) {
    layers.note("tls", "--tls");
  } else if (const Setting* tls = layers.key("tls"); tls != nullptr) {
    layers.note_key("tls", *tls);
    if (tls->value == "off") {
      mode = cli::TlsMode::none;
    } else {
      const Setting* starttls = layers.key("tls_starttls");
      mode = starttls != nullptr && starttls->value == "off" ? cli::TlsMode::smtps
                                                             : cli::TlsMode::starttls;
    }
  } else {
    layers.note("tls", default_source);
  }

  std::optional<std::uint16_t> port = options.port;
  if (port) {
    layers.note("port", "--port");
  } else if (const Setting* setting = layers.key("port"); setting != nullptr) {
    port = static_cast<std::uint16_t>(std::stoul(setting->value));
    layers.note_key("port", *setting);
  } else {
    layers.note("port", default_source);
  }

  switch (mode.value_or(cli::TlsMode::auto_select)) {
    case cli::TlsMode::none:
      account.security = Security::none;
      account.port = port.value_or(smtp_port);
      break;
    case cli::TlsMode::smtps:
      account.security = Security::smtps;
      account.port = port.value_or(smtps_port);
      break;
    case cli::TlsMode::starttls:
      account.security = Security::starttls;
      account.port = port.value_or(submission_port);
      break;
    case cli::TlsMode::auto_select:
      account.port = port.value_or(submission_port);
      account.security = account.port == smtps_port ? Security::smtps : Security::starttls;
      break;
  }
}

void resolve_tls_details(const cli::Options& options, Layers& layers, Account& account) {
  account.tls_trust_file = layers
                               .text("tls_trust_file", options.tls_trust_file, "--tls-trust-file",
                                     nullptr, "tls_trust_file")
                               .value_or("");
  if (account.tls_trust_file == "system") {
    account.tls_trust_file.clear();  // msmtp's name for the system trust store
  }
  if (options.tls_insecure) {
    account.tls_insecure = true;
    layers.note("tls_certcheck", "--tls-insecure");
  } else if (const Setting* check = layers.key("tls_certcheck"); check != nullptr) {
    account.tls_insecure = check->value == "off";
    layers.note_key("tls_certcheck", *check);
  }
  account.tls_fingerprint = layers
                                .text("tls_fingerprint", options.tls_fingerprint,
                                      "--tls-fingerprint", nullptr, "tls_fingerprint")
                                .value_or("");
  account.tls_cert_file =
      layers.text("tls_cert_file", options.tls_cert_file, "--tls-cert", nullptr, "tls_cert_file")
          .value_or("");
  account.tls_key_file =
      layers.text("tls_key_file", options.tls_key_file, "--tls-key", nullptr, "tls_key_file")
          .value_or("");
  account.tls_priorities = layers
                               .text("tls_priorities", options.tls_priorities, "--tls-priorities",
                                     nullptr, "tls_priorities")
                               .value_or("");
  account.tls_server_name =
      layers.text("tls_host_override", "", "", nullptr, "tls_host_override").value_or("");
  if (account.tls_insecure && account.security == Security::none) {
    throw Failure(ErrorKind::usage,
                  "certificate checks cannot be turned off (--tls-insecure, tls_certcheck off) "
                  "on a connection without TLS (--tls=none, tls off); drop one of the two");
  }
}

std::optional<std::chrono::milliseconds> seconds_setting(Layers& layers, const char* name,
                                                         const std::optional<double>& flag,
                                                         const char* flag_name) {
  if (flag) {
    layers.note(name, flag_name);
    return std::chrono::milliseconds(static_cast<long>(*flag * 1000));
  }
  if (const Setting* setting = layers.key(name); setting != nullptr && setting->value != "off") {
    layers.note_key(name, *setting);
    return std::chrono::milliseconds(std::stol(setting->value) * 1000);
  }
  return std::nullopt;
}

void resolve_identity(const cli::Options& options, const Environment& environment, Layers& layers,
                      Account& account) {
  std::string ehlo = layers.text("domain", options.ehlo, "--ehlo", nullptr, "domain").value_or("");
  if (options.ehlo.empty()) {
    ehlo = expand_placeholders(ehlo, environment);
  }
  if (!ehlo.empty() && !is_valid_ehlo_name(ehlo)) {
    throw Failure(ErrorKind::usage, "invalid EHLO name '" + ehlo +
                                        "' (--ehlo or domain): give a domain name "
                                        "(mail.example.org) or an address literal ([192.0.2.1])");
  }
  account.ehlo_domain = ehlo.empty() ? host_name() : ehlo;
  if (ehlo.empty()) {
    layers.note("domain", default_source);
  }

  // allow_from_override off (msmtp): the account's address wins over -f/--from.
  const Setting* override_setting = layers.key("allow_from_override");
  const bool flag_may_override = override_setting == nullptr || override_setting->value != "off";
  std::optional<std::string> from = layers.text(
      "from", flag_may_override ? options.from : std::string(), "--from", "SMTPSEND_FROM", nullptr);
  if (!from) {
    if (const Setting* setting = layers.key("from");
        setting != nullptr && !is_pattern(setting->value)) {
      from = expand_placeholders(setting->value, environment);
      layers.note_key("from", *setting);
    }
  }
  if (!from && !options.batch.empty()) {
    return;  // --batch: each message's sender is -f/--from, else the message's own From field
  }
  if (!from) {
    const std::string user = environment("USER").value_or(environment("LOGNAME").value_or(""));
    if (user.empty()) {
      throw Failure(ErrorKind::usage, "no sender address; use -f/--from ADDRESS");
    }
    from = user + "@" + host_name();
    layers.note("from", default_source);
  }
  require_single_line(*from, "the sender address", account, "from");
  account.from = *from;
}

void resolve_authentication(const cli::Options& options, Layers& layers, Account& account) {
  bool auth_off = false;
  if (options.auth) {
    account.auth = *options.auth;
    layers.note("auth", "--auth");
  } else if (const Setting* auth = layers.key("auth"); auth != nullptr) {
    layers.note_key("auth", *auth);
    auth_off = auth->value == "off";
    account.auth = auth->value == "plain"   ? cli::AuthMechanism::plain
                   : auth->value == "login" ? cli::AuthMechanism::login
                                            : cli::AuthMechanism::auto_select;
  }
  if (options.allow_plaintext_auth) {
    account.allow_plaintext_auth = true;
    layers.note("allow_plaintext_auth", "--allow-plaintext-auth");
  } else if (const Setting* allow = layers.key("allow_plaintext_auth"); allow != nullptr) {
    account.allow_plaintext_auth = allow->value == "on";
    layers.note_key("allow_plaintext_auth", *allow);
  }

  account.user =
      layers.text("user", options.user, "--user", "SMTPSEND_USER", auth_off ? nullptr : "user")
          .value_or("");
  require_single_line(account.user, "the user name", account, "user");
  if (const Setting* auth = layers.key("auth");
      account.user.empty() && auth != nullptr && auth->value != "off" && !options.auth) {
    throw Failure(ErrorKind::config, describe(auth->origin) + ": auth is " + auth->value +
                                         " but no user is set; add user, or write auth off");
  }
  if (account.user.empty() && !options.password_cmd.empty()) {
    throw Failure(ErrorKind::usage, "--password-cmd needs --user USER");
  }
  if (const Setting* eval = layers.key("passwordeval"); eval != nullptr) {
    account.password_eval = *eval;
  }
  if (const Setting* password = layers.key("password"); password != nullptr) {
    account.password_setting = *password;
  }
  if (!account.user.empty() && account.security == Security::none &&
      !account.allow_plaintext_auth) {
    throw Failure(ErrorKind::permission,
                  "refusing to send credentials over an unencrypted connection (--tls=none); "
                  "use TLS, or add --allow-plaintext-auth if you accept the risk");
  }
}

// The sendmail-mode field rules: msmtp's set_*_header keys, as far as they mean "add if missing".
bool adds_missing_field(Layers& layers, const char* key) {
  const Setting* setting = layers.key(key);
  if (setting == nullptr) {
    return true;
  }
  layers.note_key(key, *setting);
  if (setting->value == "on") {
    unsupported_value(*setting, key,
                      "smtpsend adds the field when it is missing (auto) or never (off)");
  }
  return setting->value != "off";
}

// Sendmail mode has no --server: its settings come from the configuration file and the
// environment, and the message says so.
std::string no_server_message(const cli::Options& options, const ConfigFile* file) {
  if (options.sendmail_mode) {
    return file == nullptr
               ? "no SMTP server given; write a configuration file with a host line (/etc/"
                 "smtpsend.conf or ~/.config/smtpsend/config, see smtpsend.conf(5)), or set "
                 "SMTPSEND_SERVER"
               : "no SMTP server given; set host in " + file->path + ", or SMTPSEND_SERVER";
  }
  return file == nullptr ? "no SMTP server given; use --server HOST, set SMTPSEND_SERVER, or "
                           "write a configuration file (see smtpsend(1))"
                         : "no SMTP server given; use --server HOST, or set host in " + file->path;
}

void resolve_message_settings(const cli::Options& options, Layers& layers, Account& account) {
  account.charset =
      layers.text("charset", options.charset.value_or(""), "--charset", nullptr, "charset")
          .value_or("UTF-8");
  account.dsn_notify =
      layers.text("dsn_notify", options.dsn_notify, "-N", nullptr, "dsn_notify").value_or("");
  if (account.dsn_notify == "off") {
    account.dsn_notify.clear();
  }
  account.dsn_return =
      layers.text("dsn_return", options.dsn_return, "-R", nullptr, "dsn_return").value_or("");
  if (account.dsn_return == "off") {
    account.dsn_return.clear();
  } else if (account.dsn_return == "headers") {
    account.dsn_return = "hdrs";  // msmtp's word for RET=HDRS
  }
  account.add_from_header = adds_missing_field(layers, "set_from_header");
  account.add_date_header = adds_missing_field(layers, "set_date_header");
  account.add_message_id_header = adds_missing_field(layers, "set_msgid_header");
  if (const Setting* remove = layers.key("remove_bcc_headers"); remove != nullptr) {
    account.remove_bcc_headers = remove->value != "off";
    layers.note_key("remove_bcc_headers", *remove);
  }
  if (const Setting* hide = layers.key("undisclosed_recipients");
      hide != nullptr && hide->value == "on") {
    unsupported_value(*hide, "undisclosed_recipients", "leave the To and Cc fields as written");
  }
  if (const Setting* auto_from = layers.key("auto_from");
      auto_from != nullptr && auto_from->value == "on") {
    unsupported_value(*auto_from, "auto_from", "set the sender with from");
  }
  account.aliases_file = layers.text("aliases", "", "", nullptr, "aliases").value_or("");
  account.mail_domain = layers.text("maildomain", "", "", nullptr, "maildomain").value_or("");
  account.logfile = layers.text("logfile", "", "", nullptr, "logfile").value_or("");
  account.trace_file = layers.text("trace_file", "", "", nullptr, "trace_file").value_or("");
  account.logfile_time_format =
      layers.text("logfile_time_format", "", "", nullptr, "logfile_time_format").value_or("");
  account.syslog_facility = layers.text("syslog", "", "", nullptr, "syslog").value_or("");
  if (account.syslog_facility == "off") {
    account.syslog_facility.clear();
  }
}

}  // namespace

std::string bare_address(std::string_view text) {
  const auto open = text.rfind('<');
  const auto close = text.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    text = text.substr(open + 1, close - open - 1);
  }
  const auto start = text.find_first_not_of(" \t");
  const auto end = text.find_last_not_of(" \t");
  return start == std::string_view::npos ? std::string()
                                         : std::string(text.substr(start, end - start + 1));
}

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

Account resolve_account(const cli::Options& options, const Environment& environment,
                        const ConfigFile* file) {
  Account account;
  const AccountSettings* settings = nullptr;
  if (file != nullptr) {
    account.config_path = file->path;
    settings = choose_account(options, environment, *file, account);
    account.account_name = settings->name;
  }
  Layers layers(environment, settings, account);

  account.host =
      layers.text("host", options.server, "--server", "SMTPSEND_SERVER", "host").value_or("");
  if (account.host.empty()) {
    throw Failure(ErrorKind::usage, no_server_message(options, file));
  }
  require_single_line(account.host, "the server name", account, "host");

  resolve_security(options, layers, account);
  resolve_tls_details(options, layers, account);
  resolve_identity(options, environment, layers, account);
  account.timeout = seconds_setting(layers, "timeout", options.timeout_seconds, "--timeout");
  account.max_time = seconds_setting(layers, "max_time", options.max_time_seconds, "--max-time");
  if (options.partial_delivery) {
    account.partial_delivery = true;
    layers.note("partial_delivery", "--partial-delivery");
  } else if (const Setting* partial = layers.key("partial_delivery"); partial != nullptr) {
    account.partial_delivery = partial->value == "on";
    layers.note_key("partial_delivery", *partial);
  }
  resolve_authentication(options, layers, account);
  resolve_message_settings(options, layers, account);
  if (settings != nullptr) {
    for (const Setting& header : settings->headers) {
      const auto colon = header.value.find(':');
      if (colon == std::string::npos) {
        continue;  // the parser only lets "Name: value" through
      }
      std::string value = header.value.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      account.headers.emplace_back(header.value.substr(0, colon), value);
    }
  }
  return account;
}

}  // namespace smtpsend::config
