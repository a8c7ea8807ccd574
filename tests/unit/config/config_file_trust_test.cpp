// Which configuration files are trusted to hold secrets and run commands (OpenSSH's and msmtp's
// rules: owned by the caller or root, not writable by others), and which files are read at all
// (regular files only: a FIFO must not block the program).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "common/error.hpp"
#include "config/aliases.hpp"
#include "config/config_file.hpp"

namespace smtpsend::config {
namespace {

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "smtpsend-trust-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  std::string file(const std::string& name, const std::string& text, mode_t mode) const {
    std::string path = path_ + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The failure that loading `path` as `caller` raises.
Error load_failure(const std::string& path, uid_t caller = ::geteuid()) {
  try {
    load_config_file(path, "/home/ann", caller);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no failure for " << path;
  return {};
}

constexpr const char* eval_account = "account a\nhost h\npasswordeval pass show mail\n";

TEST(ConfigFileTrust, PasswordevalInAGroupWritableFileIsRefusedWithTheChmod) {
  const TemporaryDirectory directory;
  const auto path = directory.file("rc", eval_account, 0620);
  const Error error = load_failure(path);
  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find(path + ":3:"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("chmod go-w " + path), std::string::npos) << error.message;
}

TEST(ConfigFileTrust, PasswordInAnOtherWritableFileIsRefused) {
  const TemporaryDirectory directory;
  const auto path = directory.file("rc", "account a\npassword pw\n", 0602);
  const Error error = load_failure(path);
  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("chmod"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find(" pw"), std::string::npos) << error.message;
}

// A file owned by a user other than root: ours, or (when the tests run as root) given away.
std::string file_of_a_user(const TemporaryDirectory& directory) {
  auto path = directory.file("rc", eval_account, 0600);
  if (::geteuid() == 0) {
    EXPECT_EQ(::chown(path.c_str(), 4242, static_cast<gid_t>(-1)), 0);
  }
  return path;
}

TEST(ConfigFileTrust, PasswordevalInAFileOwnedBySomeoneElseIsRefused) {
  const TemporaryDirectory directory;
  const auto path = file_of_a_user(directory);
  const Error error = load_failure(path, 4243);
  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("chown"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(path), std::string::npos) << error.message;
}

TEST(ConfigFileTrust, RootRefusesPasswordevalInAnotherUsersFile) {
  const TemporaryDirectory directory;
  const auto path = file_of_a_user(directory);
  const Error error = load_failure(path, 0);
  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("chown 0 " + path), std::string::npos) << error.message;
}

TEST(ConfigFileTrust, RootsOwnFileServesEveryCaller) {
  const TemporaryDirectory directory;
  const auto path = directory.file("rc", eval_account, 0600);
  if (::geteuid() == 0) {
    EXPECT_NO_THROW(load_config_file(path, "/home/ann", 4242));
  } else {
    EXPECT_NO_THROW(load_config_file(path, "/home/ann", ::geteuid()));
  }
}

TEST(ConfigFileTrust, AGroupWritableFileWithoutSecretsIsRead) {
  const TemporaryDirectory directory;
  const auto path = directory.file("rc", "account a\nhost h\n", 0664);
  EXPECT_NO_THROW(load_config_file(path, "/home/ann", ::geteuid() == 0 ? 4242 : ::geteuid()));
}

// Runs `load` off the test's thread, so that a hang fails the test instead of blocking it.
template <typename Load>
Error failure_within_seconds(Load load) {
  auto result = std::async(std::launch::async, [load]() -> Error {
    try {
      load();
    } catch (const Failure& failure) {
      return failure.error();
    }
    return {};
  });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    // The reading thread cannot be cancelled; end here, failing, rather than hang.
    ADD_FAILURE() << "reading a FIFO blocked";
    std::abort();
  }
  return result.get();
}

TEST(ConfigFileTrust, AFifoGivenAsTheConfigFileIsRefusedWithoutBlocking) {
  const TemporaryDirectory directory;
  const std::string fifo = directory.path() + "/rc";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Error error = failure_within_seconds([fifo] { load_config_file(fifo, "/home/ann"); });
  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_NE(error.message.find("not a regular file"), std::string::npos) << error.message;
}

TEST(ConfigFileTrust, AFifoGivenAsTheAliasesFileIsRefusedWithoutBlocking) {
  const TemporaryDirectory directory;
  const std::string fifo = directory.path() + "/aliases";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Error error = failure_within_seconds([fifo] { Aliases::load(fifo); });
  EXPECT_EQ(error.kind, ErrorKind::config);
  EXPECT_NE(error.message.find("not a regular file"), std::string::npos) << error.message;
}

}  // namespace
}  // namespace smtpsend::config
