#pragma once
// The one error value that crosses module boundaries into app/. Its kind alone decides the exit
// code (see app/exit_code.hpp); its message says what failed and what to do about it.

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace smtpsend {

enum class ErrorKind {
  usage,              // bad command line                          -> 64
  data,               // bad input data (message, address, header)  -> 65
  no_input,           // an input file is missing or unreadable     -> 66
  recipient_refused,  // the server refused one or more recipients  -> 67
  no_host,            // the server's name does not resolve         -> 68
  unavailable,        // the server refused permanently (5xx)       -> 69
  internal,           // a bug in smtpsend                          -> 70
  os,                 // an operating-system failure                -> 71
  io,                 // a read or write failed; connection lost    -> 74
  temporary,          // try again later (4xx, timeout, refused)    -> 75
  protocol,           // the server broke the protocol              -> 76
  permission,         // authentication or TLS trust failed         -> 77
  config,             // bad configuration                          -> 78
};

// What the server said, kept verbatim so that errors can quote it.
struct ServerReply {
  int code = 0;          // 220, 250, 354, 421, 550, ...
  std::string enhanced;  // "5.7.8" when the server sent an enhanced status code, else ""
  std::string text;      // all lines' texts joined with "\n", codes removed
  std::string first_line() const {
    auto nl = text.find('\n');
    return nl == std::string::npos ? text : text.substr(0, nl);
  }
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;               // says what failed and what to try
  std::optional<ServerReply> reply;  // the server's reply, when one caused this
};

// For use inside a layer; converted to the Error value at the layer's edge.
class Failure : public std::runtime_error {
 public:
  explicit Failure(Error error) : std::runtime_error(error.message), error_(std::move(error)) {}
  Failure(ErrorKind kind, std::string message) : Failure(Error{kind, std::move(message), {}}) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

}  // namespace smtpsend
