#include "config/warnings_shown.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace smtpsend::config {
namespace {

namespace fs = std::filesystem;

class WarningsShown : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "smtpsend-warnings-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    config_ = (root_ / "config").string();
    write_config("tls_min_dh_prime_bits 2048\n");
    state_ = (root_ / "state" / "smtpsend").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  void write_config(const std::string& text) const {
    std::ofstream(config_, std::ios::trunc) << text;
  }

  fs::path root_;
  std::string config_;
  std::string state_;
};

TEST_F(WarningsShown, FirstTimeShownThenNotAgain) {
  EXPECT_TRUE(show_config_warnings_now(config_, state_));
  EXPECT_FALSE(show_config_warnings_now(config_, state_));
  EXPECT_FALSE(show_config_warnings_now(config_, state_));
}

TEST_F(WarningsShown, TheStateFileIsPrivateInAPrivateDirectory) {
  ASSERT_TRUE(show_config_warnings_now(config_, state_));
  struct stat status {};
  ASSERT_EQ(::stat((state_ + "/config-warnings").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(state_.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0700u);
  EXPECT_EQ(std::distance(fs::directory_iterator(state_), fs::directory_iterator()), 1)
      << "a temporary file was left behind";
}

TEST_F(WarningsShown, AnEditShowsThemAgainOnce) {
  ASSERT_TRUE(show_config_warnings_now(config_, state_));
  write_config("tls_min_dh_prime_bits 2048\nport 25\n");
  EXPECT_TRUE(show_config_warnings_now(config_, state_));
  EXPECT_FALSE(show_config_warnings_now(config_, state_));
}

TEST_F(WarningsShown, AReplacedFileOfTheSameSizeShowsThemAgain) {
  ASSERT_TRUE(show_config_warnings_now(config_, state_));
  const std::string other = (root_ / "other").string();
  std::ofstream(other) << "tls_min_dh_prime_bits 4096\n";
  fs::rename(other, config_);  // a new inode, as editors that save by renaming make
  EXPECT_TRUE(show_config_warnings_now(config_, state_));
}

TEST_F(WarningsShown, EachFileHasItsOwnRecord) {
  const std::string second = (root_ / "msmtprc").string();
  std::ofstream(second) << "tls_min_dh_prime_bits 1024\n";
  ASSERT_TRUE(show_config_warnings_now(config_, state_));
  EXPECT_TRUE(show_config_warnings_now(second, state_));
  EXPECT_FALSE(show_config_warnings_now(config_, state_));
  EXPECT_FALSE(show_config_warnings_now(second, state_));
}

TEST_F(WarningsShown, AStateThatCannotBeWrittenShowsThemEveryTime) {
  const std::string blocked = (root_ / "a-file").string();
  std::ofstream(blocked) << "not a directory\n";
  EXPECT_TRUE(show_config_warnings_now(config_, blocked + "/smtpsend"));
  EXPECT_TRUE(show_config_warnings_now(config_, blocked + "/smtpsend"));
}

TEST_F(WarningsShown, NoStateDirectoryShowsThemEveryTime) {
  EXPECT_TRUE(show_config_warnings_now(config_, std::nullopt));
  EXPECT_TRUE(show_config_warnings_now(config_, std::nullopt));
}

TEST_F(WarningsShown, AGarbledStateIsStartedAfresh) {
  fs::create_directories(state_);
  std::ofstream(state_ + "/config-warnings") << "garbage\n1 2 3\n\n";
  EXPECT_TRUE(show_config_warnings_now(config_, state_));
  EXPECT_FALSE(show_config_warnings_now(config_, state_));
}

TEST(WarningsStateDirectory, XdgStateHomeThenHome) {
  EXPECT_EQ(warnings_state_directory("/x/state", "/home/ann"), "/x/state/smtpsend");
  EXPECT_EQ(warnings_state_directory(std::nullopt, "/home/ann"), "/home/ann/.local/state/smtpsend");
  EXPECT_EQ(warnings_state_directory("", "/home/ann"), "/home/ann/.local/state/smtpsend");
  EXPECT_EQ(warnings_state_directory(std::nullopt, std::nullopt), std::nullopt);
}

TEST(WarningsStateDirectory, ARelativeXdgStateHomeIsIgnored) {
  EXPECT_EQ(warnings_state_directory("state", "/home/ann"), "/home/ann/.local/state/smtpsend");
}

}  // namespace
}  // namespace smtpsend::config
