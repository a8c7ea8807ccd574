#pragma once
// The send log of one run (app/send_log.hpp formats and writes the lines): where it goes, known
// once the configuration is read, and what is known so far of the attempt it describes. Every
// outcome from then on is logged: a delivery, a refusal, and a failure found before connecting
// (a bad address, an unreadable attachment, a missing password, a bad setting), so that a cron
// job's lost mail leaves a trace. A configuration that cannot be read names no log: that
// failure goes to standard error only.

#include <utility>

#include "app/send_log.hpp"
#include "common/error.hpp"
#include "config/account.hpp"
#include "smtp/session.hpp"

namespace smtpsend::app {

class RunLog {
 public:
  explicit RunLog(config::LogDestination destination);

  // The account resolved: later lines name its server and user.
  void know_account(const config::Account& account);

  // One line for a transaction's outcome (one per message with --batch).
  void record_outcome(const smtp::Envelope& envelope, const smtp::TransactionOutcome& outcome,
                      int exit_code, bool interrupted = false);

  // One line for a failure that ended the run, unless a line already says how it ended.
  void record_failure(const Error& error, int exit_code);

 private:
  // A log that cannot be written is worth a warning, never a different outcome.
  void write(SendRecord record);

  config::LogDestination destination_;
  SendRecord known_;  // the fields known so far, copied into every line
  bool written_ = false;
};

}  // namespace smtpsend::app
