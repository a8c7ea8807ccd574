#include "config/netrc.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"

namespace smtpsend::config {
namespace {

using namespace std::string_literals;

TEST(NetrcPassword, MachineAndLoginOnOneLine) {
  EXPECT_EQ(netrc_password("machine mail.example.org login joe password s3cret\n",
                           "mail.example.org", "joe"),
            "s3cret");
}

TEST(NetrcPassword, TokensMaySpreadOverLinesInAnyOrder) {
  const auto text =
      "machine mail.example.org\n"
      "\tpassword s3cret\n"
      "\tlogin joe\n";
  EXPECT_EQ(netrc_password(text, "mail.example.org", "joe"), "s3cret");
}

TEST(NetrcPassword, HostMatchesIgnoringCaseButLoginDoesNot) {
  const auto text = "machine Mail.Example.ORG login joe password s3cret\n";
  EXPECT_EQ(netrc_password(text, "mail.example.org", "joe"), "s3cret");
  EXPECT_EQ(netrc_password(text, "mail.example.org", "Joe"), std::nullopt);
}

TEST(NetrcPassword, KeywordsAreRecognizedInAnyCase) {
  EXPECT_EQ(netrc_password("MACHINE h LOGIN joe PassWord pw", "h", "joe"), "pw");
}

TEST(NetrcPassword, TheFirstEntryForTheHostAndLoginWins) {
  const auto text =
      "machine h login ann password for-ann\n"
      "machine h login joe password first\n"
      "machine h login joe password second\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), "first");
  EXPECT_EQ(netrc_password(text, "h", "ann"), "for-ann");
}

TEST(NetrcPassword, OtherHostsAndUsersDoNotMatch) {
  const auto text = "machine h login joe password pw\n";
  EXPECT_EQ(netrc_password(text, "other.example.org", "joe"), std::nullopt);
  EXPECT_EQ(netrc_password(text, "h", "ann"), std::nullopt);
  EXPECT_EQ(netrc_password("", "h", "joe"), std::nullopt);
}

TEST(NetrcPassword, AMachineEntryWithoutLoginDoesNotMatchAUser) {
  EXPECT_EQ(netrc_password("machine h password pw\n", "h", "joe"), std::nullopt);
}

TEST(NetrcPassword, AMatchingEntryWithoutPasswordLetsTheSearchGoOn) {
  const auto text =
      "machine h login joe account x\n"
      "machine h login joe password later\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), "later");
}

TEST(NetrcPassword, DefaultIsTheFallbackWhereverItStands) {
  const auto text =
      "default login joe password fallback\n"
      "machine h login joe password specific\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), "specific");
  EXPECT_EQ(netrc_password(text, "other", "joe"), "fallback");
}

TEST(NetrcPassword, DefaultWithoutLoginMatchesAnyUser) {
  EXPECT_EQ(netrc_password("default password any\n", "h", "whoever"), "any");
}

TEST(NetrcPassword, DefaultWithAnotherLoginDoesNotMatch) {
  EXPECT_EQ(netrc_password("default login ann password pw\n", "h", "joe"), std::nullopt);
}

TEST(NetrcPassword, QuotedTokensKeepSpacesAndUnderstandCurlsEscapes) {
  const auto text = R"(machine h login "joe smith" password "a b\"c\\d\te\nf\qg")";
  EXPECT_EQ(netrc_password(text, "h", "joe smith"), "a b\"c\\d\te\nfqg");
}

TEST(NetrcPassword, AQuotedTokenIsNeverAKeyword) {
  // Read as the keyword, the quoted word would make the password "nope".
  const auto text = "machine h login joe \"password\" nope password yes\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), "yes");
}

TEST(NetrcPassword, TheWordAfterAKeywordIsItsValueEvenWhenItSpellsAKeyword) {
  EXPECT_EQ(netrc_password("machine h login joe password machine\n", "h", "joe"), "machine");
}

TEST(NetrcPassword, BackslashOutsideQuotesIsAnOrdinaryCharacter) {
  EXPECT_EQ(netrc_password(R"(machine h login joe password a\nb)", "h", "joe"), R"(a\nb)");
}

TEST(NetrcPassword, AnEmptyQuotedPasswordIsAPassword) {
  EXPECT_EQ(netrc_password("machine h login joe password \"\"", "h", "joe"), "");
}

TEST(NetrcPassword, CommentLinesAreSkippedButHashInsideATokenIsKept) {
  const auto text =
      "# machine h login joe password commented\n"
      "   # indented comment\n"
      "machine h login joe password pass#word\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), "pass#word");
}

TEST(NetrcPassword, CarriageReturnLineEndsAreSeparators) {
  EXPECT_EQ(netrc_password("machine h\r\nlogin joe\r\npassword pw\r\n", "h", "joe"), "pw");
}

TEST(NetrcPassword, MacroBodiesAreSkippedUpToTheEmptyLine) {
  const auto text =
      "macdef init\n"
      "machine h login joe password from-macro\n"
      "cd /pub\n"
      "\n"
      "machine h login joe password real\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), "real");
}

TEST(NetrcPassword, ALineOfCarriageReturnsEndsAMacroBody) {
  const auto text =
      "macdef init\r\n"
      "machine h login joe password from-macro\r\n"
      "\r\n"
      "machine h login joe password real\r\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), "real");
}

TEST(NetrcPassword, AMacdefEndsTheEntryBeforeIt) {
  const auto text =
      "machine h login joe\n"
      "macdef init\n"
      "echo hi\n"
      "\n"
      "password orphan\n";
  EXPECT_EQ(netrc_password(text, "h", "joe"), std::nullopt);
}

TEST(NetrcPassword, AMacroWithoutEmptyLineRunsToTheEnd) {
  EXPECT_EQ(netrc_password("macdef m\nmachine h login joe password pw\n", "h", "joe"),
            std::nullopt);
}

TEST(NetrcPassword, UnknownWordsAreSkipped) {
  EXPECT_EQ(netrc_password("port 21 machine h protocol ftp login joe password pw", "h", "joe"),
            "pw");
}

TEST(NetrcPassword, AnUnclosedQuoteIsAnErrorNamingTheLineButNotTheToken) {
  const auto text = "machine h\nlogin joe\npassword \"top secret\n";
  try {
    netrc_password(text, "h", "joe");
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    const std::string message = failure.error().message;
    EXPECT_NE(message.find("netrc:3:"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  }
}

TEST(NetrcPassword, ABackslashAtTheEndLeavesTheQuoteOpen) {
  EXPECT_THROW(netrc_password("machine h login joe password \"abc\\", "h", "joe"), Failure);
}

class NetrcFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/smtpsend-netrc-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string write_file(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = directory_ + "/" + name;
    std::ofstream(path) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  static std::string failure_message(const std::string& path) {
    try {
      password_from_netrc_file(path, "h", "joe");
    } catch (const Failure& failure) {
      EXPECT_EQ(failure.error().kind, ErrorKind::config);
      return failure.error().message;
    }
    ADD_FAILURE() << "no failure";
    return {};
  }

  std::string directory_;
};

TEST_F(NetrcFile, APrivateFileIsRead) {
  const auto path = write_file("netrc", "machine h login joe password pw\n", 0600);
  EXPECT_EQ(password_from_netrc_file(path, "h", "joe"), "pw");
  EXPECT_EQ(password_from_netrc_file(path, "h", "ann"), std::nullopt);
}

TEST_F(NetrcFile, AMissingFileIsNoPassword) {
  EXPECT_EQ(password_from_netrc_file(directory_ + "/absent", "h", "joe"), std::nullopt);
}

TEST_F(NetrcFile, AFileOthersCanReadIsRefusedWithTheFix) {
  const auto path = write_file("netrc", "machine h login joe password pw\n", 0644);
  EXPECT_EQ(failure_message(path),
            "'" + path + "' holds passwords but is readable by others; run: chmod 600 " + path);
}

TEST_F(NetrcFile, AFileItsGroupCanReadIsRefused) {
  const auto path = write_file("netrc", "machine h login joe password pw\n", 0640);
  EXPECT_NE(failure_message(path).find("chmod 600"), std::string::npos);
}

TEST_F(NetrcFile, TheChmodCommandQuotesAnAwkwardPath) {
  const auto path = write_file("my netrc", "", 0604);
  EXPECT_NE(failure_message(path).find("run: chmod 600 '" + path + "'"), std::string::npos)
      << failure_message(path);
}

TEST_F(NetrcFile, ADirectoryIsRefused) {
  EXPECT_NE(failure_message(directory_).find("not a regular file"), std::string::npos);
}

TEST_F(NetrcFile, AFileThatCannotBeOpenedIsAConfigError) {
  // A symbolic link to itself fails to open with ELOOP, even for root.
  const std::string path = directory_ + "/netrc";
  std::filesystem::create_symlink(path, path);
  EXPECT_NE(failure_message(path).find("cannot read the netrc file '" + path + "'"),
            std::string::npos);
}

TEST_F(NetrcFile, SyntaxErrorsNameTheFileAndLine) {
  const auto path = write_file("netrc", "machine h\nlogin joe password \"pw\n", 0600);
  const auto message = failure_message(path);
  ASSERT_EQ(message.rfind(path + ":2: ", 0), 0U) << message;
  EXPECT_EQ(message.find("pw", path.size()), std::string::npos) << message;
}

}  // namespace
}  // namespace smtpsend::config
