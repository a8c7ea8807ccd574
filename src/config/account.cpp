// The typed account, built from the resolved settings, and the conflicts between them.

#include "config/account.hpp"

#include <cstdlib>

#include "common/auth_mechanisms.hpp"
#include "common/text.hpp"
#include "config/account_choice.hpp"
#include "config/host_identity.hpp"

namespace smtpsend::config {

namespace {

// RFC 8314 §3.3: implicit TLS for submission; RFC 6409: 587 for submission with STARTTLS.
constexpr std::uint16_t smtps_port = 465;
constexpr std::uint16_t submission_port = 587;
constexpr std::uint16_t smtp_port = 25;

// Builds one Account, collecting what is wrong rather than stopping at it.
class AccountBuilder {
 public:
  AccountBuilder(Account& account, const CommandLine& command_line, const Environment& environment,
                 const ConfigFile* file, const AccountSettings* chosen)
      : account_(account),
        settings_(account.settings),
        command_line_(command_line),
        environment_(environment),
        file_(file),
        chosen_(chosen) {}

  void server();
  void tls();
  void identity(bool sender_per_message);
  void limits();
  void authentication();
  void message();

 private:
  // A problem with a value from the command line is a usage error; one from the file or the
  // environment, a configuration error.
  void problem(std::string_view key, std::string message) {
    const SettingValue* value = settings_.find(key);
    const ErrorKind kind = value != nullptr && value->layer == Layer::command_line
                               ? ErrorKind::usage
                               : ErrorKind::config;
    account_.problems.push_back(Error{kind, std::move(message), {}});
  }
  Layer layer(std::string_view key) const {
    const SettingValue* value = settings_.find(key);
    return value == nullptr ? Layer::fallback : value->layer;
  }
  bool has(std::string_view key) const { return settings_.find(key) != nullptr; }
  std::string text(std::string_view key) const { return settings_.text(key); }
  // "off" means none, as msmtp writes it for a value it unsets.
  std::string unless_off(std::string_view key) const {
    std::string value = text(key);
    return value == "off" ? std::string() : value;
  }
  // CR, LF or NUL in a value that ends up in a command line or header would end it early and
  // let the rest pass for a command of its own (SMTP injection): refused before anything is sent.
  void require_single_line(std::string_view key, std::string_view value, std::string_view what) {
    if (has_line_break(value)) {
      problem(key, std::string(what) + " from " + settings_.origin(key) +
                       " contains a line break or NUL; give it on one line");
    }
  }
  std::optional<std::chrono::milliseconds> seconds(std::string_view key) const {
    const std::string value = text(key);
    if (value.empty() || value == "off") {
      return std::nullopt;
    }
    constexpr double milliseconds_per_second = 1000;
    return std::chrono::milliseconds(
        static_cast<long>(std::strtod(value.c_str(), nullptr) * milliseconds_per_second));
  }
  std::string missing_server_message() const;

  Account& account_;
  Settings& settings_;
  const CommandLine& command_line_;
  const Environment& environment_;
  const ConfigFile* file_;
  const AccountSettings* chosen_;
};

// HOST:PORT and [IPv6]:PORT; a bare IPv6 address (two colons or more) has no port.
std::pair<std::string, std::optional<std::uint16_t>> split_port(const std::string& host) {
  std::string name = host;
  std::string port;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close != std::string::npos) {
      name = host.substr(1, close - 1);
      if (host.size() > close + 1 && host[close + 1] == ':') {
        port = host.substr(close + 2);
      }
    }
  } else if (const auto colon = host.find(':');
             colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
  }
  if (port.empty()) {
    return {name, std::nullopt};
  }
  constexpr unsigned long highest_port = 65535;
  char* end = nullptr;
  const unsigned long number = std::strtoul(port.c_str(), &end, 10);
  if (*end != '\0' || number == 0 || number > highest_port || !std::isdigit(port.front())) {
    return {host, std::nullopt};  // not a port: the name stays whole and fails to resolve
  }
  return {name, static_cast<std::uint16_t>(number)};
}

std::string AccountBuilder::missing_server_message() const {
  if (file_ != nullptr && chosen_ == &file_->defaults && !file_->accounts.empty()) {
    return no_account_chosen(*file_);
  }
  // Sendmail mode has no --server: its settings come from the configuration file and the
  // environment, and the message says so.
  if (command_line_.sendmail_mode) {
    return file_ == nullptr
               ? "no SMTP server given; write a configuration file with a host line (/etc/"
                 "smtpsend.conf or ~/.config/smtpsend/config, see smtpsend.conf(5)), or set "
                 "SMTPSEND_SERVER"
               : "no SMTP server given; set host in " + file_->path + ", or SMTPSEND_SERVER";
  }
  return file_ == nullptr
             ? "no SMTP server given; use --server HOST, set SMTPSEND_SERVER, or write a "
               "configuration file (see smtpsend(1))"
             : "no SMTP server given; use --server HOST, or set host in " + file_->path;
}

