#pragma once
// Warnings about a configuration file (keys it ignores, such as tls_min_dh_prime_bits) are
// shown once per change of the file, not on every send: cron mails a job's owner whatever it
// writes to stderr, and the same warning every five minutes teaches people to ignore stderr.
//
// The state file, <state directory>/config-warnings, holds one line per configuration file
// whose warnings were shown: "DEVICE INODE SIZE MTIME_SECONDS MTIME_NANOSECONDS PATH". A file
// whose identity matches its line was already warned about; an edit (new size or mtime) or a
// replacement (new inode) shows the warnings again. The state file is created 0600 and replaced
// atomically (a temporary file renamed over it), so concurrent runs never read half a record.

#include <optional>
#include <string>

namespace smtpsend::config {

// $XDG_STATE_HOME/smtpsend, else $HOME/.local/state/smtpsend (XDG Base Directory Specification
// 0.8; a relative XDG_STATE_HOME is ignored, as it says). nullopt when neither gives one.
std::optional<std::string> warnings_state_directory(
    const std::optional<std::string>& xdg_state_home, const std::optional<std::string>& home);

// Whether the warnings of the configuration file at `config_path` are to be shown now: true
// when the state in `state_directory` has no record matching the file as it is, which is then
// recorded (the directory is created 0700 when missing). When no record can be read or written
// (no directory, a read-only one, a file that cannot be examined), true: better a repeated
// warning than a lost one. Never throws.
bool show_config_warnings_now(const std::string& config_path,
                              const std::optional<std::string>& state_directory);

}  // namespace smtpsend::config
