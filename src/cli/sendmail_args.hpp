#pragma once
// The sendmail-compatible command line. Programs that hand mail to /usr/sbin/sendmail (cron,
// mailx, git send-email, PHP's mail(), mutt, logwatch) use the classic flags with their classic
// meanings, as Postfix's sendmail(1) documents them, plus msmtp's -C, -a and long options.
// Native options are parsed by parse_command_line() (cli/options.hpp) instead.

#include <string_view>

#include "cli/options.hpp"

namespace smtpsend::cli {

// True when argv[0]'s base name is "sendmail", i.e. the program was run through a symlink such
// as /usr/sbin/sendmail.
bool invoked_as_sendmail(std::string_view argv0);

// Parses a sendmail-style command line. argv[0] is the program name; a leading "--sendmail" has
// already been removed by the caller. Flags may be clustered as getopt(3) allows ("-ti",
// "-tif ADDR") and may follow recipients; "--" ends them. Sets options.settings.sendmail_mode.
// Throws smtpsend::Failure(ErrorKind::usage) with a message naming the flag at fault.
Options parse_sendmail_command_line(int argc, const char* const* argv);

}  // namespace smtpsend::cli
