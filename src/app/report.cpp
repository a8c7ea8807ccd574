#include "app/report.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/tls_facts.hpp"

namespace smtpsend::app {

void report_outcome(const smtp::TransactionOutcome& outcome, trace::Sink& trace,
                    std::chrono::steady_clock::duration elapsed) {
  if (!trace.enabled()) {
    return;
  }
  const double seconds = std::chrono::duration<double>(elapsed).count();
  for (const auto& recipient : outcome.recipients) {
    trace.info(fmt::format("recipient {}: {} ({} {})", recipient.address,
                           recipient.accepted ? "accepted" : "refused", recipient.reply.code,
                           recipient.reply.first_line()));
  }
  switch (outcome.state) {
    case smtp::TransactionState::accepted:
      trace.info(fmt::format("message accepted by the server for {} recipient(s) in {:.3f} s",
                             outcome.recipients.size(), seconds));
      break;
    case smtp::TransactionState::delivery_unknown:
      trace.info(fmt::format("message sent, delivery state unknown after {:.3f} s", seconds));
      break;
    case smtp::TransactionState::refused:
    case smtp::TransactionState::not_sent:
      trace.info(fmt::format("message NOT sent after {:.3f} s", seconds));
      break;
  }
}

void warn_about(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) {
    spdlog::warn(warning);
  }
}

void report_tls_warnings(const net::Transport& transport) {
  if (const net::TlsFacts* facts = transport.tls_facts()) {
    warn_about(facts->warnings);
  }
}

}  // namespace smtpsend::app
