#include "config/secret_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iterator>
#include <optional>

#include "common/deadline.hpp"
#include "common/error.hpp"
#include "common/secret_wipe.hpp"
#include "common/unique_fd.hpp"

extern char** environ;  // NOLINT: POSIX declares it for posix_spawn, no header does

namespace smtpsend::config {

namespace {

// A password command printing more than this is not printing a password.
constexpr std::size_t max_secret_output = std::size_t{64} * 1024;

std::string first_line(const std::string& text) {
  const auto end = text.find_first_of("\r\n");
  return end == std::string::npos ? text : text.substr(0, end);
}

// After SIGTERM, how long a command gets to clean up before SIGKILL.
constexpr std::chrono::milliseconds termination_grace{2000};

// Whether the process behind `pidfd` (readable once it has ended) ends by `deadline`. A wait that
// fails, or that a signal to stop ends, counts as not ended: the command is then stopped.
bool wait_for_exit(int pidfd, const Deadline& deadline) {
  try {
    return wait_until_ready(pidfd, POLLIN, deadline);
  } catch (const Failure&) {
    return false;
  }
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// SIGTERM, a short grace, then SIGKILL, to `target` (the command's process group when it has
// one of its own, so that what the shell started dies with it); the command is always reaped,
// so no zombie is left behind.
void stop(pid_t pid, pid_t target, int pidfd) {
  ::kill(target, SIGTERM);
  if (!wait_for_exit(pidfd, Deadline(termination_grace))) {
    ::kill(target, SIGKILL);
  }
  reap(pid);
  ::kill(target, SIGKILL);  // whatever of the group survived its leader
}

// Whether this process has a controlling terminal that a command could ask on.
bool has_controlling_terminal() {
  const int tty = ::open("/dev/tty", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (tty < 0) {
    return false;
  }
  ::close(tty);
  return true;
}

struct CommandResult {
  std::string output;  // at most max_secret_output bytes; the rest was read and dropped
  int status = 0;      // waitpid's
  bool timed_out = false;
};

// /bin/sh -c COMMAND with standard input /dev/null (the message may be waiting on ours),
// standard output a pipe, standard error ours, every other descriptor closed (O_CLOEXEC), and
// default signal dispositions (SIGPIPE above all: run.cpp catches it, and a writer to a closed
// pipe should end as usual).
CommandResult run_command(const std::string& command, const Deadline& deadline) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw Failure(ErrorKind::os,
                  "cannot run the password command: " + std::string(std::strerror(errno)));
  }
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int signal_number : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP}) {
    sigaddset(&defaults, signal_number);
  }
  ::posix_spawnattr_setsigdefault(&attributes, &defaults);
  sigset_t nothing_blocked;
  sigemptyset(&nothing_blocked);
  ::posix_spawnattr_setsigmask(&attributes, &nothing_blocked);
  // Without a terminal (cron, a mail program), the command gets a process group of its own, so
  // that a timeout stops everything it started. With one, it stays in ours: a process of
  // another group that reads the terminal (ssh asking for its password) would be stopped by
  // SIGTTIN; then only the command's own process is stopped at a timeout.
  const bool own_group = !has_controlling_terminal();
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (own_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    ::posix_spawnattr_setpgroup(&attributes, 0);
  }
  ::posix_spawnattr_setflags(&attributes, flags);
  const char* const argv[] = {"sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes,
                                    const_cast<char* const*>(argv), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    throw Failure(ErrorKind::os,
                  "cannot run the password command: " + std::string(std::strerror(spawned)));
  }
  write_end.reset();  // the command holds the only write end: its exit is our end of file
  const pid_t target = own_group ? -pid : pid;

  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.get() < 0) {
    const int error = errno;
    ::kill(pid, SIGKILL);
    reap(pid);
    throw Failure(ErrorKind::os,
                  "cannot watch the password command: " + std::string(std::strerror(error)));
  }

  CommandResult result;
  // Reserved once, so that appending never moves the secret and leaves a copy behind.
  result.output.reserve(max_secret_output);
  std::array<char, 4096> buffer{};
  bool open = true;
  while (open) {
    bool readable = false;
    try {
      readable = wait_until_ready(read_end.get(), POLLIN, deadline);
    } catch (const Failure&) {
      wipe(buffer);
      stop(pid, target, pidfd.get());  // no command is left running behind the error
      throw;
    }
    if (!readable) {
      wipe(buffer);
      stop(pid, target, pidfd.get());
      result.timed_out = true;
      return result;
    }
    const ::ssize_t got = ::read(read_end.get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      open = false;
      continue;
    }
    const auto room = max_secret_output - result.output.size();
    result.output.append(buffer.data(), std::min(room, static_cast<std::size_t>(got)));
  }
  wipe(buffer);
  // Its output is closed; it may still linger (a background child holding nothing, or a
  // command that closed its output first): the same deadline bounds that wait.
  if (!wait_for_exit(pidfd.get(), deadline)) {
    stop(pid, target, pidfd.get());
    result.timed_out = true;
    return result;
  }
  result.status = reap(pid);
  return result;
}

