#include "app/recipients.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

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

std::vector<std::string> addresses_of(const std::vector<mime::Mailbox>& mailboxes) {
  std::vector<std::string> addresses;
  for (const auto& mailbox : mailboxes) {
    addresses.push_back(mailbox.address);
  }
  return addresses;
}

TEST(ParseRecipients, ALocalNameIsRefusedByDefault) {
  EXPECT_THROW(parse_recipients({"root"}, {}), Failure);
}

TEST(ParseRecipients, SendmailModeSendsALocalNameAsWritten) {
  const LocalNameRule sendmail{"", true};
  EXPECT_EQ(
      addresses_of(parse_recipients({"root, Cron <www-data>", "a@example.org"}, {}, sendmail)),
      (std::vector<std::string>{"root", "www-data", "a@example.org"}));
  // A display name without its address is still not a local name.
  EXPECT_THROW(parse_recipients({"John Smith"}, {}, sendmail), Failure);
}

TEST(ParseRecipients, MaildomainQualifiesLocalNamesLeftByTheAliases) {
  const config::Aliases chain =
      config::Aliases::parse("postmaster: root\nstaff: ann@example.org\n", "/etc/aliases");
  EXPECT_EQ(addresses_of(parse_recipients({"postmaster, staff, \"odd name\""}, chain,
                                          LocalNameRule{"host.example", false})),
            (std::vector<std::string>{"root@host.example", "ann@example.org",
                                      "\"odd name\"@host.example"}));
}

}  // namespace
}  // namespace smtpsend::app
