#pragma once
// The files a user names as input (--text, --html, --inline, -a) and standard input, opened and
// read so that none of them can block forever, be cut short silently or swallow an error.
//
// A FIFO opened for reading blocks until a writer appears, and a device may never end, so every
// file is opened without blocking and looked at first: a regular file is read as usual; a file
// of procfs or sysfs, which says its size is 0 (or 4096) whatever it holds, is read whole at once
// (such files are small; the bound below refuses the rest); /dev/null is empty; a pipe (what
// `<(command)` and /dev/stdin name) is copied to its end into a private temporary file, which
// then stands for it; anything else, a named FIFO included, is refused.
//
// A pipe is copied rather than streamed: the message's size must be known before it is sent
// (SIZE=, RFC 1870 §4), and a pipe says it only at its end. A file keeps memory flat whatever
// the pipe carries. A named FIFO is refused because it may have no writer, ever: opened without
// blocking it looks empty, and waiting for data would wait forever. A pipe reached through
// /dev/fd/N already has its writer (or has had it, and then ends).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace smtpsend {

// procfs and sysfs files are a few kilobytes; one larger than this is no file to mail.
inline constexpr std::size_t maximum_special_file_size = std::size_t{16} * 1024 * 1024;

// An input file, open and checked: either a regular file whose descriptor is left where reading
// starts (blocking again), the temporary copy of a pipe, or the whole content of a procfs/sysfs
// file, read at open time.
class InputFile {
 public:
  // Opens `path` with O_NONBLOCK, O_CLOEXEC and O_NOCTTY and looks at what it is. `what` names
  // it in messages ("attachment", "--text file"). Failure(no_input, "cannot open <what> '<path>':
  // <reason>") when it is missing, unreadable, a directory, not a regular file (a named FIFO,
  // socket or device: "is not a regular file but ..."), or a procfs/sysfs file larger than
  // maximum_special_file_size; Failure(io) when reading a procfs/sysfs file or a pipe fails, or
  // writing the pipe's copy does; Failure(os) when no temporary file can be made for it.
  InputFile(const std::string& path, std::string_view what);

  // Standard input as an input file (`-a -`): a regular file from its current offset, anything
  // else (a pipe, a socket, a terminal) copied to its end into a temporary file as a pipe is.
  // Failure(io) when reading it fails (a directory, say).
  static InputFile standard_input(std::string_view what);

  // True when the content was read at open time (procfs, sysfs): content() holds it all, and
  // there is no descriptor.
  bool is_in_memory() const { return !descriptor_.valid(); }
  // The size: st_size of a regular file, or the size of what was read.
  std::uint64_t size() const { return size_; }
  // The content read at open time; empty for a regular file.
  std::string& content() { return content_; }
  // Hands the descriptor of a regular file to the caller, who then closes it; -1 when in memory.
  int release_descriptor() { return descriptor_.release(); }

 private:
  InputFile() = default;
  // Copies `source` to its end into a temporary file, which becomes this file's descriptor.
  void copy_to_temporary_file(int source, const std::string& named);

  UniqueFd descriptor_;
  std::uint64_t size_ = 0;
  std::string content_;
};

// One read(2) of at most `count` octets into `buffer`: retried on EINTR (unless a signal to stop
// came, common/interruption.hpp: Failure(temporary)), waited for with poll() on EAGAIN (an input
// inherited with O_NONBLOCK). Returns 0 at the end of the input; Failure(io, "cannot read
// <what>: <reason>; nothing was sent") when the read fails.
std::size_t read_some(int descriptor, char* buffer, std::size_t count, std::string_view what);

// Reads `descriptor` to its end with read(2) in large pieces, retrying on EINTR, into one string
// that grows in place (`expected_size`, when known, is reserved up front). `what` names it in
// messages ("standard input", "--text file 'x'"). Throws Failure(io, "cannot read <what>:
// <reason>") when a read fails, and Failure(no_input) when more than `limit` octets come.
std::string read_to_end(int descriptor, std::string_view what, std::uint64_t expected_size = 0,
                        std::uint64_t limit = UINT64_MAX);

// "-" names standard input wherever a file is asked for (--text, --html, --message, -a, --inline).
inline constexpr std::string_view standard_input_name = "-";

// Whether reading `path` reads standard input: "-", and the names Linux gives it (/dev/stdin,
// /dev/fd/0, /proc/self/fd/0), so that two inputs cannot both claim it unnoticed.
bool names_standard_input(std::string_view path);

// Reads the whole of a file named as input (see InputFile), for bodies that are held in memory.
std::string read_input_file(const std::string& path, std::string_view what);

}  // namespace smtpsend
