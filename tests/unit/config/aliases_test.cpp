#include "config/aliases.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace smtpsend::config {
namespace {

using Addresses = std::vector<std::string>;

std::string parse_failure(std::string_view text) {
  try {
    Aliases::parse(text, "/etc/aliases");
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    return failure.error().message;
  }
  ADD_FAILURE() << "no failure for: " << text;
  return {};
}

TEST(Aliases, ALocalNameBecomesItsAddresses) {
  const auto aliases = Aliases::parse(
      "root: admin@example.org\n"
      "staff: ann@example.org, joe@example.org\n",
      "aliases");
  EXPECT_EQ(aliases.expand("root"), Addresses{"admin@example.org"});
  EXPECT_EQ(aliases.expand("staff"), (Addresses{"ann@example.org", "joe@example.org"}));
}

TEST(Aliases, NamesMatchIgnoringCase) {
  const auto aliases = Aliases::parse("Root: admin@example.org\n", "aliases");
  EXPECT_EQ(aliases.expand("ROOT"), Addresses{"admin@example.org"});
  EXPECT_EQ(aliases.expand("root"), Addresses{"admin@example.org"});
}

TEST(Aliases, AddressesWithADomainAreNotExpanded) {
  const auto aliases = Aliases::parse("root: admin@example.org\ndefault: all@example.org\n", "a");
  EXPECT_EQ(aliases.expand("root@example.org"), Addresses{"root@example.org"});
}

TEST(Aliases, AnUnknownNameGoesToTheDefaultAlias) {
  const auto aliases =
      Aliases::parse("root: admin@example.org\ndefault: all@example.org, ops@example.org\n", "a");
  EXPECT_EQ(aliases.expand("www-data"), (Addresses{"all@example.org", "ops@example.org"}));
  EXPECT_EQ(aliases.expand("root"), Addresses{"admin@example.org"});
}

TEST(Aliases, AnUnknownNameWithoutDefaultIsReturnedUnchanged) {
  const auto aliases = Aliases::parse("root: admin@example.org\n", "aliases");
  EXPECT_EQ(aliases.expand("www-data"), Addresses{"www-data"});
}

std::string expand_failure(const Aliases& aliases, std::string_view name) {
  try {
    aliases.expand(name);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    return failure.error().message;
  }
  ADD_FAILURE() << "no failure expanding " << name;
  return {};
}

// Debian's /etc/aliases: the system names lead to root, and root to a person.
TEST(Aliases, NamesAmongTheAddressesAreExpandedInTurn) {
  const auto aliases = Aliases::parse(
      "mailer-daemon: postmaster\n"
      "postmaster: root\n"
      "root: admin@example.org, Ops\n"
      "ops: ops@example.org\n",
      "/etc/aliases");
  EXPECT_EQ(aliases.expand("mailer-daemon"), (Addresses{"admin@example.org", "ops@example.org"}));
  EXPECT_EQ(aliases.expand("postmaster"), (Addresses{"admin@example.org", "ops@example.org"}));
}

TEST(Aliases, ANameWithoutEntryAtTheEndStaysAsWritten) {
  const auto aliases = Aliases::parse("postmaster: root\n", "/etc/aliases");
  EXPECT_EQ(aliases.expand("postmaster"), Addresses{"root"});
}

TEST(Aliases, ANameInItsOwnEntryStaysAsWritten) {
  const auto aliases = Aliases::parse("root: root, admin@example.org\n", "/etc/aliases");
  EXPECT_EQ(aliases.expand("root"), (Addresses{"root", "admin@example.org"}));
}

TEST(Aliases, TheDefaultAliasesAddressesDoNotFallBackToItAgain) {
  const auto aliases = Aliases::parse("default: root\npostmaster: www-data\n", "/etc/aliases");
  EXPECT_EQ(aliases.expand("nobody"), Addresses{"root"});
  EXPECT_EQ(aliases.expand("postmaster"), Addresses{"root"});
}

TEST(Aliases, ALoopIsAnErrorNamingTheChain) {
  const auto aliases = Aliases::parse(
      "postmaster: root\nroot: admin\nadmin: Postmaster, boss@example.org\n", "/etc/aliases");
  EXPECT_EQ(expand_failure(aliases, "postmaster"),
            "the aliases file '/etc/aliases' has a loop: postmaster -> root -> admin -> "
            "Postmaster; end it with an address that has a domain");
}

TEST(Aliases, TooDeepAChainIsAnError) {
  std::string text;
  for (int i = 0; i < 11; ++i) {
    text += "n" + std::to_string(i) + ": n" + std::to_string(i + 1) + "\n";
  }
  const auto aliases = Aliases::parse(text, "/etc/aliases");
  EXPECT_NE(expand_failure(aliases, "n0").find("leads deeper than 10 names: n0 -> n1 -> "),
            std::string::npos);
  EXPECT_EQ(aliases.expand("n1"), Addresses{"n11"});  // ten names deep is allowed
}

TEST(Aliases, AnExpansionThatGrowsTooLargeIsAnError) {
  // Each level names the next one ten times: 10^4 addresses from four lines.
  const auto aliases = Aliases::parse(
      "a: b,b,b,b,b,b,b,b,b,b\nb: c,c,c,c,c,c,c,c,c,c\nc: d,d,d,d,d,d,d,d,d,d\n"
      "d: e,e,e,e,e,e,e,e,e,e\n",
      "/etc/aliases");
  EXPECT_NE(expand_failure(aliases, "a").find("expands to more than 1000 names and addresses"),
            std::string::npos);
  EXPECT_EQ(aliases.expand("c").size(), 100U);
}

TEST(Aliases, ContinuationLinesCommentsAndBlankLines) {
  const auto aliases = Aliases::parse(
      "# who gets what\n"
      "\n"
      "staff: ann@example.org,\n"
      "\tjoe@example.org,\n"
      "  # bob left\n"
      "\n"
      "  carl@example.org\n"
      "root: admin@example.org\n",
      "aliases");
  EXPECT_EQ(aliases.expand("staff"),
            (Addresses{"ann@example.org", "joe@example.org", "carl@example.org"}));
  EXPECT_EQ(aliases.expand("root"), Addresses{"admin@example.org"});
}

TEST(Aliases, CrLfLineEndsAndSpacingAroundTheColon) {
  const auto aliases = Aliases::parse("root :admin@example.org ,\r\n  ops@example.org\r\n", "a");
  EXPECT_EQ(aliases.expand("root"), (Addresses{"admin@example.org", "ops@example.org"}));
}

TEST(Aliases, QuotedLocalPartsAndAngleBrackets) {
  const auto aliases =
      Aliases::parse("boss: \"doe, john\"@example.org, <ann@example.org>\n", "aliases");
  EXPECT_EQ(aliases.expand("boss"), (Addresses{"\"doe, john\"@example.org", "ann@example.org"}));
}

TEST(Aliases, EmptyTextHasNoAliases) {
  EXPECT_TRUE(Aliases::parse("", "aliases").empty());
  EXPECT_TRUE(Aliases::parse("# nothing here\n\n", "aliases").empty());
  EXPECT_FALSE(Aliases::parse("root: a@example.org", "aliases").empty());
}

TEST(Aliases, ALineWithoutColonIsAnError) {
  EXPECT_EQ(parse_failure("root: a@example.org\nstaff ann@example.org\n"),
            "/etc/aliases:2: 'staff ann@example.org' has no ':'; write an alias as name: "
            "address, address, ...");
}

TEST(Aliases, AnEntryWithoutAddressIsAnErrorAtItsLine) {
  EXPECT_EQ(parse_failure("\nroot:\n# comment\nstaff: a@example.org\n"),
            "/etc/aliases:2: the alias 'root' has no address; add one after the ':'");
  EXPECT_EQ(parse_failure("root: ,\n"),
            "/etc/aliases:1: the alias 'root' has no address; add one after the ':'");
}

TEST(Aliases, AMissingNameIsAnError) {
  EXPECT_NE(parse_failure(": a@example.org\n").find("/etc/aliases:1: there is no alias name"),
            std::string::npos);
}

TEST(Aliases, NamesWithADomainOrSpacesAreErrors) {
  EXPECT_NE(parse_failure("root@example.org: a@example.org\n").find("contains '@'"),
            std::string::npos);
  EXPECT_NE(parse_failure("the boss: a@example.org\n").find("contains white space"),
            std::string::npos);
}

TEST(Aliases, AContinuationWithoutEntryIsAnError) {
  EXPECT_NE(parse_failure("# header\n  a@example.org\n").find("/etc/aliases:2: this line starts"),
            std::string::npos);
}

TEST(Aliases, ProgramsFilesAndIncludesAreRefusedNamingTheLine) {
  EXPECT_EQ(parse_failure("root: a@example.org\nlist: |/usr/bin/procmail\n"),
            "/etc/aliases:2: '|/usr/bin/procmail' pipes mail into a program, which smtpsend "
            "cannot do; give an address instead");
  EXPECT_NE(parse_failure("list: a@example.org, \"|/usr/bin/my filter\"\n").find("pipes mail"),
            std::string::npos);
  EXPECT_NE(parse_failure("archive: a@example.org,\n  /var/mail/archive\n")
                .find("/etc/aliases:2: '/var/mail/archive' appends mail to a file"),
            std::string::npos);
  EXPECT_NE(parse_failure("list: :include:/etc/mail/list\n").find("includes a list"),
            std::string::npos);
}

TEST(Aliases, SpaceSeparatedAddressesAreAnError) {
  EXPECT_NE(parse_failure("staff: ann@example.org joe@example.org\n").find("is not an address"),
            std::string::npos);
  EXPECT_NE(parse_failure("staff: Ann <ann@example.org>\n").find("is not an address"),
            std::string::npos);
}

TEST(Aliases, AnUnclosedQuoteIsAnError) {
  EXPECT_NE(parse_failure("staff: \"ann@example.org\n").find("is not closed"), std::string::npos);
}

// sendmail keeps the later of two entries, Postfix the earlier; both warn. Either way the file
// does not say what its author meant, so it is refused, as msmtp does.
TEST(Aliases, ANameDefinedTwiceIsAnErrorNamingBothLines) {
  EXPECT_EQ(parse_failure("root: a@example.org\nstaff: b@example.org\nROOT: c@example.org\n"),
            "/etc/aliases:3: the alias 'ROOT' is already defined on line 1; keep one of the two "
            "entries");
}

class AliasesFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/smtpsend-aliases-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string directory_;
};

TEST_F(AliasesFile, LoadsAFile) {
  const std::string path = directory_ + "/aliases";
  std::ofstream(path) << "root: admin@example.org\n";
  EXPECT_EQ(Aliases::load(path).expand("root"), Addresses{"admin@example.org"});
}

TEST_F(AliasesFile, ErrorsInAFileNameIt) {
  const std::string path = directory_ + "/aliases";
  std::ofstream(path) << "root admin@example.org\n";
  try {
    Aliases::load(path);
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().message.rfind(path + ":1: ", 0), 0U) << failure.error().message;
  }
}

TEST_F(AliasesFile, AMissingFileIsAConfigErrorNamingIt) {
  const std::string path = directory_ + "/absent";
  try {
    Aliases::load(path);
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_EQ(failure.error().message,
              "cannot read the aliases file '" + path +
                  "': No such file or directory; fix the aliases setting or the file");
  }
}

TEST_F(AliasesFile, ADirectoryCannotBeRead) {
  try {
    Aliases::load(directory_);
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("'" + directory_ + "'"), std::string::npos);
  }
}

}  // namespace
}  // namespace smtpsend::config
