#include "mime/message_writer_files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "mime/message.hpp"
#include "mime/message_writer_stream.hpp"
#include "mime_test_entities.hpp"

namespace smtpsend::mime {
namespace {

MessageSpec spec_with_attachment(const std::string& path) {
  MessageSpec spec;
  spec.from = {"", "ann@example.com"};
  spec.to = {{"", "bob@example.org"}};
  spec.text = "see attached\n";
  spec.attachments = {{path, "", "", ""}};
  spec.random = [next = std::uint64_t{1}]() mutable { return next++; };
  return spec;
}

void resize_file(const std::string& path, off_t size) {
  const int descriptor = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(descriptor, 0);
  ASSERT_EQ(::ftruncate(descriptor, size), 0);
  ::close(descriptor);
}

TEST(MessageWriterFiles, FileNameIsTheBaseNameMadeValidUtf8) {
  EXPECT_EQ(file_name_of({"/tmp/x/report.pdf", "", "", ""}), "report.pdf");
  EXPECT_EQ(file_name_of({"report.pdf", "", "", ""}), "report.pdf");
  EXPECT_EQ(file_name_of({"/tmp/x/report.pdf", "", "Q3.pdf", ""}), "Q3.pdf");
  EXPECT_EQ(file_name_of({"/tmp/caf\xE9.txt", "", "", ""}), "caf\xEF\xBF\xBD.txt");
}

// A recipient's program may save the part under the name it is given: no directory goes with it,
// whether the separator is '/' or Windows' '\\', from name= or from the file's own name.
TEST(MessageWriterFiles, FileNameKeepsOnlyTheBaseName) {
  EXPECT_EQ(file_name_of({"/tmp/report.pdf", "", "../../.bashrc", ""}), ".bashrc");
  EXPECT_EQ(file_name_of({"/tmp/report.pdf", "", "/etc/cron.d/x", ""}), "x");
  EXPECT_EQ(file_name_of({"/tmp/report.pdf", "", "..\\..\\x.exe", ""}), "x.exe");
  EXPECT_EQ(file_name_of({"/tmp/report.pdf", "", "docs/", ""}), "docs");
  EXPECT_EQ(file_name_of({"/tmp/..\\..\\x.exe", "", "", ""}), "x.exe");
}

TEST(MessageWriterFiles, NameWithoutABaseNameIsRefused) {
  for (const std::string name : {"..", "/", ".", "../", "a\\..", "\\"}) {
    try {
      (void)file_name_of({"/tmp/report.pdf", "", name, ""});
      ADD_FAILURE() << "name=" << name << " was accepted";
    } catch (const Failure& failure) {
      EXPECT_EQ(failure.error().kind, ErrorKind::usage);
      EXPECT_EQ(failure.error().message,
                "name='" + name +
                    "' leaves no file name once its directory parts are removed; give a plain "
                    "name such as name=report.pdf");
    }
  }
}

TEST(MessageWriterFiles, MediaTypeFromTheShownName) {
  EXPECT_EQ(media_type_of({"/tmp/data", "", "a.pdf", ""}), "application/pdf");
  EXPECT_EQ(media_type_of({"/tmp/data", "image/x-custom", "", ""}), "image/x-custom");
}

// The body read and encoded a piece at a time, whatever the room offered, is the file's whole
// base64 (lines of 76, the last one padded) and exactly as long as announced.
TEST(MessageWriterFiles, FileBodyIsTheWholeFileEncodedAtAnyRoom) {
  testing::TemporaryDirectory directory;
  std::mt19937 generator(57);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{56}, std::size_t{57},
                                 std::size_t{58}, std::size_t{3 * 57 + 2}, std::size_t{100'003}}) {
    std::string content(size, '\0');
    for (auto& c : content) {
      c = static_cast<char>(byte(generator));
    }
    const std::string path = directory.write("file-" + std::to_string(size), content);
    for (const std::size_t room :
         {std::size_t{78}, std::size_t{200}, std::size_t{4096}, message_chunk_size}) {
      Base64FileBody body(path, "attachment");
      ASSERT_EQ(body.file_size(), size);
      std::string output;
      std::size_t calls = 0;
      while (!body.append_encoded(output, room)) {
        ASSERT_LT(++calls, 10'000U) << "the body never ended";
      }
      ASSERT_EQ(output.size(), body.encoded_size()) << size << " octets, room " << room;
      std::string joined;
      const auto lines = testing::split_crlf_lines(output);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i + 1 < lines.size()) {
          ASSERT_EQ(lines[i].size(), base64_line_length);
        } else {
          ASSERT_LE(lines[i].size(), base64_line_length);
        }
        joined += lines[i];
      }
      ASSERT_EQ(testing::decode_base64(joined), content) << size << " octets, room " << room;
    }
  }
}

// The memory contract: however large the file, each next() appends at most 64 KiB and one
// base64 line, and the stream never holds the file.
TEST(MessageWriterFiles, LargeFileStreamsInBoundedChunks) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.write("big.bin", "");
  constexpr off_t file_size = 20 * 1024 * 1024 + 17;
  resize_file(path, file_size);  // sparse: zeros, never written
  const auto stream = open_message(spec_with_attachment(path));
  std::uint64_t total = 0;
  std::size_t calls = 0;
  std::string chunk;
  std::string tail;  // the last bytes, to check the end of the message
  while (true) {
    chunk.clear();
    if (!stream->next(chunk)) {
      EXPECT_TRUE(chunk.empty());
      break;
    }
    ASSERT_LE(chunk.size(), message_chunk_size + 78);
    total += chunk.size();
    tail = (tail + chunk).substr((tail + chunk).size() > 200 ? (tail + chunk).size() - 200 : 0);
    ASSERT_LT(++calls, 100'000U);
  }
  EXPECT_EQ(total, stream->size());
  EXPECT_GT(calls, std::size_t{file_size / message_chunk_size});
  // 20 MiB + 17 bytes is 367,921 lines of 57 bytes and 40 more: 13 groups and a padded one.
  EXPECT_TRUE(
      tail.ends_with("\r\n" + std::string(54, 'A') + "==\r\n\r\n--=_0000000000000001--\r\n"))
      << tail;
}

TEST(MessageWriterFiles, FileThatShrinksWhileStreamingIsAnIoError) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.write("shrinks.bin", std::string(300'000, 'a'));
  const auto stream = open_message(spec_with_attachment(path));
  std::string chunk;
  ASSERT_TRUE(stream->next(chunk));
  resize_file(path, 1000);
  try {
    while (stream->next(chunk)) {
      chunk.clear();
    }
    FAIL() << "no Failure thrown";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::io);
    EXPECT_NE(failure.error().message.find("shorter"), std::string::npos);
  }
}

TEST(MessageWriterFiles, FileThatGrowsWhileStreamingIsAnIoError) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.write("grows.bin", std::string(300'000, 'a'));
  const auto stream = open_message(spec_with_attachment(path));
  std::string chunk;
  ASSERT_TRUE(stream->next(chunk));
  std::ofstream(path, std::ios::app) << "more";
  try {
    while (stream->next(chunk)) {
      chunk.clear();
    }
    FAIL() << "no Failure thrown";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::io);
    EXPECT_NE(failure.error().message.find("grew"), std::string::npos);
  }
}

// `-a <(command)`: a pipe that has more than the pipe's buffer holds, written while it is read,
// is copied first, so that its size is known, and then sent whole.
TEST(MessageWriterFiles, AnonymousPipeIsCopiedThenSentWhole) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  std::string content(300'007, '\0');
  std::mt19937 generator(7);
  for (auto& c : content) {
    c = static_cast<char>(generator());
  }
  std::thread writer([&] {
    std::string_view rest = content;
    while (!rest.empty()) {
      const ssize_t written = ::write(pipe_ends[1], rest.data(), rest.size());
      if (written <= 0) {
        break;
      }
      rest.remove_prefix(static_cast<std::size_t>(written));
    }
    ::close(pipe_ends[1]);
  });
  Base64FileBody body("/dev/fd/" + std::to_string(pipe_ends[0]), "attachment");
  writer.join();
  ::close(pipe_ends[0]);  // the copy stands for the pipe from now on
  ASSERT_EQ(body.file_size(), content.size());
  std::string output;
  while (!body.append_encoded(output, message_chunk_size)) {
  }
  ASSERT_EQ(output.size(), body.encoded_size());
  std::string joined;
  for (const auto& line : testing::split_crlf_lines(output)) {
    joined += line;
  }
  EXPECT_EQ(testing::decode_base64(joined), content);
}

TEST(MessageWriterFiles, StandardInputIsNamedStdin) {
  EXPECT_EQ(file_name_of({"-", "", "", ""}), "stdin");
  EXPECT_EQ(file_name_of({"-", "", "log.txt", ""}), "log.txt");
}

// A named FIFO may never get a writer: it is refused, at once.
TEST(MessageWriterFiles, NamedFifoIsRefused) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.path("fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  // O_NONBLOCK is not used by the writer; open a writer end first so its open does not block.
  const int writer = ::open(path.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  try {
    open_message(spec_with_attachment(path));
    ADD_FAILURE() << "no Failure thrown";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::no_input);
    EXPECT_NE(failure.error().message.find("not a regular file"), std::string::npos);
  }
  ::close(writer);
}

}  // namespace
}  // namespace smtpsend::mime
