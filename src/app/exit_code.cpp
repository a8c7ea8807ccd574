#include "app/exit_code.hpp"

#include <sysexits.h>

namespace smtpsend::app {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
      return EX_USAGE;
    case ErrorKind::data:
      return EX_DATAERR;
    case ErrorKind::no_input:
      return EX_NOINPUT;
    case ErrorKind::recipient_refused:
      return EX_NOUSER;
    case ErrorKind::no_host:
      return EX_NOHOST;
    case ErrorKind::unavailable:
      return EX_UNAVAILABLE;
    case ErrorKind::internal:
      return EX_SOFTWARE;
    case ErrorKind::os:
      return EX_OSERR;
    case ErrorKind::io:
      return EX_IOERR;
    case ErrorKind::temporary:
      return EX_TEMPFAIL;
    case ErrorKind::protocol:
      return EX_PROTOCOL;
    case ErrorKind::permission:
      return EX_NOPERM;
    case ErrorKind::config:
      return EX_CONFIG;
  }
  return EX_SOFTWARE;
}

}  // namespace smtpsend::app
