#pragma once
// SIGINT, SIGTERM and SIGHUP while a message is being sent.
//
// Killed outright, the program would leave no log line, and a message whose final dot went out
// would leave no word that it may have been delivered. While catch_interruptions() is in force,
// such a signal is only recorded: the handler is installed without SA_RESTART, so the poll() the
// network code waits in returns EINTR, and every wait checks interruption() (common/deadline.cpp)
// and gives up. The outcome is then reported and logged as usual, and the program ends by the
// same signal (end_by_interruption), so that its caller sees what happened to it.

#include <string>

namespace smtpsend {

// From now on, SIGINT, SIGTERM and SIGHUP are recorded instead of ending the program.
void catch_interruptions();

// The signal caught since catch_interruptions(), or 0.
int interruption();

// "SIGTERM", for messages.
std::string signal_name(int signal_number);

// The status a shell reports for a program ended by `signal_number` (128 + its number): what the
// send log records for an interrupted send.
int exit_status_of_signal(int signal_number);

// Restores the default action of `signal_number` and raises it: the program ends as if the
// signal had never been caught.
[[noreturn]] void end_by_interruption(int signal_number);

}  // namespace smtpsend
