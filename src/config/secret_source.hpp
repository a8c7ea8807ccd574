#pragma once
// Where a password comes from. None of these ever puts the secret on a command line or in an
// error message.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace smtpsend::config {

// When a password command must have ended.
struct CommandDeadline {
  std::chrono::steady_clock::time_point at;
  std::optional<std::chrono::milliseconds> max_time;  // --max-time, when it set `at` (messages)
};

// The end of the run under --max-time (`run_ends`, with the limit it came from), else now plus
// 120 s: enough to type a GPG passphrase into pinentry.
CommandDeadline command_deadline(std::optional<std::chrono::steady_clock::time_point> run_ends,
                                 std::optional<std::chrono::milliseconds> max_time);

// Runs `command` as /bin/sh -c COMMAND, standard input /dev/null (the message may be waiting on
// ours), and returns the first line of its standard output (without the line end; at most 64 KiB
// are kept). Throws Failure(config) when the command fails or prints nothing, Failure(temporary)
// when it has not ended by the deadline (it is then stopped: SIGTERM, SIGKILL 2 s later),
// Failure(os) when it cannot be started. `setting` names where the command was given
// ("--password-cmd", "passwordeval"), for messages, which never quote the command: it may hold
// the secret itself.
std::string password_from_command(const std::string& command, std::string_view setting,
                                  const CommandDeadline& deadline);

// Asks on the controlling terminal with echo off. Throws Failure(config) when there is no terminal.
std::string password_from_terminal(const std::string& prompt);

}  // namespace smtpsend::config
