#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "mime/message.hpp"
#include "mime_test_entities.hpp"

namespace smtpsend::mime {
namespace {

// What the session sends for LF-ended `text`: every LF as CRLF.
std::string with_crlf(const std::string& text) {
  std::string result;
  for (const char c : text) {
    result += c == '\n' ? std::string("\r\n") : std::string(1, c);
  }
  return result;
}

TEST(PreparedMessage, RegularFileIsStreamedWithCrlfLineEndsAndTheirSize) {
  testing::TemporaryDirectory directory;
  std::string content = "Subject: x\n\n";
  for (int i = 0; i < 5000; ++i) {
    content += "line " + std::to_string(i) + " of a prepared message\n";
  }
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  const std::string expected = with_crlf(content);
  EXPECT_EQ(stream->size(), expected.size());
  EXPECT_FALSE(stream->has_8bit());
  EXPECT_FALSE(stream->is_known_8bit());
  std::size_t largest = 0;
  // Compared whole, without gtest's line diff, which takes long on a message this size.
  EXPECT_TRUE(testing::drain(*stream, &largest) == expected);
  EXPECT_LE(largest, 64U * 1024U);
  EXPECT_GT(expected.size(), largest);
}

TEST(PreparedMessage, CrlfFileIsStreamedUnchanged) {
  testing::TemporaryDirectory directory;
  const std::string content = "Subject: x\r\n\r\nbody\r\n.\r\n";
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  EXPECT_EQ(stream->size(), content.size());
  EXPECT_EQ(testing::drain(*stream), content);
}

TEST(PreparedMessage, BccIsRemovedAndSizeCountsWhatIsSent) {
  testing::TemporaryDirectory directory;
  const std::string content =
      "From: a@example.com\n"
      "To: b@example.com\n"
      "Bcc: hidden@example.net,\n"
      "  other@example.net\n"
      "Subject: x\n"
      "\n"
      "Bcc: this line is body text\n"
      "no line end at the end";
  const std::string expected =
      "From: a@example.com\r\n"
      "To: b@example.com\r\n"
      "Subject: x\r\n"
      "\r\n"
      "Bcc: this line is body text\r\n"
      "no line end at the end\r\n";
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  EXPECT_EQ(stream->size(), expected.size());
  EXPECT_EQ(testing::drain(*stream), expected);
}

// The filter's state crosses the 32 KiB reads: the Bcc field starts just before a boundary.
TEST(PreparedMessage, BccAcrossAReadBoundaryIsRemoved) {
  testing::TemporaryDirectory directory;
  constexpr std::size_t read_size = std::size_t{32} * 1024;
  for (const std::size_t before_boundary : {1U, 2U, 3U, 4U, 20U}) {
    const std::size_t padding = read_size - before_boundary;
    // Lines of 100 octets, then one of what is left (all within the 998-octet limit).
    std::string filler;
    while (padding - filler.size() > 200) {
      filler += "X-Filler: " + std::string(88, 'f') + "\r\n";
    }
    filler += "X-Filler: " + std::string(padding - filler.size() - 12, 'f') + "\r\n";
    ASSERT_EQ(filler.size(), padding);
    const std::string content =
        filler + "bcc: hidden@example.net\r\n\tmore@example.net\r\n\r\nb\r\n";
    const std::string expected = filler + "\r\nb\r\n";
    const auto stream = open_prepared_message(directory.write("message.eml", content));
    EXPECT_EQ(stream->size(), expected.size()) << padding;
    EXPECT_TRUE(testing::drain(*stream) == expected) << padding;
  }
}

TEST(PreparedMessage, ManyBareLineEndsStayWithinTheChunkSize) {
  testing::TemporaryDirectory directory;
  const std::string content = "Subject: x\n\n" + std::string(300'000, '\n');
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  std::size_t largest = 0;
  const std::string streamed = testing::drain(*stream, &largest);
  EXPECT_TRUE(streamed == with_crlf(content)) << streamed.size() << " octets streamed";
  EXPECT_EQ(stream->size(), streamed.size());
  EXPECT_LE(largest, 64U * 1024U);
}

TEST(PreparedMessage, EightBitContentIsFoundAtOpen) {
  testing::TemporaryDirectory directory;
  std::string content = "Subject: x\r\n\r\n";
  while (content.size() < 200'000) {
    content += std::string(98, 'a') + "\r\n";
  }
  content += "caf\xC3\xA9\r\n";
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  EXPECT_TRUE(stream->has_8bit());
  EXPECT_TRUE(stream->is_known_8bit());
  EXPECT_TRUE(testing::drain(*stream) == content);
}

TEST(PreparedMessage, EightBitOnlyInTheRemovedBccIsNotSent) {
  testing::TemporaryDirectory directory;
  const std::string content = "Bcc: J\xC3\xBCrgen <j@example.net>\r\nSubject: x\r\n\r\nbody\r\n";
  const auto stream = open_prepared_message(directory.write("message.eml", content));
  EXPECT_FALSE(stream->has_8bit());
  EXPECT_FALSE(stream->is_known_8bit());
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
  const std::string content = "Subject: piped\nBCC: hidden@example.net\n\nbody\n";
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
  bool known_8bit = true;
  {
    const auto stream = open_prepared_message("-");
    size = stream->size();
    eight_bit = stream->has_8bit();
    known_8bit = stream->is_known_8bit();
    streamed = testing::drain(*stream);
  }
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  EXPECT_EQ(size, 0U);
  EXPECT_TRUE(eight_bit);
  EXPECT_FALSE(known_8bit);
  EXPECT_EQ(streamed, "Subject: piped\r\n\r\nbody\r\n");
}

// RFC 5322 §2.1.1: lines are broken at 998 octets; size() counts what is sent, and a warning says
// so once the stream is drained.
TEST(PreparedMessage, LongLineIsBrokenAndCountedAndWarnedAbout) {
  testing::TemporaryDirectory directory;
  const std::string content = "Subject: cron\n\n" + std::string(2000, 'l') + "\nend\n";
  const std::string expected = "Subject: cron\r\n\r\n" + std::string(998, 'l') + "\r\n" +
                               std::string(998, 'l') + "\r\n" + std::string(4, 'l') + "\r\nend\r\n";
  const std::string path = directory.write("message.eml", content);
  const auto stream = open_prepared_message(path);
  EXPECT_EQ(stream->size(), expected.size());
  EXPECT_TRUE(stream->warnings().empty());
  EXPECT_EQ(testing::drain(*stream), expected);
  EXPECT_EQ(stream->warnings(),
            std::vector<std::string>{
                "line 3 of the message file '" + path +
                "' was longer than the 998 octets a mail line may have (RFC 5322 "
                "§2.1.1); it was broken into lines of at most 998 octets (header fields by "
                "folding); wrap long lines, or send such text as an attachment (-a FILE), to "
                "keep it as it is"});
}

TEST(PreparedMessage, NulByteInAFileIsRefusedWhenOpened) {
  testing::TemporaryDirectory directory;
  const std::string content("Subject: x\n\nbinary\0data\n", 24);
  const std::string path = directory.write("message.eml", content);
  try {
    open_prepared_message(path);
    ADD_FAILURE() << "no failure for a NUL byte";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_EQ(std::string(failure.what()),
              "cannot send the message file '" + path +
                  "': line 3 of the message holds a NUL byte, which mail text must not contain "
                  "(RFC 2045 §2.7, §2.8); send binary data as an attachment instead (smtpsend -a "
                  "FILE); nothing was sent");
  }
}

}  // namespace
}  // namespace smtpsend::mime
