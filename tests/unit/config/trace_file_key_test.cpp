// The trace_file key: where the protocol trace goes, from the configuration (in sendmail mode the
// only place it may come from).

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "config/account.hpp"
#include "config/config_file.hpp"

namespace smtpsend::config {
namespace {

std::optional<std::string> no_environment(const std::string& /*name*/) {
  return std::nullopt;
}

TEST(TraceFileKey, TheAccountTakesItWithTildeExpandedAndShowConfigNamesItsLine) {
  const ConfigFile file = parse_config(
      "account default\nhost h.example.org\nfrom a@example.org\ntrace_file ~/smtp.trace\n",
      "/etc/test.conf", "/home/u");
  const Account account = resolve_account({}, no_environment, &file);

  EXPECT_EQ(account.trace_file, "/home/u/smtp.trace");
  const std::string shown = describe_settings(account);
  EXPECT_NE(shown.find("trace_file = /home/u/smtp.trace [/etc/test.conf:4]\n"), std::string::npos)
      << shown;
}

}  // namespace
}  // namespace smtpsend::config
