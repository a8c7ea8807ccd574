#pragma once

namespace smtpsend::app {

// The whole program: returns the process's exit status. Only main() calls this.
int run(int argc, const char* const* argv);

}  // namespace smtpsend::app
