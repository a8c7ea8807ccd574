// Which configuration file is read, and which of its accounts a run uses.

#include "config/account_choice.hpp"

#include <fnmatch.h>
#include <sys/stat.h>

#include <string_view>
#include <vector>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "config/account.hpp"

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

// A leading "~/" in -C is the home directory, as the shell would have made it: callers such as
// mutt pass the argument through without a shell.
std::string expanded_path(const std::string& path, const std::string& home) {
  if ((path == "~" || path.starts_with("~/")) && !home.empty()) {
    return home + path.substr(1);
  }
  return path;
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

bool is_pattern(std::string_view from) {
  return from.find_first_of("*?[") != std::string_view::npos;
}

// The account's `from` is the address, or a pattern for it.
bool from_matches(std::string_view account_from, const std::string& sender) {
  if (is_pattern(account_from)) {
    return ::fnmatch(std::string(account_from).c_str(), sender.c_str(), FNM_CASEFOLD) == 0;
  }
  return ascii_lower(bare_address(account_from)) == ascii_lower(sender);
}

std::string account_names(const ConfigFile& file) {
  std::string names;
  for (const auto& candidate : file.accounts) {
    names += (names.empty() ? "" : ", ") + candidate.name;
  }
  return names;
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

std::optional<ConfigFile> load_configuration(const CommandLine& command_line,
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
  if (!command_line.config_file.empty()) {
    const std::string named = expanded_path(command_line.config_file, home);
    if (command_line.sendmail_mode && caller != 0) {
      check_sendmail_config_option(named, default_path,
                                   default_path.empty()
                                       ? user_config_path(environment) + " or " + system_file
                                       : default_path,
                                   home);
    }
    return load_config_file(named, home);
  }
  if (!default_path.empty()) {
    return load_config_file(default_path, home);
  }
  return std::nullopt;
}

AccountChoice choose_account(const CommandLine& command_line, const Environment& environment,
                             const ConfigFile& file) {
  if (!command_line.account.empty()) {
    const AccountSettings* chosen = file.find(command_line.account);
    if (chosen == nullptr) {
      const std::string names = account_names(file);
      throw Failure(ErrorKind::config,
                    "there is no account '" + command_line.account + "' in " + file.path +
                        (names.empty() ? "; it defines none" : "; its accounts: " + names));
    }
    return {chosen, "--account", true};
  }
  std::string sender;
  for (const Override& given : command_line.overrides) {
    if (given.key == "from") {
      sender = bare_address(given.value);  // the last one counts, as for every flag
    }
  }
  if (sender.empty()) {
    sender = bare_address(environment("SMTPSEND_FROM").value_or(""));
  }
  if (!sender.empty()) {
    for (const auto& candidate : file.accounts) {
      const auto from = candidate.settings.find("from");
      if (from != candidate.settings.end() && from_matches(from->second.value, sender)) {
        return {&candidate, "its from matches " + sender, false};
      }
    }
  }
  if (const AccountSettings* fallback = file.find("default"); fallback != nullptr) {
    return {fallback, "default", false};
  }
  return {&file.defaults, "no account; defaults only", false};
}

LogDestination resolve_log_destination(const CommandLine& command_line,
                                       const Environment& environment, const ConfigFile* file) {
  if (file == nullptr) {
    return {};
  }
  const AccountSettings* settings = &file->defaults;
  try {
    settings = choose_account(command_line, environment, *file).settings;
  } catch (const Failure&) {
    // An unknown -A account: its failure is still worth a line where the defaults log.
  }
  const auto value = [&](const char* key) {
    const auto found = settings->settings.find(key);
    return found == settings->settings.end() ? std::string() : found->second.value;
  };
  LogDestination destination{value("logfile"), value("logfile_time_format"), value("syslog")};
  if (destination.syslog_facility == "off") {
    destination.syslog_facility.clear();
  }
  return destination;
}

std::string no_account_chosen(const ConfigFile& file) {
  return "no account chosen in " + file.path + ": use -A NAME (" + account_names(file) +
         "), a -f address that matches an account's from, or the line 'account default : NAME'";
}

}  // namespace smtpsend::config
