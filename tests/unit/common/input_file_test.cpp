#include "common/input_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "../mime/mime_test_entities.hpp"
#include "common/error.hpp"

namespace smtpsend {
namespace {

Error failure_of(const std::string& path) {
  try {
    InputFile file(path, "attachment");
  } catch (const Failure& failure) {
    return failure.error();
  }
  return Error{ErrorKind::internal, "no failure", {}};
}

TEST(InputFile, RegularFileKeepsItsDescriptorAndSize) {
  mime::testing::TemporaryDirectory directory;
  InputFile file(directory.write("a.txt", "hello"), "attachment");
  EXPECT_FALSE(file.is_in_memory());
  EXPECT_EQ(file.size(), 5U);
  const int descriptor = file.release_descriptor();
  ASSERT_GE(descriptor, 0);
  EXPECT_EQ(::fcntl(descriptor, F_GETFL) & O_NONBLOCK, 0);  // blocking again
  ::close(descriptor);
}

// Opening a FIFO for reading would wait for a writer; this returns at once with an error.
TEST(InputFile, FifoIsRefusedWithoutWaitingForAWriter) {
  mime::testing::TemporaryDirectory directory;
  const std::string path = directory.path("fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const Error error = failure_of(path);
  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_EQ(error.message, "cannot open attachment '" + path +
                               "': it is not a regular file but a FIFO (named pipe), which "
                               "might never get a writer; give its content on standard input as "
                               "'-', or copy it to a regular file and give that");
}

TEST(InputFile, DirectoryIsNoInput) {
  mime::testing::TemporaryDirectory directory;
  const Error error = failure_of(directory.path(""));
  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_NE(error.message.find("it is a directory"), std::string::npos) << error.message;
}

TEST(InputFile, CharacterDeviceIsRefused) {
  const Error error = failure_of("/dev/zero");
  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_NE(error.message.find("a character device"), std::string::npos) << error.message;
}

TEST(InputFile, DevNullIsAnEmptyFile) {
  InputFile file("/dev/null", "--text file");
  EXPECT_TRUE(file.is_in_memory());
  EXPECT_EQ(file.size(), 0U);
  EXPECT_EQ(read_input_file("/dev/null", "--text file"), "");
}

// procfs says st_size 0 for a file that has content.
TEST(InputFile, ProcfsFileIsReadWhole) {
  std::ifstream stream("/proc/version", std::ios::binary);
  const std::string expected{std::istreambuf_iterator<char>(stream), {}};
  ASSERT_FALSE(expected.empty());
  InputFile file("/proc/version", "attachment");
  EXPECT_TRUE(file.is_in_memory());
  EXPECT_EQ(file.size(), expected.size());
  EXPECT_EQ(file.content(), expected);
}

TEST(InputFile, ReadFailureIsAnIoError) {
  try {
    (void)read_input_file("/proc/self/mem", "--text file");
    FAIL() << "reading /proc/self/mem succeeded";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::io);
    EXPECT_NE(failure.error().message.find("cannot read --text file '/proc/self/mem'"),
              std::string::npos)
        << failure.error().message;
  }
}

// `-a <(command)` names /dev/fd/N, a pipe: copied into a file only this user can read, which is
// gone from its directory already.
TEST(InputFile, PipeIsCopiedToAPrivateUnlinkedFile) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  ASSERT_EQ(::write(pipe_ends[1], "from a pipe", 11), 11);
  ::close(pipe_ends[1]);
  InputFile file("/dev/fd/" + std::to_string(pipe_ends[0]), "attachment");
  ::close(pipe_ends[0]);
  EXPECT_FALSE(file.is_in_memory());
  EXPECT_EQ(file.size(), 11U);
  const UniqueFd descriptor(file.release_descriptor());
  struct stat status {};
  ASSERT_EQ(::fstat(descriptor.get(), &status), 0);
  EXPECT_TRUE(S_ISREG(status.st_mode));
  EXPECT_EQ(status.st_mode & 0777, 0600U);
  EXPECT_EQ(status.st_nlink, 0U);
  EXPECT_EQ(read_to_end(descriptor.get(), "the copy"), "from a pipe");
}

// Standard input made a pipe for the test, and put back afterwards.
class StandardInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = ::dup(STDIN_FILENO);
    ASSERT_GE(saved_, 0);
  }
  void TearDown() override {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }
  void give_standard_input(int descriptor) {
    ASSERT_EQ(::dup2(descriptor, STDIN_FILENO), STDIN_FILENO);
    ::close(descriptor);
  }

 private:
  int saved_ = -1;
};

TEST_F(StandardInputTest, PipeOnStandardInputIsCopied) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  ASSERT_EQ(::write(pipe_ends[1], "piped", 5), 5);
  ::close(pipe_ends[1]);
  give_standard_input(pipe_ends[0]);
  InputFile file = InputFile::standard_input("attachment");
  EXPECT_EQ(file.size(), 5U);
  const UniqueFd descriptor(file.release_descriptor());
  EXPECT_EQ(read_to_end(descriptor.get(), "the copy"), "piped");
}

// A file redirected to standard input is read from where the caller left it, not copied.
TEST_F(StandardInputTest, RegularFileOnStandardInputIsReadFromItsOffset) {
  mime::testing::TemporaryDirectory directory;
  const int descriptor = ::open(directory.write("in.txt", "skip|rest").c_str(), O_RDONLY);
  ASSERT_GE(descriptor, 0);
  ASSERT_EQ(::lseek(descriptor, 5, SEEK_SET), 5);
  give_standard_input(descriptor);
  InputFile file = InputFile::standard_input("attachment");
  EXPECT_EQ(file.size(), 4U);
  const UniqueFd copy(file.release_descriptor());
  EXPECT_EQ(read_to_end(copy.get(), "standard input"), "rest");
}

TEST(InputFile, NamesOfStandardInput) {
  for (const char* name : {"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}) {
    EXPECT_TRUE(names_standard_input(name)) << name;
  }
  for (const char* name : {"--", "./-", "/dev/fd/1", "stdin"}) {
    EXPECT_FALSE(names_standard_input(name)) << name;
  }
}

TEST(ReadToEnd, MoreThanTheLimitIsRefused) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  ASSERT_EQ(::write(pipe_ends[1], "0123456789", 10), 10);
  ::close(pipe_ends[1]);
  try {
    (void)read_to_end(pipe_ends[0], "the pipe", 0, 9);
    FAIL() << "a read past the limit was accepted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::no_input);
  }
  ::close(pipe_ends[0]);
}

TEST(ReadToEnd, ReadsAPipeWhole) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  ASSERT_EQ(::write(pipe_ends[1], "abc", 3), 3);
  ::close(pipe_ends[1]);
  EXPECT_EQ(read_to_end(pipe_ends[0], "the pipe"), "abc");
  ::close(pipe_ends[0]);
}

}  // namespace
}  // namespace smtpsend
