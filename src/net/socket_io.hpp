#pragma once
// Plain-TCP reads and writes under a deadline, on a non-blocking socket.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/deadline.hpp"

namespace smtpsend::net {

// Sends all of `bytes`, looping over partial writes. Never raises SIGPIPE (MSG_NOSIGNAL): a
// server that hung up is an io error, not a dead process. Throws smtpsend::Failure: temporary
// on timeout, io when the connection broke.
void send_all(int fd, std::string_view bytes, const Deadline& deadline);

// Receives what is available, at most `size` (> 0) bytes, waiting up to the deadline; returns 0
// when the peer closed. Throws smtpsend::Failure: temporary on timeout, io when the connection
// broke.
std::size_t receive_some(int fd, char* buffer, std::size_t size, const Deadline& deadline);

// The messages both the plain and the TLS paths use, so the user sees one wording.
std::string read_timeout_message(const Deadline& deadline);
std::string write_timeout_message(const Deadline& deadline);

}  // namespace smtpsend::net
