#pragma once
// Standard input, output and error as the program found them at start.
//
// A caller that closed descriptor 0, 1 or 2 (a daemon that closes everything and then runs
// `sendmail -t`, or a shell's `2>&-`) would otherwise have the next open() take that number: the
// TCP socket could become descriptor 2, and a warning or the trace would be written into the SMTP
// connection. So the first thing the program does is open /dev/null on each closed one, and
// remember which were closed: reading a message from a standard input that was closed is an
// error, not an empty message.

namespace smtpsend {

struct StandardStreamsAtStart {
  bool input_closed = false;
  bool output_closed = false;
  bool error_closed = false;
};

// Opens /dev/null on each of descriptors 0, 1 and 2 that is closed, and records which were.
// Call once, first thing in main(), before anything opens a file or a socket. Returns false when
// /dev/null cannot be opened (the caller can then only exit).
bool reopen_closed_standard_streams();

// What reopen_closed_standard_streams() found (all false when it was never called).
const StandardStreamsAtStart& standard_streams_at_start();

}  // namespace smtpsend
