#pragma once
// The configuration file, in msmtp's syntax (msmtprc), so that an existing ~/.msmtprc works when
// named with --config. This layer only reads, checks and resolves inheritance; turning settings
// into an Account is account.cpp's job.
//
// Syntax, as msmtp reads it (msmtp manual, "Configuration files"):
//   - one `KEY [VALUE]` per line; blank lines and lines whose first non-blank character is '#'
//     are ignored. A '#' later in a line is part of the value (passwords may hold one).
//   - a value may be enclosed in double quotes; inside them \" and \\ stand for " and \.
//     A value that opens a quote and closes it before its end keeps its quotes (a passwordeval
//     command quoting a path for the shell), as msmtp keeps them.
//   - `defaults` starts settings that fill in every account defined after it; `account NAME`
//     starts an account; `account NAME : BASE[, BASE2...]` also takes the settings that the
//     earlier accounts BASE... set themselves, in list order, over the defaults.
//   - settings before any `defaults` or `account` line form an account named "default", as in
//     msmtp (compatibility with its 1.2 series).
// Values are stored checked and lightly normalized: an on/off key written without a value holds
// "on" (auth too; set_*_header hold "auto", msmtp's reading), and tls_fingerprint holds
// "sha256:" followed by 64 lowercase hex digits, or msmtp's older SHA-1 form: 20 lowercase hex
// bytes separated by colons.

#include <sys/types.h>
#include <unistd.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::config {

// Where a setting was written.
struct Origin {
  std::string file;
  int line = 0;  // 1-based; 0 when not written on any line (defaults without a `defaults` line)
};

std::string describe(const Origin& origin);  // "path:12"

struct Setting {
  std::string value;  // value unquoted, escapes resolved, ~ expanded
  Origin origin;
};

struct AccountSettings {
  std::string name;                         // "" for the settings of the `defaults` sections alone
  Origin origin;                            // its `account` line
  std::map<std::string, Setting> settings;  // single-valued keys: the effective value
  std::vector<Setting> headers;             // our repeatable `header` key, inherited ones first
};

struct ConfigFile {
  std::string path;
  AccountSettings defaults;  // all `defaults` sections together (a run without account uses them)
  std::vector<AccountSettings> accounts;  // in file order, each with defaults/inheritance applied
  std::vector<std::string> warnings;      // "path:3: tls_min_dh_prime_bits is ignored: ..."
  const AccountSettings* find(std::string_view name) const;  // nullptr when absent
};

// Throws Failure(ErrorKind::config) whose message starts with "path:line: " and names the key.
// `home` expands a leading "~/" (and a bare "~") in file-name values.
ConfigFile parse_config(std::string_view text, const std::string& path, const std::string& home);

// Reads and parses `path`. A missing or unreadable file: Failure(ErrorKind::no_input) naming it
// (callers decide whether a missing default file matters). A `password` key in a file readable by
// group or others (st_mode & 077) is refused for everyone, root included: Failure(config)
// "path:line: the file holds a password but is readable by others; run: chmod 600 path".
// Files over 1 MiB are refused.
ConfigFile load_config_file(const std::string& path, const std::string& home,
                            uid_t caller = ::geteuid());

}  // namespace smtpsend::config
