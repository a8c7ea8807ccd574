#include "app/batch.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>

namespace smtpsend::app {

namespace {

// RFC 5321 §3.8: the server is closing the connection.
constexpr int service_closing = 421;

// The messages still to send over one connection, from `first` on.
class BatchTransactions final : public Transactions {
 public:
  BatchTransactions(const std::vector<BatchMessage>& messages,
                    std::vector<std::optional<smtp::TransactionOutcome>>& outcomes)
      : messages_(messages), outcomes_(outcomes) {}

  // The messages without an outcome, in order.
  std::optional<smtp::Envelope> next() override {
    while (next_ < messages_.size() && outcomes_[next_]) {
      ++next_;
    }
    if (next_ == messages_.size()) {
      return std::nullopt;
    }
    body_ = messages_[next_].open();
    started_.push_back(next_);
    return messages_[next_++].envelope;
  }
  bool body(std::string& chunk) override { return body_(chunk); }
  void ended(smtp::TransactionOutcome outcome) override {
    outcomes_[started_.front()] = std::move(outcome);
    started_.pop_front();
  }

 private:
  const std::vector<BatchMessage>& messages_;
  std::size_t next_ = 0;
  std::vector<std::optional<smtp::TransactionOutcome>>& outcomes_;
  std::deque<std::size_t> started_;
  MessageChunks body_;
};

// A connection that ended this way may be tried again: the server closed it (421) or it broke.
bool worth_reconnecting(const std::optional<Error>& error) {
  return error &&
         (error->kind == ErrorKind::io || (error->reply && error->reply->code == service_closing));
}

// A message to send (again) on a new connection: never sent, or not sent because the connection
// ended. One refused, accepted or possibly delivered (delivery unknown) is never sent again.
bool to_send(const std::optional<smtp::TransactionOutcome>& outcome) {
  return !outcome ||
         (outcome->state == smtp::TransactionState::not_sent && worth_reconnecting(outcome->error));
}

}  // namespace

BatchOutcome send_batch(const Connect& connect, const smtp::SessionConfig& config,
                        trace::Sink& trace, const std::vector<BatchMessage>& messages,
                        const DeliveryLimits& limits) {
  std::vector<std::optional<smtp::TransactionOutcome>> outcomes(messages.size());
  BatchOutcome result;
  std::optional<Error> last_error;
  constexpr int max_connections = 2;  // the first, and one reconnect
  while (result.connections < max_connections) {
    ++result.connections;
    try {
      auto transport = connect();
      smtp::Session session(config, trace);
      BatchTransactions transactions(messages, outcomes);
      drive(*transport, session, transactions, limits);
      last_error = session.error();
    } catch (const Failure& failure) {
      last_error = failure.error();  // no connection, or no TLS
      break;
    }
    const bool unsent = std::any_of(outcomes.begin(), outcomes.end(),
                                    [](const auto& outcome) { return to_send(outcome); });
    if (!unsent || !worth_reconnecting(last_error)) {
      break;
    }
    trace.info("the connection ended in the middle of the batch; reconnecting once");
    for (auto& outcome : outcomes) {
      if (to_send(outcome)) {
        outcome.reset();
      }
    }
  }
  for (auto& outcome : outcomes) {
    if (!outcome) {
      outcome.emplace();
      outcome->error = last_error.value_or(
          Error{ErrorKind::internal, "the batch ended before this message", std::nullopt});
    }
    result.messages.push_back(std::move(*outcome));
  }
  return result;
}

}  // namespace smtpsend::app
