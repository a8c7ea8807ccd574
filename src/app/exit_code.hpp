#pragma once
// The one place where an error's kind becomes the process's exit status (sysexits.h).

#include "common/error.hpp"

namespace smtpsend::app {

int exit_code_for(ErrorKind kind);

}  // namespace smtpsend::app
