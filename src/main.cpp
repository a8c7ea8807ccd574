#include "app/exit_code.hpp"
#include "app/run.hpp"
#include "common/error.hpp"
#include "common/standard_streams.hpp"

int main(int argc, char** argv) {
  // Before anything opens a file or a socket: see common/standard_streams.hpp.
  if (!smtpsend::reopen_closed_standard_streams()) {
    // There is not even a /dev/null to write the error to.
    return smtpsend::app::exit_code_for(smtpsend::ErrorKind::os);
  }
  return smtpsend::app::run(argc, argv);
}
