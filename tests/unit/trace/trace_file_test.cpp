#include "trace/trace_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/error.hpp"
#include "trace/trace.hpp"

namespace smtpsend::trace {
namespace {

namespace fs = std::filesystem;

// A directory of the test's own, removed with everything in it.
class TraceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "smtpsend-trace-file-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path path(const std::string& name) const { return directory_ / name; }

  static std::string content_of(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }

  static mode_t mode_of(const fs::path& file) {
    struct stat status {};
    EXPECT_EQ(::lstat(file.c_str(), &status), 0);
    return status.st_mode & 07777;
  }

  static Error failure_of(const fs::path& file) {
    try {
      const TraceFile opened = open_trace_file(file.string(), "--trace-file");
      ::close(opened.descriptor);
    } catch (const Failure& failure) {
      return failure.error();
    }
    ADD_FAILURE() << file << " was opened";
    return {};
  }

  fs::path directory_;
};

TEST_F(TraceFileTest, ANewFileIsCreatedPrivateToItsOwner) {
  const auto file = path("trace.log");
  { SpdlogSink sink(open_trace_file(file.string(), "--trace-file")); }
  EXPECT_EQ(mode_of(file), 0600u);
}

TEST_F(TraceFileTest, AnExistingFileOfTheCallersIsEmptiedButItsModeIsLeftAloneWithAWarning) {
  const auto file = path("old.log");
  std::ofstream(file) << "old trace\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  TraceFile opened = open_trace_file(file.string(), "--trace-file");
  ASSERT_EQ(opened.warnings.size(), 1u);
  EXPECT_NE(opened.warnings[0].find("chmod 600"), std::string::npos) << opened.warnings[0];
  {
    SpdlogSink sink(std::move(opened));
    sink.info("new");
  }
  EXPECT_EQ(mode_of(file), 0644u);
  const std::string text = content_of(file);
  EXPECT_EQ(text.find("old trace"), std::string::npos) << text;
  EXPECT_NE(text.find("** new\n"), std::string::npos) << text;
}

// As root, the old code made /dev/null 0600 for the whole system. A FIFO stands in for it here:
// something shared that must be written to, never truncated or chmod-ed.
TEST_F(TraceFileTest, AFifoWithAReaderIsWrittenToAndItsModeIsLeftAlone) {
  const auto fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  ::chmod(fifo.c_str(), 0666);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  {
    SpdlogSink sink(open_trace_file(fifo.string(), "--trace-file"));
    sink.info("through the fifo");
  }
  std::array<char, 256> buffer{};
  const ssize_t got = ::read(reader, buffer.data(), buffer.size());
  ::close(reader);
  ASSERT_GT(got, 0);
  EXPECT_NE(std::string(buffer.data(), static_cast<std::size_t>(got)).find("through the fifo"),
            std::string::npos);
  EXPECT_EQ(mode_of(fifo), 0666u);
}

TEST_F(TraceFileTest, AFifoThatNothingReadsIsAnErrorNotAHang) {
  const auto fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Error error = failure_of(fifo);
  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_NE(error.message.find("a FIFO that nothing reads"), std::string::npos) << error.message;
}

TEST_F(TraceFileTest, ASymbolicLinkToAFileIsRefusedAndTheFileKeptAsItWas) {
  const auto target = path("target");
  std::ofstream(target) << "keep me";
  const auto link = path("link");
  fs::create_symlink(target, link);
  const Error error = failure_of(link);
  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_NE(error.message.find("symbolic link"), std::string::npos) << error.message;
  EXPECT_EQ(content_of(target), "keep me");
}

TEST_F(TraceFileTest, ADanglingSymbolicLinkCreatesNothing) {
  const auto link = path("dangling");
  fs::create_symlink(path("nowhere"), link);
  EXPECT_EQ(failure_of(link).kind, ErrorKind::io);
  EXPECT_FALSE(fs::exists(path("nowhere")));
}

TEST_F(TraceFileTest, AMissingDirectoryIsAnIoErrorNamingTheFile) {
  const auto file = path("missing") / "trace.log";
  const Error error = failure_of(file);
  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_NE(error.message.find(file.string()), std::string::npos) << error.message;
  EXPECT_FALSE(fs::exists(path("missing")));
}

TEST_F(TraceFileTest, DashIsStandardOutputAndIsNotClosed) {
  const TraceFile opened = open_trace_file("-", "--trace-file");
  EXPECT_EQ(opened.descriptor, STDOUT_FILENO);
  EXPECT_FALSE(opened.owned);
}

}  // namespace
}  // namespace smtpsend::trace
