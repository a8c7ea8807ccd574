#include "net/socket_io.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"

namespace smtpsend::net {

std::string read_timeout_message(const Deadline& deadline) {
  return fmt::format("no reply from the server within {}; it may be overloaded, try again later",
                     describe_duration(deadline.limit()));
}

std::string write_timeout_message(const Deadline& deadline) {
  return fmt::format(
      "the server did not accept our data within {}; it may be overloaded, try "
      "again later",
      describe_duration(deadline.limit()));
}

void send_all(int fd, std::string_view bytes, const Deadline& deadline) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_until_ready(fd, POLLOUT, deadline)) {
        throw Failure(ErrorKind::temporary, write_timeout_message(deadline));
      }
      continue;
    }
    throw Failure(ErrorKind::io, fmt::format("lost the connection to the server while sending: {}",
                                             std::strerror(errno)));
  }
}

std::size_t receive_some(int fd, char* buffer, std::size_t size, const Deadline& deadline) {
  if (size == 0) {
    throw Failure(ErrorKind::internal, "read() called with an empty buffer");
  }
  for (;;) {
    ssize_t n = ::recv(fd, buffer, size, 0);
    if (n >= 0) {
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_until_ready(fd, POLLIN, deadline)) {
        throw Failure(ErrorKind::temporary, read_timeout_message(deadline));
      }
      continue;
    }
    throw Failure(
        ErrorKind::io,
        fmt::format("lost the connection to the server while receiving: {}", std::strerror(errno)));
  }
}

}  // namespace smtpsend::net
