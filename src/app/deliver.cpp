#include "app/deliver.hpp"

#include <utility>

namespace smtpsend::app {

namespace {

// One message: its envelope once, its body, its outcome.
class SingleMessage final : public Transactions {
 public:
  SingleMessage(const smtp::Envelope& envelope, const MessageChunks& message)
      : envelope_(envelope), message_(message) {}

  std::optional<smtp::Envelope> next() override {
    if (started_) {
      return std::nullopt;
    }
    started_ = true;
    return envelope_;
  }
  bool body(std::string& chunk) override { return message_(chunk); }
  void ended(smtp::TransactionOutcome outcome) override { outcome_ = std::move(outcome); }

  std::optional<smtp::TransactionOutcome>& outcome() { return outcome_; }

 private:
  const smtp::Envelope& envelope_;
  const MessageChunks& message_;
  bool started_ = false;
  std::optional<smtp::TransactionOutcome> outcome_;
};

}  // namespace

smtp::TransactionOutcome deliver(net::Transport& transport, smtp::Session& session,
                                 const smtp::Envelope& envelope, const MessageChunks& message,
                                 const TimeLimits& limits) {
  SingleMessage single(envelope, message);
  drive(transport, session, single, limits);
  if (single.outcome()) {
    return std::move(*single.outcome());
  }
  smtp::TransactionOutcome outcome;
  outcome.error = session.error().value_or(
      Error{ErrorKind::internal, "the session ended without an error and without the message",
            std::nullopt});
  return outcome;
}

}  // namespace smtpsend::app
