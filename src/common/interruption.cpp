#include "common/interruption.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace smtpsend {

namespace {

volatile std::sig_atomic_t caught = 0;  // NOLINT: written by a signal handler

constexpr int interrupting_signals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void record_interruption(int signal_number) {
  caught = signal_number;
}

}  // namespace

void catch_interruptions() {
  struct sigaction action {};
  action.sa_handler = record_interruption;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking wait must return EINTR and look at the flag
  for (const int signal_number : interrupting_signals) {
    ::sigaction(signal_number, &action, nullptr);
  }
}

int interruption() {
  return caught;
}

std::string signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal " + std::to_string(signal_number);
  }
}

int exit_status_of_signal(int signal_number) {
  return 128 + signal_number;
}

void end_by_interruption(int signal_number) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal_number, &action, nullptr);
  sigset_t unblocked;
  sigemptyset(&unblocked);
  sigaddset(&unblocked, signal_number);
  ::sigprocmask(SIG_UNBLOCK, &unblocked, nullptr);
  ::raise(signal_number);
  std::_Exit(exit_status_of_signal(signal_number));  // should the signal not end us
}

}  // namespace smtpsend
