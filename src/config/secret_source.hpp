#pragma once
// Where a password comes from. None of these ever puts the secret on a command line or in an
// error message.

#include <string>
#include <string_view>

namespace smtpsend::config {

// Runs `command` with /bin/sh and returns the first line of its standard output (without the line
// end). Throws Failure(config) when the command cannot run, fails, or prints nothing.
// `setting` names where the command was given ("--password-cmd", "passwordeval"), for messages,
// which never quote the command: it may hold the secret itself.
std::string password_from_command(const std::string& command,
                                  std::string_view setting = "--password-cmd");

// Asks on the controlling terminal with echo off. Throws Failure(config) when there is no terminal.
std::string password_from_terminal(const std::string& prompt);

}  // namespace smtpsend::config
