#pragma once
// The closing summary of a delivery, for the trace.

#include <chrono>

#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {

void report_outcome(const smtp::TransactionOutcome& outcome, trace::Sink& trace,
                    std::chrono::steady_clock::duration elapsed);

}  // namespace smtpsend::app
