#include "common/input_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/interruption.hpp"
#include "common/regular_file.hpp"
#include "common/temporary_file.hpp"

namespace smtpsend {

namespace {

// One read(2) asks for at most this much: large enough to be few system calls, small enough
// that the string's zero-filled, not yet read tail stays small (it counts as resident memory).
constexpr std::size_t read_piece_size = std::size_t{1} << 20;
constexpr std::size_t initial_capacity = std::size_t{64} * 1024;

// /dev/null (Linux's device 1,3, wherever its node is): the usual way to say "nothing", and the
// one device that is read as a file, empty.
bool is_null_device(const struct stat& status) {
  return S_ISCHR(status.st_mode) && status.st_rdev == makedev(1, 3);
}

// procfs and sysfs make their files' content when read: st_size is 0 (procfs) or a page
// (sysfs) whatever they hold. Any other regular file of size 0 is read whole too: it costs
// nothing when it is really empty.
bool size_is_unknown(int descriptor, const struct stat& status) {
  if (status.st_size == 0) {
    return true;
  }
  struct statfs filesystem {};
  if (::fstatfs(descriptor, &filesystem) != 0) {
    return false;
  }
  return filesystem.f_type == PROC_SUPER_MAGIC || filesystem.f_type == SYSFS_MAGIC;
}

// An anonymous pipe (pipefs), as opposed to a named FIFO, which lives on a file system.
bool is_anonymous_pipe(int descriptor) {
  struct statfs filesystem {};
  return ::fstatfs(descriptor, &filesystem) == 0 && filesystem.f_type == PIPEFS_MAGIC;
}

// Writes all of `bytes` to `descriptor`, retrying on EINTR and short writes.
void write_all(int descriptor, std::string_view bytes, const std::string& named) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(descriptor, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      throw Failure(ErrorKind::io, "cannot copy " + named + " to a temporary file: " +
                                       std::strerror(errno) + "; nothing was sent");
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

// A standard input inherited with O_NONBLOCK says EAGAIN when it has nothing yet: wait for it.
// A signal (EINTR) returns early: the caller's loop looks at it and waits again.
void wait_readable(int descriptor) {
  pollfd poll_descriptor{descriptor, POLLIN, 0};
  ::poll(&poll_descriptor, 1, -1);
}

}  // namespace

std::size_t read_some(int descriptor, char* buffer, std::size_t count, std::string_view what) {
  while (true) {
    // While a message is sent, a signal to stop must not wait for more input to arrive.
    if (const int signal_number = interruption(); signal_number != 0) {
      throw Failure(ErrorKind::temporary, "interrupted by " + signal_name(signal_number) +
                                              " while reading " + std::string(what));
    }
    const ssize_t got = ::read(descriptor, buffer, count);
    if (got >= 0) {
      return static_cast<std::size_t>(got);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_readable(descriptor);
      continue;
    }
    throw Failure(ErrorKind::io, "cannot read " + std::string(what) + ": " + std::strerror(errno) +
                                     "; nothing was sent");
  }
}

InputFile::InputFile(const std::string& path, std::string_view what) {
  const std::string named = std::string(what) + " '" + path + "'";
  const auto fail = [&](const std::string& reason) {
    throw Failure(ErrorKind::no_input, "cannot open " + named + ": " + reason);
  };
  // Opened without blocking: a FIFO would otherwise wait for a writer, forever if none comes.
  RegularFile file(path);
  const struct stat& status = file.status();
  if (!file.ok()) {
    if (!file.not_regular()) {
      fail(std::strerror(file.error()));
    }
    if (S_ISDIR(status.st_mode)) {
      fail("it is a directory; name a file instead");
    }
    if (is_null_device(status)) {
      return;  // empty, as `--text /dev/null` means
    }
    if (S_ISFIFO(status.st_mode)) {
      const UniqueFd pipe = file.take_not_regular();
      if (is_anonymous_pipe(pipe.get())) {
        copy_to_temporary_file(pipe.get(), named);
        return;
      }
      fail("it is not a regular file but " + file.kind() +
           ", which might never get a writer; give its content on standard input as '-', or "
           "copy it to a regular file and give that");
    }
    fail("it is not a regular file but " + file.kind() +
         "; copy its content to a regular file and give that");
  }
  if (!size_is_unknown(file.fd(), status)) {
    size_ = static_cast<std::uint64_t>(status.st_size);
    descriptor_.reset(file.release());
    return;
  }
  // Read whole now; the descriptor closes with `file`.
  content_ = read_to_end(file.fd(), named, 0, maximum_special_file_size);
  size_ = content_.size();
}

InputFile InputFile::standard_input(std::string_view what) {
  const std::string named = std::string(what) + " from standard input";
  InputFile file;
  struct stat status {};
  if (::fstat(STDIN_FILENO, &status) == 0 && S_ISREG(status.st_mode)) {
    // A redirected file is read from where the caller left it, through a descriptor of our own
    // (which shares that offset).
    const off_t offset = ::lseek(STDIN_FILENO, 0, SEEK_CUR);
    file.descriptor_.reset(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0));
    if (offset < 0 || !file.descriptor_.valid()) {
      throw Failure(ErrorKind::io, "cannot read " + named + ": " + std::strerror(errno));
    }
    file.size_ = static_cast<std::uint64_t>(std::max<off_t>(status.st_size - offset, 0));
    return file;
  }
  file.copy_to_temporary_file(STDIN_FILENO, named);
  return file;
}

void InputFile::copy_to_temporary_file(int source, const std::string& named) {
  UniqueFd copy = create_temporary_file("cannot keep a copy of " + named);
  std::string buffer(read_piece_size, '\0');
  std::uint64_t total = 0;
  while (const std::size_t got = read_some(source, buffer.data(), buffer.size(), named)) {
    write_all(copy.get(), std::string_view(buffer.data(), got), named);
    total += got;
  }
  if (::lseek(copy.get(), 0, SEEK_SET) != 0) {
    throw Failure(ErrorKind::io,
                  "cannot read back the copy of " + named + ": " + std::strerror(errno));
  }
  descriptor_ = std::move(copy);
  size_ = total;
}

std::string read_to_end(int descriptor, std::string_view what, std::uint64_t expected_size,
                        std::uint64_t limit) {
  // Read into pieces rather than one string that doubles: growing a string copies it, and for a
  // moment holds twice what was read. The first piece is as large as the size expected (plus one
  // octet, so that the read that finds the end needs no further piece): a regular file is read
  // into the string that is returned. Only when more comes are the pieces joined, each freed as
  // soon as it is copied (pieces this large are mapped memory, returned to the system at once).
  std::vector<std::string> pieces;
  std::string piece;
  piece.reserve(static_cast<std::size_t>(
      std::max<std::uint64_t>(std::min(expected_size, limit) + 1, initial_capacity)));
  std::uint64_t total = 0;
  while (true) {
    if (piece.size() == piece.capacity()) {
      pieces.push_back(std::move(piece));
      piece = std::string();
      piece.reserve(read_piece_size);
    }
    const std::size_t used = piece.size();
    // Resized a read at a time: the zeros resize writes would make untouched pages resident.
    const std::size_t room = std::min(piece.capacity() - used, read_piece_size);
    piece.resize(used + room);
    const std::size_t got = read_some(descriptor, piece.data() + used, room, what);
    piece.resize(used + got);
    if (got == 0) {
      break;
    }
    total += got;
    if (total > limit) {
      throw Failure(ErrorKind::no_input,
                    "cannot use " + std::string(what) + ": it has more than " +
                        std::to_string(limit) +
                        " octets, too many for a file whose size is not known in advance; copy "
                        "it to a regular file and give that");
    }
  }
  if (pieces.empty()) {
    return piece;
  }
  pieces.push_back(std::move(piece));
  std::string content;
  content.reserve(static_cast<std::size_t>(total));
  for (auto& each : pieces) {
    content += each;
    std::string().swap(each);
  }
  return content;
}

bool names_standard_input(std::string_view path) {
  constexpr std::string_view names[] = {standard_input_name, "/dev/stdin", "/dev/fd/0",
                                        "/proc/self/fd/0"};
  return std::find(std::begin(names), std::end(names), path) != std::end(names);
}

std::string read_input_file(const std::string& path, std::string_view what) {
  InputFile file(path, what);
  if (file.is_in_memory()) {
    return std::move(file.content());
  }
  const UniqueFd descriptor(file.release_descriptor());
  return read_to_end(descriptor.get(), std::string(what) + " '" + path + "'", file.size());
}

}  // namespace smtpsend
