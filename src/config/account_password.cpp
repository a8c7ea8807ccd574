// Where the password comes from: the one order that resolve_password() follows and that
// --show-config names without fetching anything.

#include "config/account_password.hpp"

#include <sys/prctl.h>

#include "common/auth_mechanisms.hpp"
#include "common/error.hpp"
#include "common/secret_wipe.hpp"
#include "config/account.hpp"
#include "config/netrc.hpp"
#include "config/secret_source.hpp"

namespace smtpsend::config {

namespace {

std::string netrc_path(const Environment& environment) {
  if (auto home = environment("HOME"); home && !home->empty()) {
    return *home + "/.netrc";
  }
  return "";
}

// The password command's output, `named` set to where the command came from for messages.
std::string run_password_command(const SettingValue& setting, const TimeLimits& limits,
                                 std::string& named) {
  const bool from_flag = setting.layer == Layer::command_line;
  named = from_flag ? setting.origin : "passwordeval (" + setting.origin + ")";
  try {
    return password_from_command(setting.text, from_flag ? setting.origin : "passwordeval", limits);
  } catch (const Failure& failure) {
    if (from_flag) {
      throw;
    }
    throw Failure(failure.error().kind, setting.origin + ": " + failure.error().message);
  }
}

// What no password (or token) may be, whatever its source.
void check_password(std::string& password, const std::string& named, const std::string& user) {
  if (password.find('\0') != std::string::npos) {
    wipe(password);
    throw Failure(ErrorKind::config,
                  "the password from " + named +
                      " contains a NUL byte, which authentication cannot carry (RFC 4616); "
                      "nothing was sent. Give the password without it");
  }
  // An empty password is never what was meant; sending it only earns a confusing 535.
  if (password.empty()) {
    throw Failure(ErrorKind::config, "the password from " + named +
                                         " is empty; nothing was sent. Give the password for '" +
                                         user + "'");
  }
}

}  // namespace

PasswordSource password_source(const Settings& settings) {
  const SettingValue* command = settings.find("passwordeval");
  const SettingValue* password = settings.find("password");
  // The command and the password are two spellings of one thing: the one from the higher layer
  // wins, and the command when both come from the same (it is the one written to be used).
  if (command != nullptr && (password == nullptr || command->rank <= password->rank)) {
    return {PasswordSource::Kind::command, command};
  }
  if (password != nullptr) {
    return {PasswordSource::Kind::value, password};
  }
  return {PasswordSource::Kind::netrc_or_prompt, nullptr};
}

void resolve_password(Account& account, const Environment& environment, const TimeLimits& limits) {
  if (account.user.empty()) {
    return;
  }
  // RFC 4616 §2: NUL separates authzid, authcid and passwd in AUTH PLAIN; one inside a value
  // would add a field the server reads differently.
  if (account.user.find('\0') != std::string::npos) {
    throw Failure(ErrorKind::config, "the user name from " + account.settings.origin("user") +
                                         " contains a NUL byte, which authentication cannot "
                                         "carry; fix it");
  }
  // A Kerberos ticket or the TLS client certificate proves who we are: no password command is
  // run and no prompt shown, whatever the user name.
  if (!auth_needs_secret(account.auth)) {
    return;
  }
  // From here on a secret is in memory: no core dump may hold it, and no other process of the
  // same user may read it through ptrace or /proc (proc(5), PR_SET_DUMPABLE).
  ::prctl(PR_SET_DUMPABLE, 0);
  const PasswordSource source = password_source(account.settings);
  std::string named;
  switch (source.kind) {
    case PasswordSource::Kind::command:
      account.password = run_password_command(*source.value, limits, named);
      break;
    case PasswordSource::Kind::value:
      account.password = source.value->text;
      named = source.value->layer == Layer::environment
                  ? source.value->origin.substr(std::string_view("env ").size())
                  : "password (" + source.value->origin + ")";
      break;
    case PasswordSource::Kind::netrc_or_prompt:
      if (auto from_netrc =
              password_from_netrc_file(netrc_path(environment), account.host, account.user);
          from_netrc) {
        account.password = *from_netrc;
        named = "~/.netrc";
      } else {
        // Sendmail mode has no --password-cmd: its settings come from the file and the
        // environment.
        const std::string hint =
            account.sendmail_mode
                ? "set passwordeval or password in " +
                      (account.config_path.empty() ? std::string("the configuration file")
                                                   : account.config_path) +
                      ", or SMTPSEND_PASSWORD in the environment"
                : "set SMTPSEND_PASSWORD or use --password-cmd CMD";
        account.password = password_from_terminal(
            "Password for " + account.user + " at " + account.host + ": ", hint);
        named = "the terminal";
      }
      break;
  }
  check_password(account.password, named, account.user);
}

std::optional<std::string> fresh_password(const Account& account, const TimeLimits& limits) {
  const PasswordSource source = password_source(account.settings);
  if (account.user.empty() || source.kind != PasswordSource::Kind::command) {
    return std::nullopt;
  }
  std::string named;
  std::string password = run_password_command(*source.value, limits, named);
  check_password(password, named, account.user);
  return password;
}

}  // namespace smtpsend::config
