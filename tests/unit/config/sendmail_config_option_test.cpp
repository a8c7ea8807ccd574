// -C in sendmail mode comes from the caller's arguments, which an argument injection can forge
// (CVE-2016-10033); like Postfix's -C, it is honoured only for root, for the file that would be
// read anyway, or for a file that the default configuration file lists in alternate_config_files.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "common/error.hpp"
#include "config/account.hpp"

namespace smtpsend::config {
namespace {

constexpr uid_t ordinary_user = 4242;

class Home {
 public:
  Home() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "smtpsend-sendmail-c-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    std::filesystem::create_directories(root_ + "/xdg/smtpsend");
  }
  ~Home() { std::filesystem::remove_all(root_); }
  Home(const Home&) = delete;
  Home& operator=(const Home&) = delete;

  std::string write(const std::string& relative, const std::string& text) const {
    std::string path = root_ + "/" + relative;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0600);
    return path;
  }
  std::string user_file() const { return root_ + "/xdg/smtpsend/config"; }
  std::string system_file() const { return root_ + "/system.conf"; }
  Environment environment() const {
    return [xdg = root_ + "/xdg"](const std::string& name) -> std::optional<std::string> {
      if (name == "XDG_CONFIG_HOME") {
        return xdg;
      }
      return std::nullopt;
    };
  }

 private:
  std::string root_;
};

constexpr const char* other_config = "account other\nhost other.example.org\nfrom a@example.org\n";

CommandLine sendmail_with_config(const std::string& path) {
  CommandLine options;
  options.sendmail_mode = true;
  options.config_file = path;
  return options;
}

Error refusal(const Home& home, const CommandLine& options) {
  try {
    load_configuration(options, home.environment(), home.system_file(), ordinary_user);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "-C " << options.config_file << " was honoured";
  return {};
}

TEST(SendmailConfigOption, AnotherFileIsRefusedForAnOrdinaryCaller) {
  const Home home;
  home.write("xdg/smtpsend/config", "account default\nhost h.example.org\n");
  const auto other = home.write("uploaded.conf", other_config);

  const Error error = refusal(home, sendmail_with_config(other));

  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find(other), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("alternate_config_files"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(home.user_file()), std::string::npos) << error.message;
}

TEST(SendmailConfigOption, AnotherFileIsRefusedWhenThereIsNoDefaultFile) {
  const Home home;
  const auto other = home.write("uploaded.conf", other_config);
  const Error error = refusal(home, sendmail_with_config(other));
  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find(home.system_file()), std::string::npos) << error.message;
}

TEST(SendmailConfigOption, AFileListedInTheDefaultFileIsHonoured) {
  const Home home;
  const auto other = home.write("other.conf", other_config);
  home.write("xdg/smtpsend/config", "defaults\nalternate_config_files /nonexistent " + other +
                                        "\n\naccount default\nhost h.example.org\n");

  const auto config = load_configuration(sendmail_with_config(other), home.environment(),
                                         home.system_file(), ordinary_user);

  ASSERT_TRUE(config);
  EXPECT_EQ(config->path, other);
}

TEST(SendmailConfigOption, AListInTheNamedFileItselfDoesNotCount) {
  const Home home;
  const auto other =
      home.write("uploaded.conf", "defaults\nalternate_config_files " + home.user_file() + "\n" +
                                      std::string(other_config));
  home.write("system.conf", "account default\nhost h.example.org\n");
  EXPECT_EQ(refusal(home, sendmail_with_config(other)).kind, ErrorKind::config);
}

TEST(SendmailConfigOption, TheDefaultFileItselfIsHonoured) {
  const Home home;
  const auto user_file = home.write("xdg/smtpsend/config", "account default\nhost h.example.org\n");
  const auto config = load_configuration(sendmail_with_config(user_file), home.environment(),
                                         home.system_file(), ordinary_user);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->path, user_file);
}

TEST(SendmailConfigOption, RootMayNameAnyFile) {
  const Home home;
  const auto other = home.write("other.conf", other_config);
  const auto config =
      load_configuration(sendmail_with_config(other), home.environment(), home.system_file(), 0);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->path, other);
}

TEST(SendmailConfigOption, NativeModeConfigIsUnchanged) {
  const Home home;
  const auto other = home.write("other.conf", other_config);
  auto options = sendmail_with_config(other);
  options.sendmail_mode = false;
  const auto config =
      load_configuration(options, home.environment(), home.system_file(), ordinary_user);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->path, other);
}

}  // namespace
}  // namespace smtpsend::config
