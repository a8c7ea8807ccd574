#include "app/exit_code.hpp"
#include "app/run.hpp"
#include "common/error.hpp"
#include "common/standard_streams.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define SMTPSEND_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMTPSEND_ADDRESS_SANITIZER 1
#endif
#endif

#ifdef SMTPSEND_ADDRESS_SANITIZER
// Leaks in system libraries that the sanitizer build must not blame on smtpsend. LeakSanitizer
// calls this itself, so it holds whatever environment the program was started with (the tests
// run it as cron would, with HOME and PATH only).
// - libgssglue's gss_import_name() never releases the name types it asks MIT Kerberos for
//   (gss_inquire_names_for_mech), 16 octets once per GSSAPI authentication. The stack LeakSanitizer
//   keeps ends in MIT Kerberos's library (no frame pointers there), so that is what is named.
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:libgssapi_krb5.so\n";
}
#endif

int main(int argc, char** argv) {
  // Before anything opens a file or a socket: see common/standard_streams.hpp.
  if (!smtpsend::reopen_closed_standard_streams()) {
    // There is not even a /dev/null to write the error to.
    return smtpsend::app::exit_code_for(smtpsend::ErrorKind::os);
  }
  return smtpsend::app::run(argc, argv);
}
