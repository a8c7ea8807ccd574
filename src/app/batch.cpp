#include "app/batch.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <utility>

#include "app/driver.hpp"
#include "app/exit_code.hpp"
#include "common/error.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {

namespace {

using Results = std::vector<std::optional<smtp::TransactionOutcome>>;

// The regular files directly inside `directory`, in byte order of their names.
std::vector<std::string> files_in(const std::string& directory) {
  std::unique_ptr<DIR, int (*)(DIR*)> listing(::opendir(directory.c_str()), ::closedir);
  if (!listing) {
    throw Failure(ErrorKind::no_input, "--batch: cannot read the directory '" + directory +
                                           "': " + std::strerror(errno));
  }
  std::vector<std::string> files;
  errno = 0;
  while (const dirent* entry = ::readdir(listing.get())) {
    const std::string path = directory + "/" + entry->d_name;
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode)) {
      files.push_back(path);
    }
    errno = 0;
  }
  if (errno != 0) {
    throw Failure(ErrorKind::no_input, "--batch: cannot read the directory '" + directory +
                                           "': " + std::strerror(errno));
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw Failure(ErrorKind::no_input,
                  "--batch: the directory '" + directory + "' holds no regular file to send");
  }
  return files;
}

smtp::TransactionOutcome not_sent(Error error) {
  smtp::TransactionOutcome outcome;
  outcome.state = smtp::TransactionState::not_sent;
  outcome.error = std::move(error);
  return outcome;
}

// The messages as the driver's transactions, over one connection. Messages that already have a
// result (from an earlier connection) are skipped; each message is opened when its turn comes.
class BatchTransactions final : public Transactions {
 public:
  BatchTransactions(Results& results, const OpenBatchMessage& open, const CheckBody& check_body,
                    const smtp::Session& session)
      : results_(results), open_(open), check_body_(check_body), session_(session) {}

  std::optional<smtp::Envelope> next() override {
    while (cursor_ < results_.size()) {
      const std::size_t index = cursor_++;
      if (results_[index]) {
        continue;
      }
      try {
        current_ = open_(index);
      } catch (const Failure& failure) {
        results_[index] = not_sent(failure.error());  // this message's own trouble
        continue;
      }
      started_.push_back(index);
      ++started_count_;
      return current_.envelope;
    }
    return std::nullopt;
  }

  bool body(std::string& chunk) override {
    try {
      const bool more = current_.content->next(chunk);
      if (check_body_) {
        check_body_(chunk, session_.capabilities());
      }
      return more;
    } catch (const Failure&) {
      own_failure_ = started_.back();  // the file failed, not the connection
      throw;
    }
  }

  void ended(smtp::TransactionOutcome outcome) override {
    const std::size_t index = started_.front();
    started_.pop_front();
    // Ended unsent because the connection ended (a 421, a lost connection), not for a reason
    // of its own: worth sending again over a new connection. One sent whole (delivery unknown)
    // is not: it may have been delivered.
    if (outcome.state == smtp::TransactionState::not_sent && session_.error() &&
        own_failure_ != index) {
      abandoned_.push_back(index);
    }
    results_[index] = std::move(outcome);
  }

  std::size_t started_count() const { return started_count_; }

  // Makes the messages the connection's end left unsent pending again.
  void forget_abandoned() {
    for (const std::size_t index : abandoned_) {
      results_[index].reset();
    }
  }

  // The messages the connection's end left unsent stay so: a lost connection (an I/O error for
  // one message) is a temporary failure for a message that never went out, worth sending again.
  void give_up_abandoned() {
    for (const std::size_t index : abandoned_) {
      auto& error = results_[index]->error;
      if (error && error->kind == ErrorKind::io) {
        error->kind = ErrorKind::temporary;
      }
    }
  }

 private:
  Results& results_;
  const OpenBatchMessage& open_;
  const CheckBody& check_body_;
  const smtp::Session& session_;
  std::size_t cursor_ = 0;
  ComposedMessage current_;
  std::deque<std::size_t> started_;  // started, not yet ended
  std::size_t started_count_ = 0;
  std::optional<std::size_t> own_failure_;
  std::vector<std::size_t> abandoned_;
};

void fill_unsent(Results& results, const Error& error) {
  for (auto& outcome : results) {
    if (!outcome) {
      outcome = not_sent(error);
    }
  }
}

