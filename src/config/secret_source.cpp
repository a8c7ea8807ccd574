#include "config/secret_source.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>

#include "common/error.hpp"

namespace smtpsend::config {

namespace {

// A password command printing more than this is not printing a password.
constexpr std::size_t max_secret_output = std::size_t{64} * 1024;

std::string first_line(const std::string& text) {
  const auto end = text.find_first_of("\r\n");
  return end == std::string::npos ? text : text.substr(0, end);
}

// While echo is off, a signal that ends the program must not leave the user's terminal silent:
// these handlers put it back, then let the signal do what it would have done.
struct TerminalRestore {
  int fd = -1;
  struct termios settings {};
};
TerminalRestore terminal_to_restore;  // NOLINT: reached from signal handlers, so it must be global
constexpr int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

extern "C" void restore_terminal_and_reraise(int signal_number) {
  if (terminal_to_restore.fd >= 0) {
    ::tcsetattr(terminal_to_restore.fd, TCSAFLUSH, &terminal_to_restore.settings);
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

class EchoOff {
 public:
  EchoOff(int tty, const struct termios& saved) {
    terminal_to_restore = TerminalRestore{tty, saved};
    struct sigaction action {};
    action.sa_handler = restore_terminal_and_reraise;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(ending_signals); ++i) {
      ::sigaction(ending_signals[i], &action, &previous_[i]);
    }
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  ~EchoOff() {
    ::tcsetattr(terminal_to_restore.fd, TCSAFLUSH, &terminal_to_restore.settings);
    for (std::size_t i = 0; i < std::size(ending_signals); ++i) {
      ::sigaction(ending_signals[i], &previous_[i], nullptr);
    }
    terminal_to_restore.fd = -1;
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  struct sigaction previous_[std::size(ending_signals)]{};
};

}  // namespace

std::string password_from_command(const std::string& command, std::string_view setting) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    throw Failure(ErrorKind::os,
                  "cannot run the password command: " + std::string(std::strerror(errno)));
  }
  std::string output;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0 &&
         output.size() < max_secret_output) {
    output.append(buffer, got);
  }
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
    // The command itself is not quoted: it may carry the secret (passwordeval echo ...).
    throw Failure(ErrorKind::config, "the password command of " + std::string(setting) +
                                         " failed (exit status " + std::to_string(code) +
                                         "); run it by hand to see why, or fix " +
                                         std::string(setting));
  }
  std::string password = first_line(output);
  if (password.empty()) {
    throw Failure(ErrorKind::config, "the password command of " + std::string(setting) +
                                         " printed no password on its first line; fix " +
                                         std::string(setting));
  }
  return password;
}

std::string password_from_terminal(const std::string& prompt) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (tty < 0) {
    throw Failure(ErrorKind::config,
                  "a password is needed but there is no terminal to ask on; set "
                  "SMTPSEND_PASSWORD or use --password-cmd CMD");
  }
  std::string line;
  {
    struct termios saved {};
    std::optional<EchoOff> echo_off;
    if (::tcgetattr(tty, &saved) == 0) {
      echo_off.emplace(tty, saved);
    }
    [[maybe_unused]] auto ignored = ::write(tty, prompt.data(), prompt.size());
    char c = 0;
    while (line.size() < max_secret_output && ::read(tty, &c, 1) == 1 && c != '\n') {
      line.push_back(c);
    }
  }
  ::close(tty);
  return first_line(line);
}

}  // namespace smtpsend::config