void AccountBuilder::server() {
  const std::string host = text("host");
  if (host.empty()) {
    account_.missing_server = Error{ErrorKind::usage, missing_server_message(), {}};
  }
  const auto [name, port_in_host] = split_port(host);
  account_.host = name;
  require_single_line("host", account_.host, "the server name");
  // A port written with the host counts as given where the host was, unless the port setting
  // itself comes from as high a layer.
  const SettingValue* host_value = settings_.find("host");
  const SettingValue* port_value = settings_.find("port");
  if (port_in_host && (port_value == nullptr || port_value->rank > host_value->rank)) {
    settings_.set("port", {std::to_string(*port_in_host), host_value->layer, host_value->origin,
                           host_value->rank});
  }
}

void AccountBuilder::tls() {
  const std::string mode = text("tls");
  const SettingValue* port = settings_.find("port");
  const std::optional<std::uint16_t> given_port =
      port == nullptr ? std::nullopt
                      : std::optional<std::uint16_t>(static_cast<std::uint16_t>(
                            std::strtoul(port->text.c_str(), nullptr, 10)));
  if (mode == "off" || mode == "none") {
    account_.tls = TlsMode::none;
  } else if (mode == "smtps" || (mode == "on" && text("tls_starttls") == "off")) {
    account_.tls = TlsMode::smtps;
  } else if (mode == "starttls" || mode == "on") {
    account_.tls = TlsMode::starttls;
  } else {  // auto: implicit TLS on its own port, STARTTLS elsewhere
    account_.tls = given_port == smtps_port ? TlsMode::smtps : TlsMode::starttls;
  }
  const std::uint16_t default_port = account_.tls == TlsMode::none    ? smtp_port
                                     : account_.tls == TlsMode::smtps ? smtps_port
                                                                      : submission_port;
  account_.port = given_port.value_or(default_port);

  account_.tls_trust_file = text("tls_trust_file");
  if (account_.tls_trust_file == "system") {
    account_.tls_trust_file.clear();  // msmtp's name for the system trust store
  }
  account_.tls_insecure = text("tls_certcheck") == "off";
  account_.tls_fingerprint = text("tls_fingerprint");
  account_.tls_cert_file = text("tls_cert_file");
  account_.tls_key_file = text("tls_key_file");
  account_.tls_priorities = text("tls_priorities");
  account_.tls_server_name = text("tls_host_override");
  account_.tls_crl_file = text("tls_crl_file");
  account_.source_ip = text("source_ip");
  if (account_.tls_insecure && account_.tls == TlsMode::none) {
    problem("tls_certcheck", "certificate checks cannot be turned off (" +
                                 settings_.as_written("tls_certcheck") +
                                 ") on a connection without TLS (" + settings_.as_written("tls") +
                                 "); drop one of the two");
  }
}

void AccountBuilder::identity(bool sender_per_message) {
  std::string ehlo = text("domain");
  if (layer("domain") == Layer::file) {
    ehlo = expand_placeholders(ehlo, environment_);
  }
  if (!ehlo.empty() && !is_valid_ehlo_name(ehlo)) {
    problem("domain", "invalid EHLO name '" + ehlo + "' (" + settings_.origin("domain") +
                          "): give a domain name (mail.example.org) or an address literal "
                          "([192.0.2.1])");
  }
  account_.ehlo_domain = ehlo.empty() ? host_name() : ehlo;

  // allow_from_override off: the account's address wins over -f/--from and SMTPSEND_FROM.
  if (text("allow_from_override") == "off" && layer("from") != Layer::file && chosen_ != nullptr) {
    if (const auto found = chosen_->settings.find("from"); found != chosen_->settings.end()) {
      settings_.set("from", {found->second.value, Layer::file, describe(found->second.origin), 0});
    }
  }
  std::string from = text("from");
  if (layer("from") == Layer::file) {
    if (from.find_first_of("*?[") != std::string::npos) {
      from.clear();  // a pattern chooses the account; it is no address
    } else {
      from = expand_placeholders(from, environment_);
      if (from.starts_with('@')) {
        problem("from", "from (" + settings_.origin("from") + ") gives '" + from +
                            "': no user name is known for %U (neither USER, LOGNAME nor the "
                            "password database names one); write the address in full");
      }
    }
  }
  account_.mail_domain = text("maildomain");
  account_.auto_from = text("auto_from") == "on";
  if (account_.auto_from && !settings_.given_for_this_run("from")) {
    // msmtp's auto_from: the user's name at maildomain, or the name alone without one; it
    // replaces the file's from, but not a sender given on the command line.
    from = expand_placeholders(account_.mail_domain.empty() ? "%U" : "%U@" + account_.mail_domain,
                               environment_);
    const SettingValue* auto_from = settings_.find("auto_from");
    settings_.set("from",
                  {from, auto_from->layer, auto_from->origin + " (auto_from)", auto_from->rank});
  }
  if (from.empty() && !sender_per_message) {
    const std::string user = login_name(environment_);
    if (user.empty()) {
      account_.problems.push_back(Error{
          ErrorKind::usage,
          command_line_.sendmail_mode
              ? "no sender address: no user name is known; use -f ADDRESS, or set from in the "
                "configuration file"
              : "no sender address: no user name is known; use -f/--from ADDRESS",
          {}});
    } else {
      from = user + "@" + mail_name();  // the domain this machine's mail comes from, as %M
    }
  }
  require_single_line("from", from, "the sender address");
  account_.from = from;
}