bool complete(const Results& results) {
  return std::all_of(results.begin(), results.end(),
                     [](const auto& outcome) { return outcome.has_value(); });
}

// A 0 for accepted, 1 for temporary (worth retrying), 2 for permanent.
int severity(int exit_code) {
  if (exit_code == 0) {
    return 0;
  }
  return exit_code == EX_TEMPFAIL ? 1 : 2;
}

// One line: line breaks in a server's text become "; ", control bytes are escaped.
std::string one_line(std::string_view text) {
  std::string line;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find('\n', start);
    line += trace::escape_for_terminal(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return line;
    }
    line += "; ";
    start = end + 1;
  }
}

}  // namespace

std::vector<std::string> batch_files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
      throw Failure(ErrorKind::no_input,
                    "--batch: cannot open '" + path + "': " + std::strerror(errno));
    }
    if (S_ISDIR(status.st_mode)) {
      const auto inside = files_in(path);
      files.insert(files.end(), inside.begin(), inside.end());
    } else if (S_ISREG(status.st_mode)) {
      files.push_back(path);
    } else {
      throw Failure(ErrorKind::no_input,
                    "--batch: '" + path + "' is neither a regular file nor a directory");
    }
  }
  return files;
}

std::vector<smtp::TransactionOutcome> send_batch(std::size_t count, const OpenBatchMessage& open,
                                                 const ConnectForBatch& connect,
                                                 const TimeLimits& limits,
                                                 const CheckBody& check_body,
                                                 std::size_t receive_piece) {
  Results results(count);
  // The first connection, and one more when a connection that carried messages ends early.
  for (int connection = 0; !complete(results); ++connection) {
    BatchConnection link;
    try {
      link = connect();
    } catch (const Failure& failure) {
      fill_unsent(results, failure.error());
      break;
    }
    BatchTransactions transactions(results, open, check_body, *link.session);
    drive(*link.transport, *link.session, transactions, limits, receive_piece, link.fresh_secret);
    // A connection that carried messages and ended early (a 421, a lost connection) is made
    // again once, for the messages it left unsent.
    const auto& error = link.session->error();
    if (connection == 0 && transactions.started_count() > 0 && error) {
      transactions.forget_abandoned();
      continue;
    }
    transactions.give_up_abandoned();
    fill_unsent(results, error.value_or(Error{ErrorKind::internal,
                                              "the connection ended before every message was sent",
                                              std::nullopt}));
  }
  std::vector<smtp::TransactionOutcome> outcomes;
  outcomes.reserve(count);
  for (auto& outcome : results) {
    outcomes.push_back(std::move(*outcome));
  }
  return outcomes;
}

int batch_message_exit_code(const smtp::TransactionOutcome& outcome) {
  if (outcome.accepted()) {
    return 0;
  }
  return exit_code_for(outcome.error ? outcome.error->kind : ErrorKind::internal);
}

int batch_exit_code(const std::vector<smtp::TransactionOutcome>& outcomes) {
  int chosen = 0;
  for (const auto& outcome : outcomes) {
    const int code = batch_message_exit_code(outcome);
    if (severity(code) > severity(chosen)) {
      chosen = code;
    }
  }
  return chosen;
}

std::string describe_batch_result(const std::string& path,
                                  const smtp::TransactionOutcome& outcome) {
  const std::string shown = trace::escape_for_terminal(path);
  const std::string why = outcome.error ? one_line(outcome.error->message) : "no reason given";
  switch (outcome.state) {
    case smtp::TransactionState::accepted: {
      if (!outcome.final_reply) {
        return shown + ": accepted";
      }
      const auto& reply = *outcome.final_reply;
      std::string text = std::to_string(reply.code);
      if (!reply.enhanced.empty()) {
        text += " " + reply.enhanced;
      }
      return shown + ": accepted (" + text + " " + one_line(reply.first_line()) + ")";
    }
    case smtp::TransactionState::refused:
      return shown + ": refused: " + why;
    case smtp::TransactionState::delivery_unknown:
      return shown +
             ": delivery state unknown (it may have been delivered; check before "
             "sending it again): " +
             why;
    case smtp::TransactionState::not_sent:
      return shown + ": not sent: " + why;
  }
  return shown + ": " + why;
}

}  // namespace smtpsend::app
