// Where the configuration file is, where the password comes from, and --show-config: the parts of
// account resolution that read files, run commands or talk to the terminal.

#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/secret_wipe.hpp"
#include "config/account.hpp"
#include "config/netrc.hpp"
#include "config/secret_source.hpp"

namespace smtpsend::config {

namespace {

bool exists(const std::string& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0;
}

std::string user_config_path(const Environment& environment) {
  if (auto xdg = environment("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
    return *xdg + "/smtpsend/config";
  }
  if (auto home = environment("HOME"); home && !home->empty()) {
    return *home + "/.config/smtpsend/config";
  }
  return "";
}

std::string netrc_path(const Environment& environment) {
  if (auto home = environment("HOME"); home && !home->empty()) {
    return *home + "/.netrc";
  }
  return "";
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat first {};
  struct stat second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 &&
         first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

// The paths the file's alternate_config_files settings list (in `defaults` or any account: the
// list is about the file, not an account), separated by blanks.
std::vector<std::string> alternate_config_files(const ConfigFile& file) {
  std::vector<std::string> paths;
  const auto add = [&](const AccountSettings& settings) {
    const auto found = settings.settings.find("alternate_config_files");
    if (found == settings.settings.end()) {
      return;
    }
    std::string_view list = found->second.value;
    while (!list.empty()) {
      const auto start = list.find_first_not_of(" \t");
      if (start == list.npos) {
        break;
      }
      list.remove_prefix(start);
      const auto end = list.find_first_of(" \t");
      paths.emplace_back(list.substr(0, end));
      list.remove_prefix(end == list.npos ? list.size() : end);
    }
  };
  add(file.defaults);
  for (const auto& account : file.accounts) {
    add(account);
  }
  return paths;
}

// Sendmail mode's -C comes from the caller's argument list, which a web application may build
// from an attacker's input (CVE-2016-10033: a sender address that smuggles "-C /uploads/x"),
// and a passwordeval in that file would run. As Postfix does with its -C (postdrop/sendmail
// honour it only for the super-user or a directory listed in main.cf's
// alternate_config_directories), a file is honoured only when it is the default one or the
// default file lists it. `shown_default` names the default file(s) in the message.
void check_sendmail_config_option(const std::string& named, const std::string& default_path,
                                  const std::string& shown_default, const std::string& home) {
  if (!default_path.empty()) {
    if (same_file(named, default_path)) {
      return;
    }
    for (const std::string& allowed :
         alternate_config_files(load_config_file(default_path, home))) {
      if (same_file(named, allowed)) {
        return;
      }
    }
  }
  throw Failure(ErrorKind::config,
                "-C " + named +
                    " is not honoured in sendmail mode, where the caller's arguments may come "
                    "from someone else; run as root, or allow it with the line "
                    "'alternate_config_files " +
                    named + "' in " + shown_default);
}

// The password's source as --show-config names it, without fetching it.
std::string password_source(const Account& account, const cli::Options& options,
                            const Environment& environment) {
  if (!options.password_cmd.empty()) {
    return "--password-cmd";
  }
  if (environment("SMTPSEND_PASSWORD")) {
    return "env SMTPSEND_PASSWORD";
  }
  if (account.password_eval) {
    return describe(account.password_eval->origin) + " passwordeval, not run";
  }
  if (account.password_setting) {
    return describe(account.password_setting->origin) + " password";
  }
  return "~/.netrc, else a prompt on the terminal";
}

}  // namespace

std::optional<ConfigFile> load_configuration(const cli::Options& options,
                                             const Environment& environment,
                                             const std::string& system_file, uid_t caller) {
  const std::string home = environment("HOME").value_or("");
  std::string default_path;
  for (const std::string& path : {user_config_path(environment), system_file}) {
    if (!path.empty() && exists(path)) {
      default_path = path;
      break;
    }
  }
  if (!options.config_file.empty()) {
    if (options.sendmail_mode && caller != 0) {
      check_sendmail_config_option(options.config_file, default_path,
                                   default_path.empty()
                                       ? user_config_path(environment) + " or " + system_file
                                       : default_path,
                                   home);
    }
    return load_config_file(options.config_file, home);
  }
  if (!default_path.empty()) {
    return load_config_file(default_path, home);
  }
  return std::nullopt;
}

void resolve_password(Account& account, const cli::Options& options, const Environment& environment,
                      const TimeLimits& limits) {
  if (account.user.empty()) {
    return;
  }
  // RFC 4616 §2: NUL separates authzid, authcid and passwd in AUTH PLAIN; one inside a value
  // would add a field the server reads differently.
  if (account.user.find('\0') != std::string::npos) {
    const auto source = account.sources.find("user");
    throw Failure(ErrorKind::config,
                  "the user name" +
                      (source != account.sources.end() ? " from " + source->second : "") +
                      " contains a NUL byte, which authentication cannot carry; fix it");
  }
  // From here on a secret is in memory: no core dump may hold it, and no other process of the
  // same user may read it through ptrace or /proc (proc(5), PR_SET_DUMPABLE).
  ::prctl(PR_SET_DUMPABLE, 0);
  std::string source;
  if (!options.password_cmd.empty()) {
    account.password = password_from_command(options.password_cmd, "--password-cmd", limits);
    source = "--password-cmd";
  } else if (auto from_environment = environment("SMTPSEND_PASSWORD"); from_environment) {
    account.password = *from_environment;
    source = "SMTPSEND_PASSWORD";
  } else if (account.password_eval) {
    source = "passwordeval (" + describe(account.password_eval->origin) + ")";
    try {
      account.password =
          password_from_command(account.password_eval->value, "passwordeval", limits);
    } catch (const Failure& failure) {
      throw Failure(failure.error().kind,
                    describe(account.password_eval->origin) + ": " + failure.error().message);
    }
  } else if (account.password_setting) {
    account.password = account.password_setting->value;
    source = "password (" + describe(account.password_setting->origin) + ")";
  } else if (auto from_netrc =
                 password_from_netrc_file(netrc_path(environment), account.host, account.user);
             from_netrc) {
    account.password = *from_netrc;
    source = "~/.netrc";
  } else {
    // Sendmail mode has no --password-cmd: its settings come from the file and the environment.
    const std::string hint =
        options.sendmail_mode
            ? "set passwordeval or password in " +
                  (account.config_path.empty() ? std::string("the configuration file")
                                               : account.config_path) +
                  ", or SMTPSEND_PASSWORD in the environment"
            : "set SMTPSEND_PASSWORD or use --password-cmd CMD";
    account.password =
        password_from_terminal("Password for " + account.user + " at " + account.host + ": ", hint);
    source = "the terminal";
  }
  if (account.password.find('\0') != std::string::npos) {
    wipe(account.password);
    throw Failure(ErrorKind::config,
                  "the password from " + source +
                      " contains a NUL byte, which authentication cannot carry (RFC 4616); "
                      "nothing was sent. Give the password without it");
  }
  // An empty password is never what was meant; sending it only earns a confusing 535.
  if (account.password.empty()) {
    throw Failure(ErrorKind::config, "the password from " + source +
                                         " is empty; nothing was sent. Give the password for '" +
                                         account.user + "'");
  }
}

std::string describe_settings(const Account& account, const cli::Options& options,
                              const Environment& environment) {
  std::string text;
  const auto line = [&](std::string_view name, std::string_view value) {
    const auto source = account.sources.find(std::string(name));
    text += fmt::format("{} = {}", name, value);
    text += " [" + (source != account.sources.end() ? source->second : "default") + "]\n";
  };
  text +=
      fmt::format("config = {}\n", account.config_path.empty() ? "(none)" : account.config_path);
  if (!account.config_path.empty()) {
    text += fmt::format("account = {} [{}]\n",
                        account.account_name.empty() ? "(none)" : account.account_name,
                        account.account_choice);
  }
  line("host", account.host);
  line("port", std::to_string(account.port));
  line("tls", security_name(account.security));
  if (account.security != Security::none) {
    line("tls_trust_file", account.tls_trust_file.empty() ? "system" : account.tls_trust_file);
    line("tls_certcheck", account.tls_insecure ? "off" : "on");
    for (const auto& [name, value] : {std::pair{"tls_fingerprint", &account.tls_fingerprint},
                                      std::pair{"tls_cert_file", &account.tls_cert_file},
                                      std::pair{"tls_key_file", &account.tls_key_file},
                                      std::pair{"tls_priorities", &account.tls_priorities},
                                      std::pair{"tls_host_override", &account.tls_server_name}}) {
      if (!value->empty()) {
        line(name, *value);
      }
    }
  }
  line("domain", account.ehlo_domain);
  line("from", account.from);
  if (account.user.empty()) {
    line("user", "(none: no authentication)");
  } else {
    line("user", account.user);
    line("auth", account.auth == cli::AuthMechanism::plain   ? "plain"
                 : account.auth == cli::AuthMechanism::login ? "login"
                                                             : "on");
    text +=
        fmt::format("password = <redacted> [{}]\n", password_source(account, options, environment));
  }
  const auto seconds = [](const std::optional<std::chrono::milliseconds>& limit) {
    return limit ? fmt::format("{} s", static_cast<double>(limit->count()) / 1000) : "off";
  };
  line("timeout", account.timeout ? seconds(account.timeout) : "off (RFC 5321 limits)");
  line("max_time", seconds(account.max_time));
  line("partial_delivery", account.partial_delivery ? "on" : "off");
  line("charset", account.charset);
  for (const auto& [name, value] : account.headers) {
    text += fmt::format("header = {}: {}\n", name, value);
  }
  for (const auto& [name, value] :
       {std::pair{"dsn_notify", &account.dsn_notify}, std::pair{"dsn_return", &account.dsn_return},
        std::pair{"aliases", &account.aliases_file}, std::pair{"maildomain", &account.mail_domain},
        std::pair{"logfile", &account.logfile}, std::pair{"trace_file", &account.trace_file},
        std::pair{"syslog", &account.syslog_facility}}) {
    if (!value->empty()) {
      line(name, *value);
    }
  }
  return text;
}

}  // namespace smtpsend::config
