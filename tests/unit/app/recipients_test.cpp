#include "app/recipients.hpp"

#include <gtest/gtest.h>

namespace smtpsend::app {
namespace {

const config::Aliases aliases = config::Aliases::parse(
    "root: admin@example.org, ops@example.org\ndefault: catchall@example.org\n", "/etc/aliases");

TEST(ExpandLocalNames, LocalNamesBecomeTheirAliases) {
  EXPECT_EQ("admin@example.org, ops@example.org", expand_local_names("root", aliases));
  EXPECT_EQ("admin@example.org, ops@example.org", expand_local_names("Cron <root>", aliases));
  EXPECT_EQ("catchall@example.org", expand_local_names("nobody", aliases));
}

TEST(ExpandLocalNames, AddressesAndQuotedCommasAreKept) {
  EXPECT_EQ("\"Lee, Bo\" <bo@example.org>, admin@example.org, ops@example.org",
            expand_local_names("\"Lee, Bo\" <bo@example.org>, root", aliases));
}

TEST(ExpandLocalNames, WithoutAliasesTheListIsUntouched) {
  EXPECT_EQ("root, x@y.org", expand_local_names("root, x@y.org", config::Aliases()));
}

TEST(ParseRecipients, AliasesApplyBeforeParsing) {
  const auto mailboxes = parse_recipients({"root", "bob@example.net"}, aliases);
  ASSERT_EQ(3U, mailboxes.size());
  EXPECT_EQ("admin@example.org", mailboxes[0].address);
  EXPECT_EQ("bob@example.net", mailboxes[2].address);
}

}  // namespace
}  // namespace smtpsend::app
