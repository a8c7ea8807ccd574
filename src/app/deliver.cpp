#include "app/deliver.hpp"

#include <fmt/format.h>

#include <memory>
#include <utility>
#include <vector>

#include "app/message_spool.hpp"

namespace smtpsend::app {

namespace {

// One message: its envelope, then (RFC 5321 §4.5.3.1.10) a further transaction for the
// recipients past the server's recipient limit, with the same bytes read back from a spool,
// until every recipient has had its turn. The outcomes add up to the message's.
class OneMessage final : public Transactions {
 public:
  OneMessage(const smtp::Envelope& envelope, const MessageChunks& message)
      : envelope_(envelope), message_(message) {
    // A server must take at least 100 recipients (RFC 5321 §4.5.3.1.8), but some take fewer;
    // one recipient cannot be split. The spool is written only when a split is possible.
    if (envelope.recipients.size() > 1) {
      spool_ = std::make_unique<MessageSpool>();
    }
  }

  std::optional<smtp::Envelope> next() override {
    if (!started_) {
      started_ = true;
      return envelope_;
    }
    if (deferred_.empty() || !last_accepted_) {
      return std::nullopt;
    }
    smtp::Envelope rest = envelope_;
    rest.recipients = std::exchange(deferred_, {});
    spool_->rewind();
    replaying_ = true;
    return rest;
  }

  bool body(std::string& chunk) override {
    if (replaying_) {
      return spool_->read(chunk);
    }
    const bool more = message_(chunk);
    if (spool_) {
      spool_->append(chunk);
    }
    return more;
  }

  void ended(smtp::TransactionOutcome outcome) override {
    ++transactions_;
    if (!outcome.recipients.empty()) {
      waiting_.clear();  // this transaction answered those deferred before
    }
    last_accepted_ = outcome.accepted();
    deferred_ = outcome.accepted() ? outcome.deferred_recipients() : std::vector<std::string>{};
    for (auto& recipient : outcome.recipients) {
      if (!recipient.deferred || !outcome.accepted()) {
        combined_.recipients.push_back(std::move(recipient));
      } else {
        waiting_.push_back(std::move(recipient));
      }
    }
    for (auto& warning : outcome.warnings) {
      combined_.warnings.push_back(std::move(warning));
    }
    if (outcome.accepted()) {
      accepted_recipients_ = 0;
      for (const auto& recipient : combined_.recipients) {
        accepted_recipients_ += recipient.accepted ? 1 : 0;
      }
      combined_.state = smtp::TransactionState::accepted;
      combined_.final_reply = std::move(outcome.final_reply);
      combined_.error.reset();
      return;
    }
    combined_.state = outcome.state;
    combined_.error = std::move(outcome.error);
    combined_.final_reply.reset();
    if (transactions_ > 1 && combined_.error) {
      combined_.error->message += fmt::format(
          " (the message was delivered to {} recipient(s) before; not to the ones that "
          "followed, past the server's recipient limit)",
          accepted_recipients_);
    }
  }

  // The message's outcome once the connection has ended; `session_error` when no transaction
  // began, or when recipients were left waiting for a transaction that never came.
  smtp::TransactionOutcome finish(const std::optional<Error>& session_error) {
    if (transactions_ == 0) {
      smtp::TransactionOutcome outcome;
      outcome.error = session_error.value_or(
          Error{ErrorKind::internal, "the session ended without an error and without the message",
                std::nullopt});
      return outcome;
    }
    // Deferred recipients no later transaction answered keep their 452.
    for (auto& recipient : waiting_) {
      combined_.recipients.push_back(std::move(recipient));
    }
    if (!deferred_.empty()) {
      combined_.state = smtp::TransactionState::not_sent;
      Error error =
          session_error.value_or(Error{ErrorKind::temporary, "the connection ended", std::nullopt});
      error.message = fmt::format(
          "the message was delivered to {} recipient(s), but not to the {} past the server's "
          "recipient limit: {}",
          accepted_recipients_, deferred_.size(), error.message);
      error.kind = ErrorKind::temporary;
      combined_.error = std::move(error);
    }
    return std::move(combined_);
  }

 private:
  const smtp::Envelope& envelope_;
  const MessageChunks& message_;
  std::unique_ptr<MessageSpool> spool_;
  bool started_ = false;
  bool replaying_ = false;
  bool last_accepted_ = false;
  int transactions_ = 0;
  std::size_t accepted_recipients_ = 0;
  std::vector<std::string> deferred_;           // for the next transaction
  std::vector<smtp::RecipientResult> waiting_;  // their 452 replies, in case none comes
  smtp::TransactionOutcome combined_;
};

}  // namespace

smtp::TransactionOutcome deliver(net::Transport& transport, smtp::Session& session,
                                 const smtp::Envelope& envelope, const MessageChunks& message,
                                 const TimeLimits& limits, const FreshSecret& fresh_secret) {
  OneMessage one(envelope, message);
  drive(transport, session, one, limits, 0, fresh_secret);
  return one.finish(session.error());
}

}  // namespace smtpsend::app
