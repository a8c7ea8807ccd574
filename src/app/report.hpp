#pragma once
// The closing summary of a delivery, for the trace, and the warnings the TLS handshake left.

#include <chrono>
#include <string>
#include <vector>

#include "net/transport.hpp"
#include "smtp/session.hpp"
#include "trace/trace.hpp"

namespace smtpsend::app {

void report_outcome(const smtp::TransactionOutcome& outcome, trace::Sink& trace,
                    std::chrono::steady_clock::duration elapsed);

// Each warning on stderr, as "smtpsend: warning: ...".
void warn_about(const std::vector<std::string>& warnings);

// Shows on stderr the warnings of the TLS handshake `transport` just made (--tls-insecure's), if
// any; call it right after start_tls(), so they come before anything is sent inside TLS.
void report_tls_warnings(const net::Transport& transport);

}  // namespace smtpsend::app
