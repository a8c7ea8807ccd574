#pragma once
// Where the trace is written when a file is named (--trace-file, or trace_file in the
// configuration), opened once: the descriptor opened here is the one written to, never a second
// open of the same path.
//
// - "-" is standard output.
// - A path that does not exist is created exclusively, private to its owner (0600), never through
//   a symbolic link and never in a directory that does not exist.
// - An existing regular file must be the caller's own and not reached through a symbolic link;
//   it is emptied, and its mode is left as it is (a warning says so when others may read it).
// - Anything else that exists (/dev/null, a terminal, a FIFO with a reader) is written to as it
//   is: never truncated, never chmod-ed. A FIFO without a reader is an error, not a hang.

#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::trace {

struct TraceFile {
  int descriptor = -1;
  bool owned = false;                 // close it when done (not standard output)
  std::vector<std::string> warnings;  // worth telling the user once
};

// Opens `path` for the trace as described above. `setting` names where the path came from
// ("--trace-file", "trace_file (file:line)") for messages. Throws Failure(io) when it cannot.
TraceFile open_trace_file(const std::string& path, std::string_view setting);

}  // namespace smtpsend::trace
