#include "app/run_log.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

namespace smtpsend::app {

namespace {

std::string reply_text(const ServerReply& reply) {
  return std::to_string(reply.code) + " " + reply.first_line();
}

}  // namespace

RunLog::RunLog(config::LogDestination destination) : destination_(std::move(destination)) {
  known_.server_known = false;
  known_.envelope_known = false;
}

void RunLog::know_account(const config::Account& account) {
  known_.server_known = true;
  known_.account = account.account_name;
  known_.host = account.host;
  known_.port = account.port;
  known_.tls = std::string(tls_mode_name(account.tls));
  known_.user = account.user;
}

void RunLog::record_outcome(const smtp::Envelope& envelope, const smtp::TransactionOutcome& outcome,
                            int exit_code, bool interrupted) {
  SendRecord record = known_;
  record.envelope_known = true;
  record.sender = envelope.mail_from;
  record.recipients = envelope.recipients;
  record.size = envelope.size;
  record.sent = outcome.accepted();
  if (outcome.final_reply) {
    record.reply = reply_text(*outcome.final_reply);
  } else if (outcome.error && outcome.error->reply) {
    record.reply = reply_text(*outcome.error->reply);
  }
  record.exit_code = exit_code;
  record.interrupted = interrupted;
  if (outcome.error && !outcome.accepted()) {
    record.error = outcome.error->message;
  }
  write(std::move(record));
}

void RunLog::record_failure(const Error& error, int exit_code) {
  if (written_) {
    return;
  }
  SendRecord record = known_;
  if (error.reply) {
    record.reply = reply_text(*error.reply);
  }
  record.exit_code = exit_code;
  record.error = error.message;
  write(std::move(record));
}

void RunLog::write(SendRecord record) {
  written_ = true;
  if (destination_.empty()) {
    return;
  }
  record.when = std::chrono::system_clock::now();
  try {
    if (!destination_.logfile.empty()) {
      append_to_log_file(destination_.logfile,
                         format_send_record(record, destination_.time_format));
    }
    if (!destination_.syslog_facility.empty()) {
      write_to_syslog(destination_.syslog_facility, format_send_fields(record), record.sent);
    }
  } catch (const Failure& failure) {
    spdlog::warn(failure.error().message);
  }
}

}  // namespace smtpsend::app