void AccountBuilder::limits() {
  account_.timeout = seconds("timeout");
  account_.max_time = seconds("max_time");
  account_.connect_timeout = seconds("connect_timeout");
  account_.partial_delivery = text("partial_delivery") == "on";
}

void AccountBuilder::authentication() {
  const std::string auth = text("auth");
  const bool auth_off = auth == "off";
  account_.auth = auth == "on" || auth_off ? std::string() : auth;
  account_.allow_plaintext_auth = text("allow_plaintext_auth") == "on";
  account_.ntlm_domain = text("ntlmdomain");

  // auth off in the file turns off the file's user; a user given on the command line or in the
  // environment still asks for authentication.
  account_.user = auth_off && layer("user") == Layer::file ? std::string() : text("user");
  require_single_line("user", account_.user, "the user name");
  const bool needs_no_user = !auth_needs_secret(account_.auth);
  if (account_.user.empty()) {
    if (layer("auth") == Layer::file && !auth_off && !needs_no_user) {
      problem("auth", settings_.as_written("auth") +
                          " asks for authentication but no user is set; add user, or write "
                          "auth off");
    }
    if (layer("passwordeval") == Layer::command_line) {
      problem("passwordeval",
              settings_.origin("passwordeval") + " needs a user name: add --user USER");
    }
    return;
  }
  if (account_.tls == TlsMode::none && !account_.allow_plaintext_auth) {
    account_.problems.push_back(
        Error{ErrorKind::permission,
              "refusing to send credentials over an unencrypted connection (" +
                  settings_.as_written("tls") + "); use TLS, or allow it with " +
                  (command_line_.sendmail_mode
                       ? std::string("the line 'allow_plaintext_auth on' in the configuration file")
                       : std::string("--allow-plaintext-auth (allow_plaintext_auth on)")) +
                  " if you accept the risk",
              {}});
  }
}

void AccountBuilder::message() {
  account_.charset = text("charset");
  account_.dsn_notify = unless_off("dsn_notify");
  account_.dsn_return = unless_off("dsn_return");
  if (account_.dsn_return == "headers") {
    account_.dsn_return = "hdrs";  // msmtp's word for RET=HDRS
  }
  account_.add_from_header = text("set_from_header") != "off";
  account_.add_date_header = text("set_date_header") != "off";
  account_.add_message_id_header = text("set_msgid_header") != "off";
  account_.remove_bcc_headers = text("remove_bcc_headers") != "off";
  account_.replace_from_header = text("set_from_header") == "on";
  account_.undisclosed_recipients = text("undisclosed_recipients") == "on";
  account_.aliases_file = text("aliases");
  account_.trace_file = text("trace_file");
  if (chosen_ == nullptr) {
    return;
  }
  for (const Setting& header : chosen_->headers) {
    const auto colon = header.value.find(':');
    if (colon == std::string::npos) {
      continue;  // the parser only lets "Name: value" through
    }
    std::string value = header.value.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    account_.headers.emplace_back(header.value.substr(0, colon), value);
  }
}

}  // namespace

Account resolve_account(const CommandLine& command_line, const Environment& environment,
                        const ConfigFile* file, bool sender_per_message) {
  Account account;
  const AccountSettings* chosen = nullptr;
  bool explicit_choice = false;
  if (file != nullptr) {
    AccountChoice choice = choose_account(command_line, environment, *file);
    chosen = choice.settings;
    explicit_choice = choice.explicit_choice;
    account.config_path = file->path;
    account.account_name = chosen->name;
    account.account_choice = std::move(choice.how);
  }
  account.sendmail_mode = command_line.sendmail_mode;
  account.settings = resolve_settings(command_line.overrides, environment, chosen, explicit_choice,
                                      environment("HOME").value_or(""));
  AccountBuilder builder(account, command_line, environment, file, chosen);
  builder.server();
  builder.tls();
  builder.identity(sender_per_message);
  builder.limits();
  builder.authentication();
  builder.message();
  return account;
}

void require_usable(const Account& account, bool needs_server) {
  if (needs_server && account.missing_server) {
    throw Failure(*account.missing_server);
  }
  if (!account.problems.empty()) {
    throw Failure(account.problems.front());
  }
}

}  // namespace smtpsend::config
