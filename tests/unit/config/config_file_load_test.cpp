// load_config_file: the documented examples read from disk, permissions, missing and oversized
// files. The parsing rules themselves are pinned in config_file_test.cpp.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "config/config_file.hpp"
#include "config_test_lookups.hpp"

namespace smtpsend::config {
namespace {

constexpr const char* test_home = "/home/ann";

using testing::account_of;
using testing::value_of;

// ---- the documented examples
// ----------------------------------------------------------------------

std::string test_data(const std::string& name) {
  return std::string(SMTPSEND_TEST_DATA_DIR) + "/config/" + name;
}

TEST(ConfigFileExamples, TheUserExampleGivesEachAccountItsEffectiveSettings) {
  const auto config = load_config_file(test_data("user-example.msmtprc"), test_home);
  EXPECT_TRUE(config.warnings.empty());
  ASSERT_EQ(config.accounts.size(), 4U);
  EXPECT_EQ(value_of(config.defaults, "port"), "587");

  const auto& mailbox = account_of(config, "mailbox");
  EXPECT_EQ(value_of(mailbox, "host"), "smtp.mailbox.example");
  EXPECT_EQ(value_of(mailbox, "port"), "587");
  EXPECT_EQ(value_of(mailbox, "tls"), "on");
  EXPECT_EQ(value_of(mailbox, "tls_starttls"), "on");
  EXPECT_EQ(value_of(mailbox, "from"), "ann.example@mailbox.example");
  EXPECT_EQ(value_of(mailbox, "auth"), "on");
  EXPECT_EQ(value_of(mailbox, "user"), "ann.example");
  EXPECT_EQ(value_of(mailbox, "passwordeval"), "gpg --batch -q -d ~/.config/smtp-secret.gpg");
  EXPECT_EQ(mailbox.settings.count("password"), 0U);
  EXPECT_EQ(mailbox.settings.size(), 8U);

  const auto& alias = account_of(config, "mailbox-alias");
  EXPECT_EQ(value_of(alias, "from"), "ann@mailbox.example");
  EXPECT_EQ(value_of(alias, "host"), "smtp.mailbox.example");
  EXPECT_EQ(value_of(alias, "user"), "ann.example");
  EXPECT_EQ(alias.settings.size(), 8U);

  const auto& office = account_of(config, "office");
  EXPECT_EQ(value_of(office, "host"), "mail.office.example");
  EXPECT_EQ(value_of(office, "user"), "AE0042");
  EXPECT_EQ(value_of(office, "port"), "587");
  EXPECT_EQ(value_of(office, "passwordeval"), "<unset>");

  const auto& chosen = account_of(config, "default");
  EXPECT_EQ(value_of(chosen, "from"), "ann.example@mailbox.example");
  EXPECT_EQ(value_of(chosen, "host"), "smtp.mailbox.example");
  EXPECT_EQ(chosen.settings.size(), 8U);
}

// The example shows some settings as commented-out alternatives; they must work when enabled.
TEST(ConfigFileExamples, TheUserExamplesCommentedAlternativesWorkWhenEnabled) {
  std::ifstream file(test_data("user-example.msmtprc"), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (const std::string key : {"tls_trust_file", "tls_fingerprint", "password"}) {
    const auto commented = text.find("\n#" + key + " ");
    ASSERT_NE(commented, std::string::npos) << key;
    text.erase(commented + 1, 1);
  }
  const auto config = parse_config(text, "user-example.msmtprc", test_home);
  EXPECT_EQ(value_of(config.defaults, "tls_trust_file"), "/etc/ssl/certs/ca-certificates.crt");
  const auto& mailbox = account_of(config, "mailbox");
  EXPECT_EQ(value_of(mailbox, "tls_fingerprint"),
            "sha256:3fa019c2550b7ed4816c2af3904ebb1705d968e1c43a720f9b2658ade311408c");
  EXPECT_EQ(value_of(mailbox, "password"), "not-a-real-one");
  EXPECT_EQ(value_of(account_of(config, "default"), "password"), "not-a-real-one");
}

TEST(ConfigFileExamples, TheSystemExampleDefinesOneDefaultAccount) {
  const auto config = load_config_file(test_data("system-example.msmtprc"), test_home);
  ASSERT_EQ(config.accounts.size(), 1U);
  const auto& chosen = config.accounts[0];
  EXPECT_EQ(chosen.name, "default");
  EXPECT_EQ(value_of(chosen, "host"), "relay.site.example");
  EXPECT_EQ(value_of(chosen, "port"), "465");
  EXPECT_EQ(value_of(chosen, "tls"), "on");
  EXPECT_EQ(value_of(chosen, "tls_starttls"), "off");
  EXPECT_EQ(value_of(chosen, "from"), "%U@site.example");
  EXPECT_EQ(value_of(chosen, "allow_from_override"), "off");
  EXPECT_EQ(value_of(chosen, "set_from_header"), "on");
  EXPECT_EQ(value_of(chosen, "syslog"), "LOG_MAIL");
  EXPECT_EQ(chosen.settings.size(), 8U);
}

// ---- reading files
// --------------------------------------------------------------------------------

class ConfigFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "config_file_test.XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    auto path = (directory_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  std::filesystem::path directory_;
};

Failure load_failure(const std::string& path) {
  try {
    load_config_file(path, test_home);
  } catch (const Failure& failure) {
    return failure;
  }
  ADD_FAILURE() << "no failure loading " << path;
  return Failure(ErrorKind::internal, "");
}

TEST_F(ConfigFileOnDisk, AMissingFileIsMissingInputNamingIt) {
  const auto path = (directory_ / "absent.rc").string();
  const auto failure = load_failure(path);
  EXPECT_EQ(failure.error().kind, ErrorKind::no_input);
  EXPECT_EQ(failure.error().message,
            "cannot read the configuration file " + path + ": No such file or directory");
}

TEST_F(ConfigFileOnDisk, ADirectoryIsMissingInput) {
  const auto failure = load_failure(directory_.string());
  EXPECT_EQ(failure.error().kind, ErrorKind::no_input);
  EXPECT_NE(failure.error().message.find(directory_.string()), std::string::npos);
}

TEST_F(ConfigFileOnDisk, APasswordInAFileOthersCanReadIsRefused) {
  const auto path = write("open.rc", "account a\nhost mail.example\npassword secret\n", 0644);
  const auto failure = load_failure(path);
  EXPECT_EQ(failure.error().kind, ErrorKind::config);
  EXPECT_EQ(failure.error().message, path +
                                         ":3: the file holds a password but is readable by "
                                         "others; run: chmod 600 " +
                                         path);
  EXPECT_EQ(failure.error().message.find("secret"), std::string::npos);
}

TEST_F(ConfigFileOnDisk, APasswordInAFileTheGroupCanReadIsRefused) {
  const auto path = write("group.rc", "account a\npassword secret\n", 0640);
  EXPECT_EQ(load_failure(path).error().kind, ErrorKind::config);
}

TEST_F(ConfigFileOnDisk, APasswordInAFileOnlyTheOwnerCanReadIsAccepted) {
  const auto path = write("private.rc", "account a\nhost mail.example\npassword secret\n", 0600);
  const auto config = load_config_file(path, test_home);
  EXPECT_EQ(value_of(account_of(config, "a"), "password"), "secret");
  EXPECT_EQ(config.path, path);
  EXPECT_EQ(account_of(config, "a").origin.file, path);
}

TEST_F(ConfigFileOnDisk, AFileWithoutAPasswordMayBeReadableByOthers) {
  const auto path =
      write("shared.rc", "account a\nhost mail.example\npasswordeval pass mail\n", 0644);
  EXPECT_EQ(value_of(account_of(load_config_file(path, test_home), "a"), "host"), "mail.example");
}

TEST_F(ConfigFileOnDisk, SyntaxErrorsNameTheFilesPath) {
  const auto path = write("broken.rc", "account a\nport none\n", 0600);
  EXPECT_EQ(load_failure(path).error().message,
            path + ":2: invalid value 'none' for port: a port number from 1 to 65535");
}

TEST_F(ConfigFileOnDisk, FilesOverOneMebibyteAreRefused) {
  const std::string comment_line = "# " + std::string(1021, '-') + "\n";  // 1 KiB
  std::string text;
  for (int i = 0; i < 1024; ++i) {
    text += comment_line;
  }
  EXPECT_NO_THROW(load_config_file(write("full.rc", text, 0600), test_home));
  const auto path = write("over.rc", text + "\n", 0600);
  const auto failure = load_failure(path);
  EXPECT_EQ(failure.error().kind, ErrorKind::config);
  EXPECT_EQ(failure.error().message, "the configuration file " + path +
                                         " is larger than 1024 KiB; is this a configuration file?");
}

}  // namespace
}  // namespace smtpsend::config
