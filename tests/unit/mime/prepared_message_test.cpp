#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "common/error.hpp"
#include "mime/message.hpp"
#include "mime_test_entities.hpp"

namespace smtpsend::mime {
namespace {

TEST(PreparedMessage, RegularFileIsStreamedUnchangedWithItsSize) {
  testing::TemporaryDirectory directory;
  std::string content = "Subject: x\n\n";
  for (int i = 0; i < 5000; ++i) {
    content += "line " + std::to_string(i) + " of a prepared message\n";
  }
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  EXPECT_EQ(stream->size(), content.size());
  EXPECT_FALSE(stream->has_8bit());
  std::size_t largest = 0;
  EXPECT_EQ(testing::drain(*stream, &largest), content);
  EXPECT_LE(largest, 64U * 1024U);
  EXPECT_GT(content.size(), largest);
}

TEST(PreparedMessage, EightBitContentIsFoundAtOpen) {
  testing::TemporaryDirectory directory;
  const std::string content = std::string(200'000, 'a') + "caf\xC3\xA9\n";
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  EXPECT_TRUE(stream->has_8bit());
  EXPECT_EQ(testing::drain(*stream), content);
}

TEST(PreparedMessage, MissingFileIsNoInput) {
  testing::TemporaryDirectory directory;
  try {
    open_prepared_message(directory.path("none.eml"));
    FAIL() << "no Failure thrown";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::no_input);
    EXPECT_NE(failure.error().message.find("none.eml"), std::string::npos);
  }
}

TEST(PreparedMessage, DirectoryIsNoInput) {
  testing::TemporaryDirectory directory;
  try {
    open_prepared_message(directory.path(""));
    FAIL() << "no Failure thrown";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::no_input);
  }
}

// Standard input replaced by a pipe for the test, and restored afterwards.
TEST(PreparedMessage, StandardInputPipeHasUnknownSizeAndIsTakenAs8bit) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  const std::string content = "Subject: piped\r\n\r\nbody\r\n";
  ASSERT_EQ(::write(pipe_ends[1], content.data(), content.size()),
            static_cast<ssize_t>(content.size()));
  ::close(pipe_ends[1]);
  const int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(::dup2(pipe_ends[0], STDIN_FILENO), STDIN_FILENO);
  ::close(pipe_ends[0]);

  std::string streamed;
  std::uint64_t size = 1;
  bool eight_bit = false;
  {
    const auto stream = open_prepared_message("-");
    size = stream->size();
    eight_bit = stream->has_8bit();
    streamed = testing::drain(*stream);
  }
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  EXPECT_EQ(size, 0U);
  EXPECT_TRUE(eight_bit);
  EXPECT_EQ(streamed, content);
}

}  // namespace
}  // namespace smtpsend::mime