// While echo is off, a signal that ends the program must not leave the user's terminal silent:
// these handlers put it back, then let the signal do what it would have done. SIGTSTP (Ctrl-Z)
// stops the program with the terminal restored; when it continues (fg: SIGCONT), echo goes off
// again and the prompt keeps reading.
struct TerminalRestore {
  int fd = -1;
  struct termios settings {};
  struct termios quiet {};
};
TerminalRestore terminal_to_restore;  // NOLINT: reached from signal handlers, so it must be global
constexpr int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_terminal_and_reraise(int signal_number) {
  if (terminal_to_restore.fd >= 0) {
    ::tcsetattr(terminal_to_restore.fd, TCSAFLUSH, &terminal_to_restore.settings);
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

extern "C" void quiet_terminal_again(int /*signal_number*/) {
  if (terminal_to_restore.fd >= 0) {
    ::tcsetattr(terminal_to_restore.fd, TCSAFLUSH, &terminal_to_restore.quiet);
  }
}

extern "C" void stop_with_terminal_restored(int signal_number) {
  const int saved_errno = errno;
  if (terminal_to_restore.fd >= 0) {
    ::tcsetattr(terminal_to_restore.fd, TCSAFLUSH, &terminal_to_restore.settings);
  }
  // Stop now, with the default action: the signal is blocked while its handler runs, so it is
  // unblocked for the raise, and the handler is put back once the process continues.
  struct sigaction stop {};
  stop.sa_handler = SIG_DFL;
  sigemptyset(&stop.sa_mask);
  struct sigaction ours {};
  ::sigaction(signal_number, &stop, &ours);
  sigset_t just_this;
  sigemptyset(&just_this);
  sigaddset(&just_this, signal_number);
  ::sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
  ::raise(signal_number);
  // Continued (fg).
  ::sigaction(signal_number, &ours, nullptr);
  quiet_terminal_again(signal_number);
  errno = saved_errno;
}

class EchoOff {
 public:
  EchoOff(int tty, const struct termios& saved) {
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    terminal_to_restore = TerminalRestore{tty, saved, quiet};
    install_handlers();
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  ~EchoOff() {
    ::tcsetattr(terminal_to_restore.fd, TCSAFLUSH, &terminal_to_restore.settings);
    for (std::size_t i = 0; i < std::size(previous_); ++i) {
      ::sigaction(handled_signal(i), &previous_[i], nullptr);
    }
    terminal_to_restore.fd = -1;
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  static constexpr std::size_t ending_signals_size = std::size(ending_signals);
  static int handled_signal(std::size_t i) {
    return i < ending_signals_size ? ending_signals[i]
                                   : (i == ending_signals_size ? SIGTSTP : SIGCONT);
  }
  void install_handlers() {
    for (std::size_t i = 0; i < std::size(previous_); ++i) {
      struct sigaction action {};
      action.sa_handler = i < ending_signals_size    ? restore_terminal_and_reraise
                          : i == ending_signals_size ? stop_with_terminal_restored
                                                     : quiet_terminal_again;
      sigemptyset(&action.sa_mask);
      ::sigaction(handled_signal(i), &action, &previous_[i]);
    }
  }

  struct sigaction previous_[std::size(ending_signals) + 2]{};  // + SIGTSTP, SIGCONT
};

}  // namespace

std::string password_from_command(const std::string& command, std::string_view setting,
                                  const TimeLimits& limits) {
  const std::string name(setting);
  const std::string limit =
      limits.max_time() ? "the --max-time limit (" + describe_duration(*limits.max_time()) + ")"
                        : describe_duration(limits.password_command()) +
                              ", the limit for a password command without --max-time";
  CommandResult result = run_command(command, Deadline(limits.password_command()));
  if (result.timed_out) {
    wipe(result.output);
    // Temporary: what hangs is usually a prompt nobody answered in time (pinentry) or a slow
    // secret store; the same run later may well succeed, as after any --max-time expiry.
    throw Failure(ErrorKind::temporary,
                  "the password command of " + name + " did not finish within " + limit +
                      "; it was stopped and nothing was sent. Run it by hand to see where it "
                      "waits, or raise --max-time");
  }
  const int status = result.status;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    wipe(result.output);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    // The command itself is not quoted: it may carry the secret (passwordeval echo ...).
    throw Failure(ErrorKind::config, "the password command of " + name + " failed (exit status " +
                                         std::to_string(code) +
                                         "); run it by hand to see why, or fix " + name);
  }
  std::string password = first_line(result.output);
  wipe(result.output);
  if (password.empty()) {
    throw Failure(ErrorKind::config, "the password command of " + name +
                                         " printed no password on its first line; fix " + name);
  }
  return password;
}

std::string password_from_terminal(const std::string& prompt, std::string_view hint) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (tty < 0) {
    throw Failure(ErrorKind::config,
                  "a password is needed but there is no terminal to ask on; " + std::string(hint));
  }
  std::string line;
  // Reserved once, so that the secret is never moved, leaving a copy behind.
  line.reserve(max_secret_output);
  {
    struct termios saved {};
    std::optional<EchoOff> echo_off;
    if (::tcgetattr(tty, &saved) == 0) {
      echo_off.emplace(tty, saved);
    }
    [[maybe_unused]] auto ignored = ::write(tty, prompt.data(), prompt.size());
    char c = 0;
    while (line.size() < max_secret_output) {
      const ::ssize_t got = ::read(tty, &c, 1);
      if (got < 0 && errno == EINTR) {
        continue;  // a signal that did not end us (Ctrl-Z, then fg): keep reading
      }
      if (got != 1 || c == '\n') {
        break;
      }
      line.push_back(c);
    }
    c = 0;
  }
  ::close(tty);
  std::string password = first_line(line);
  wipe(line);
  return password;
}

}  // namespace smtpsend::config
