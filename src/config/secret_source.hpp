#pragma once
// Where a password comes from. None of these ever puts the secret on a command line or in an
// error message.

#include <string>
#include <string_view>

#include "common/time_limits.hpp"

namespace smtpsend::config {

// Runs `command` as /bin/sh -c COMMAND, standard input /dev/null (the message may be waiting on
// ours), and returns the first line of its standard output (without the line end; at most 64 KiB
// are kept). Throws Failure(config) when the command fails or prints nothing, Failure(temporary)
// when it has not ended within `limits.password_command()` (what --max-time leaves, else 120 s;
// it is then stopped: SIGTERM, SIGKILL 2 s later),
// Failure(os) when it cannot be started. `setting` names where the command was given
// ("--password-cmd", "passwordeval"), for messages, which never quote the command: it may hold
// the secret itself.
std::string password_from_command(const std::string& command, std::string_view setting,
                                  const TimeLimits& limits);

// Asks on the controlling terminal with echo off. Throws Failure(config) when there is no
// terminal, ending with `hint`: where else a password can come from.
std::string password_from_terminal(const std::string& prompt, std::string_view hint);

}  // namespace smtpsend::config
