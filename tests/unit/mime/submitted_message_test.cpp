#include "mime/submitted_message.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "mime_test_entities.hpp"

namespace smtpsend::mime {
namespace {

void write_all(int descriptor, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(descriptor, bytes.data(), bytes.size());
    if (written < 0) {
      return;  // the reading end is gone; the test's own checks say what went wrong
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void close_descriptor(int& descriptor) {
  if (descriptor >= 0) {
    ::close(descriptor);
    descriptor = -1;
  }
}

// A pipe(2) written from the test's own thread: for inputs that fit its 64 KiB buffer.
class Pipe {
 public:
  Pipe() {
    int ends[2] = {-1, -1};
    if (::pipe2(ends, O_CLOEXEC) != 0) {
      throw std::runtime_error("cannot create a pipe");
    }
    read_end_ = ends[0];
    write_end_ = ends[1];
  }
  ~Pipe() {
    close_descriptor(read_end_);
    close_descriptor(write_end_);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_end() const { return read_end_; }
  void write(std::string_view bytes) const { write_all(write_end_, bytes); }
  void close_write_end() { close_descriptor(write_end_); }

 private:
  int read_end_ = -1;
  int write_end_ = -1;
};

// A pipe in packet mode (pipe2 with O_DIRECT, Linux 3.4): each write(2) is one packet and each
// read(2) returns at most one, so the reader sees exactly the chunks written. A thread writes
// `pieces`, then closes its end unless told to leave it open.
class PacketPipe {
 public:
  enum class WriteEnd { closed_at_the_end, left_open };

  explicit PacketPipe(std::vector<std::string> pieces,
                      WriteEnd write_end = WriteEnd::closed_at_the_end) {
    int ends[2] = {-1, -1};
    if (::pipe2(ends, O_CLOEXEC | O_DIRECT) != 0) {
      throw std::runtime_error("cannot create a pipe in packet mode");
    }
    read_end_ = ends[0];
    write_end_ = ends[1];
    writer_ = std::thread([this, pieces = std::move(pieces), write_end] {
      // A reader that stops early closes its end: let write(2) fail with EPIPE rather than have
      // SIGPIPE end the test program.
      sigset_t pipe_signal;
      sigemptyset(&pipe_signal);
      sigaddset(&pipe_signal, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
      for (const auto& piece : pieces) {
        write_all(write_end_, piece);
      }
      if (write_end == WriteEnd::closed_at_the_end) {
        close_descriptor(write_end_);
      }
    });
  }
  ~PacketPipe() {
    close_descriptor(read_end_);  // first, so that a writer blocked on a full pipe returns
    writer_.join();
    close_descriptor(write_end_);
  }
  PacketPipe(const PacketPipe&) = delete;
  PacketPipe& operator=(const PacketPipe&) = delete;

  int read_end() const { return read_end_; }

 private:
  int read_end_ = -1;
  int write_end_ = -1;
  std::thread writer_;  // last: started when everything it uses exists
};

// A regular file opened for reading.
class InputFile {
 public:
  explicit InputFile(std::string_view content)
      : descriptor_(::open(directory_.write("input.eml", content).c_str(), O_RDONLY | O_CLOEXEC)) {
    if (descriptor_ < 0) {
      throw std::runtime_error("cannot open the input file");
    }
  }
  ~InputFile() { close_descriptor(descriptor_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  int descriptor() const { return descriptor_; }

 private:
  testing::TemporaryDirectory directory_;
  int descriptor_;
};

SubmissionRules rules_adding_nothing() {
  return {};
}

SubmissionRules rules_adding_fields() {
  SubmissionRules rules;
  rules.from_field = "Jane Doe <jane@example.org>";
  rules.date_field = "Mon, 2 Mar 2026 10:00:00 +0100";
  rules.message_id_field = "<20260302090000.1a2b3c4d5e6f7a8b@example.org>";
  return rules;
}

constexpr std::string_view added_fields =
    "From: Jane Doe <jane@example.org>\r\n"
    "Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n"
    "Message-ID: <20260302090000.1a2b3c4d5e6f7a8b@example.org>\r\n";

// What is sent for `input` read whole from a pipe that is then at its end.
std::string sent(std::string_view input, const SubmissionRules& rules = rules_adding_nothing()) {
  Pipe pipe;
  pipe.write(input);
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules);
  return testing::drain(*message);
}

// The same input a byte at a time: every chunk boundary the reader can meet.
std::string sent_byte_by_byte(std::string_view input, const SubmissionRules& rules) {
  std::vector<std::string> bytes;
  for (const char c : input) {
    bytes.emplace_back(1, c);
  }
  PacketPipe pipe(std::move(bytes));
  const auto message = read_submitted_message(pipe.read_end(), rules);
  return testing::drain(*message);
}

TEST(SubmittedMessage, LineEndsBecomeCrlfAndTheLastLineGetsOne) {
  EXPECT_EQ(sent("Subject: x\n"
                 "X-Mixed: a\r\r\n"
                 "\r\n"
                 "lf\n"
                 "cr\r"
                 "crlf\r\n"
                 "\n"
                 "no end"),
            "Subject: x\r\n"
            "X-Mixed: a\r\n"
            "\r\n"
            "lf\r\n"
            "cr\r\n"
            "crlf\r\n"
            "\r\n"
            "no end\r\n");
}

TEST(SubmittedMessage, StreamDescribesItselfAsUnknownSizeAndPossibly8Bit) {
  Pipe pipe;
  pipe.write("To: a@example.org\n\n");
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(message->size(), 0U);
  EXPECT_TRUE(message->has_8bit());
  EXPECT_FALSE(message->is_known_8bit());
}

// Without a read that returns the end of the input, a body read with the header section may not
// be all of it; a lone "." ends the input without one.
TEST(SubmittedMessage, InputEndedWithTheHeaderSectionIsKnownToBe7Bit) {
  Pipe pipe;
  pipe.write("To: a@example.org\n\nplain text\n.\n");
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_FALSE(message->has_8bit());
  EXPECT_FALSE(message->is_known_8bit());
}

TEST(SubmittedMessage, InputEndedWith8BitBytesIsSaidToHaveThem) {
  Pipe pipe;
  pipe.write("To: a@example.org\n\nGr\u00FC\u00DFe\n.\n");
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_TRUE(message->has_8bit());
  EXPECT_FALSE(message->is_known_8bit());
}

TEST(SubmittedMessage, BodyBeyondTheHeaderSectionMayBe8Bit) {
  Pipe pipe;
  pipe.write("To: a@example.org\n\nplain text\n");
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_TRUE(message->has_8bit());
}

// The recipients are needed before connecting; the body may not have been written yet.
TEST(SubmittedMessage, HeaderSectionIsReadBeforeTheBodyIsWritten) {
  Pipe pipe;
  pipe.write("To: a@example.org,\n b@example.org\nCc: c@example.org\nBcc: d@example.org\n\n");
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(message->headers().to, std::vector<std::string>{"a@example.org, b@example.org"});
  EXPECT_EQ(message->headers().cc, std::vector<std::string>{"c@example.org"});
  EXPECT_EQ(message->headers().bcc, std::vector<std::string>{"d@example.org"});
  pipe.write("the body\n");
  pipe.close_write_end();
  EXPECT_EQ(testing::drain(*message),
            "To: a@example.org,\r\n b@example.org\r\nCc: c@example.org\r\n\r\nthe body\r\n");
}

TEST(SubmittedMessage, BccFieldsAndTheirContinuationsAreRemoved) {
  SubmissionRules rules;
  const std::string input =
      "To: a@example.org\n"
      "Bcc: one@example.net,\n"
      "\ttwo@example.net\n"
      "Subject: s\n"
      "BCC : three@example.net\n"
      "\n"
      "Bcc: body text\n";
  Pipe pipe;
  pipe.write(input);
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules);
  EXPECT_EQ(message->headers().bcc,
            (std::vector<std::string>{"one@example.net,\ttwo@example.net", "three@example.net"}));
  EXPECT_EQ(testing::drain(*message),
            "To: a@example.org\r\n"
            "Subject: s\r\n"
            "\r\n"
            "Bcc: body text\r\n");
}

TEST(SubmittedMessage, BccFieldsStayWhenNotToBeRemoved) {
  SubmissionRules rules;
  rules.remove_bcc = false;
  EXPECT_EQ(sent("Bcc: one@example.net,\n two@example.net\n\nbody\n", rules),
            "Bcc: one@example.net,\r\n two@example.net\r\n\r\nbody\r\n");
}

TEST(SubmittedMessage, MissingFieldsAreAddedAtTheEndOfTheHeaderSection) {
  EXPECT_EQ(sent("Subject: s\nTo: a@example.org\n\nbody\n", rules_adding_fields()),
            "Subject: s\r\nTo: a@example.org\r\n" + std::string(added_fields) + "\r\nbody\r\n");
}

TEST(SubmittedMessage, FieldsTheMessageHasAreNotAdded) {
  const std::string header_section =
      "from: Ann <ann@example.org>\r\n"
      "DATE: Sun, 1 Mar 2026 08:00:00 +0000\r\n"
      "Message-Id: <1@example.org>\r\n";
  EXPECT_EQ(sent(header_section + "\r\nbody\r\n", rules_adding_fields()),
            header_section + "\r\nbody\r\n");
}

TEST(SubmittedMessage, ReplaceFromTakesOutEveryFromFieldAndAddsTheSenders) {
  SubmissionRules rules;
  rules.from_field = "Jane Doe <jane@example.org>";
  rules.replace_from = true;
  EXPECT_EQ(sent("From: root\n (cron)\nSubject: s\nfrom: x@example.net\n\nFrom: body\n", rules),
            "Subject: s\r\nFrom: Jane Doe <jane@example.org>\r\n\r\nFrom: body\r\n");
}

TEST(SubmittedMessage, ReplaceFromWithoutASenderKeepsTheField) {
  SubmissionRules rules;
  rules.replace_from = true;  // the null sender: nothing to put in its place
  EXPECT_EQ(sent("From: root\n\nbody\n", rules), "From: root\r\n\r\nbody\r\n");
}

TEST(SubmittedMessage, UndisclosedRecipientsReplaceToCcAndBcc) {
  SubmissionRules rules;
  rules.remove_bcc = false;  // Bcc goes all the same
  rules.undisclosed_recipients = true;
  Pipe pipe;
  pipe.write(
      "To: a@example.org,\n b@example.org\nCc: c@example.org\nBcc: d@example.org\n"
      "Resent-To: e@example.org\nSubject: s\n\nbody\n");
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules);
  std::string text;
  std::string chunk;
  while (message->next(chunk)) {
    text += chunk;
    chunk.clear();
  }
  EXPECT_EQ(text,
            "Resent-To: e@example.org\r\nSubject: s\r\nTo: undisclosed-recipients:;\r\n\r\n"
            "body\r\n");
  // -t still reads the recipients the fields named.
  EXPECT_EQ(message->headers().to, std::vector<std::string>{"a@example.org, b@example.org"});
  EXPECT_EQ(message->headers().cc, std::vector<std::string>{"c@example.org"});
  EXPECT_EQ(message->headers().bcc, std::vector<std::string>{"d@example.org"});
}

TEST(SubmittedMessage, EmptyRuleValuesAddNothing) {
  EXPECT_EQ(sent("To: a@example.org\n\nbody\n"), "To: a@example.org\r\n\r\nbody\r\n");
}

TEST(SubmittedMessage, FieldToAddThatWouldBreakTheHeaderIsRefused) {
  SubmissionRules rules;
  rules.from_field = "Jane <jane@example.org>\r\nBcc: victim@example.net";
  Pipe pipe;
  pipe.write("To: a@example.org\n\nbody\n");
  pipe.close_write_end();
  try {
    read_submitted_message(pipe.read_end(), rules);
    FAIL() << "a From value with CRLF was accepted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
  }
}

TEST(SubmittedMessage, LineThatIsNotAFieldStartsTheBodyAfterAnInsertedEmptyLine) {
  EXPECT_EQ(
      sent("To: a@example.org\nSubject: s\nHello,\nbody\n", rules_adding_fields()),
      "To: a@example.org\r\nSubject: s\r\n" + std::string(added_fields) + "\r\nHello,\r\nbody\r\n");
}

TEST(SubmittedMessage, TextWithoutHeaderSectionBecomesTheBody) {
  EXPECT_EQ(sent("Backup finished.\nTo: not a field here\n", rules_adding_fields()),
            std::string(added_fields) + "\r\nBackup finished.\r\nTo: not a field here\r\n");
  EXPECT_EQ(sent("Backup finished.\n"), "\r\nBackup finished.\r\n");
}

TEST(SubmittedMessage, TextStartingWithAnEmptyLineKeepsItAsTheSeparator) {
  EXPECT_EQ(sent("\nTo: body text\n", rules_adding_fields()),
            std::string(added_fields) + "\r\nTo: body text\r\n");
}

TEST(SubmittedMessage, HeaderSectionWithoutBodyGetsTheFieldsAndNoEmptyLine) {
  EXPECT_EQ(sent("Subject: s\n", rules_adding_fields()),
            "Subject: s\r\n" + std::string(added_fields));
  EXPECT_EQ(sent("Subject: s"), "Subject: s\r\n");
}

TEST(SubmittedMessage, EmptyInputGivesOnlyTheAddedFields) {
  EXPECT_EQ(sent(""), "");
  EXPECT_EQ(sent("", rules_adding_fields()), added_fields);
}

TEST(SubmittedMessage, MboxFromLineAtTheStartIsDropped) {
  EXPECT_EQ(sent("From jane@example.org Mon Mar  2 10:00:00 2026\nSubject: s\n\nbody\n"),
            "Subject: s\r\n\r\nbody\r\n");
}

TEST(SubmittedMessage, LoneDotEndsTheBody) {
  EXPECT_EQ(sent("Subject: s\n\nbody\n.\nnot sent\n"), "Subject: s\r\n\r\nbody\r\n");
  EXPECT_EQ(sent("Subject: s\r\n\r\nbody\r\n.\r\nnot sent\r\n"), "Subject: s\r\n\r\nbody\r\n");
  EXPECT_EQ(sent("Subject: s\n\nbody\n."), "Subject: s\r\n\r\nbody\r\n");
}

TEST(SubmittedMessage, LoneDotEndsTheHeaderSection) {
  EXPECT_EQ(
      sent("Subject: s\nBcc: x@example.net\n.\nTo: not read\n\nbody\n", rules_adding_fields()),
      "Subject: s\r\n" + std::string(added_fields));
}

TEST(SubmittedMessage, DotLinesAreSentWithoutDotEndsInput) {
  SubmissionRules rules;
  rules.dot_ends_input = false;
  EXPECT_EQ(sent("Subject: s\n.\n\nbody\n.\nmore\n", rules),
            "Subject: s\r\n\r\n.\r\n\r\nbody\r\n.\r\nmore\r\n");
}

// sendmail stops reading at the lone dot: what follows is left in the pipe. The write end stays
// open, so a reader that waited for the end of the input would never return.
TEST(SubmittedMessage, NothingAfterTheLoneDotIsReadFromAPipe) {
  PacketPipe pipe({"Subject: s\n\nbody\n.\n", "left for others\n"},
                  PacketPipe::WriteEnd::left_open);
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(testing::drain(*message), "Subject: s\r\n\r\nbody\r\n");
  std::string rest(64, '\0');
  const ssize_t got = ::read(pipe.read_end(), rest.data(), rest.size());
  ASSERT_GT(got, 0);
  rest.resize(static_cast<std::size_t>(got));
  EXPECT_EQ(rest, "left for others\n");
}

TEST(SubmittedMessage, FileIsLeftPositionedJustAfterTheLoneDot) {
  const std::string message_text = "Subject: s\n\nbody\n.\n";
  InputFile file(message_text + "left for others\n");
  const auto message = read_submitted_message(file.descriptor(), rules_adding_nothing());
  EXPECT_EQ(testing::drain(*message), "Subject: s\r\n\r\nbody\r\n");
  EXPECT_EQ(::lseek(file.descriptor(), 0, SEEK_CUR), static_cast<off_t>(message_text.size()));
}

TEST(SubmittedMessage, EveryChunkBoundaryGivesTheSameMessage) {
  const std::string input =
      "From jane@example.org Mon Mar  2 10:00:00 2026\n"
      "To: a@example.org,\r\n"
      "\tb@example.org\r\r\n"
      "bcc : hidden@example.net,\n"
      " other@example.net\r\n"
      "Subject: s\n"
      "Not a field\r"
      ".leading dot\r\n"
      "Bcc: body text\n"
      "\r"
      ".\r"
      "..\n"
      ".\r\n"
      "not sent\n";
  const std::string expected =
      "To: a@example.org,\r\n"
      "\tb@example.org\r\n"
      "Subject: s\r\n" +
      std::string(added_fields) +
      "\r\n"
      "Not a field\r\n"
      ".leading dot\r\n"
      "Bcc: body text\r\n"
      "\r\n"
      ".\r\n"
      "..\r\n";
  ASSERT_EQ(sent(input, rules_adding_fields()), expected);
  EXPECT_EQ(sent_byte_by_byte(input, rules_adding_fields()), expected);
}

TEST(SubmittedMessage, HeadersAreTheSameWhenReadAByteAtATime) {
  std::vector<std::string> bytes;
  for (const char c :
       std::string_view("To: a@example.org,\r\n b@example.org\r\r\nBcc: c@example.net\n"
                        "\nbody\n")) {
    bytes.emplace_back(1, c);
  }
  PacketPipe pipe(std::move(bytes));
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(message->headers().to, std::vector<std::string>{"a@example.org, b@example.org"});
  EXPECT_EQ(message->headers().bcc, std::vector<std::string>{"c@example.net"});
  EXPECT_EQ(testing::drain(*message), "To: a@example.org,\r\n b@example.org\r\n\r\nbody\r\n");
}

TEST(SubmittedMessage, LargeBodyIsStreamedInPiecesOfAtMost64KiB) {
  std::string input = "Subject: report\n\n";
  std::string expected = "Subject: report\r\n\r\n";
  for (int i = 0; i < 40000; ++i) {
    const std::string line = "line " + std::to_string(i) + " of the output of a nightly job";
    input += line + "\n";
    expected += line + "\r\n";
  }
  InputFile file(input);
  const auto message = read_submitted_message(file.descriptor(), rules_adding_nothing());
  std::size_t largest = 0;
  // Compared whole, without gtest's line diff, which takes long on a message this size.
  EXPECT_TRUE(testing::drain(*message, &largest) == expected);
  EXPECT_LE(largest, 64U * 1024U);
  EXPECT_GT(expected.size(), largest);
  EXPECT_TRUE(message->has_8bit());  // the body was not all read with the header section
}

TEST(SubmittedMessage, HeaderSectionOverOneMebibyteIsRefused) {
  std::string header_section;
  for (int i = 0; header_section.size() <= maximum_submitted_header_section; ++i) {
    header_section += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'f') + "\n";
  }
  InputFile file(header_section + "\nbody\n");
  try {
    read_submitted_message(file.descriptor(), rules_adding_nothing());
    FAIL() << "a header section over 1 MiB was accepted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_NE(failure.error().message.find("1 MiB"), std::string::npos) << failure.error().message;
    EXPECT_NE(failure.error().message.find("empty line"), std::string::npos)
        << failure.error().message;
  }
}

TEST(SubmittedMessage, OneLongLineWithoutHeaderEndIsRefusedToo) {
  InputFile file("X-Long: " + std::string(maximum_submitted_header_section + 1, 'x'));
  EXPECT_THROW(read_submitted_message(file.descriptor(), rules_adding_nothing()), Failure);
}

// The limit counts the header section with CRLF line ends, as it is sent.
TEST(SubmittedMessage, HeaderSectionOfOneMebibyteIsAccepted) {
  std::string header_section;
  for (int i = 0; header_section.size() < maximum_submitted_header_section - 100; ++i) {
    header_section += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'f') + "\r\n";
  }
  header_section += "X-Last: ";
  header_section += std::string(maximum_submitted_header_section - header_section.size() - 2, 'l');
  header_section += "\r\n";
  ASSERT_EQ(header_section.size(), maximum_submitted_header_section);
  InputFile file(header_section + "\r\nbody\r\n");
  const auto message = read_submitted_message(file.descriptor(), rules_adding_nothing());
  EXPECT_TRUE(testing::drain(*message) == header_section + "\r\nbody\r\n");
}

TEST(SubmittedMessage, ReadErrorIsAnIoFailure) {
  const int directory = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(directory, 0);
  try {
    read_submitted_message(directory, rules_adding_nothing());
    ADD_FAILURE() << "reading a directory succeeded";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::io);
    EXPECT_NE(failure.error().message.find("cannot read the message"), std::string::npos)
        << failure.error().message;
  }
  ::close(directory);
}

// What a cron job pipes in, read back as a message: the header fields intact and in order, Bcc
// gone, the missing fields after the others, the body as written.
TEST(SubmittedMessage, CronMessageParsesBackWithItsFieldsInOrder) {
  SubmissionRules rules = rules_adding_fields();
  const std::string text = sent(
      "From: Cron Daemon <root@host.example.org>\n"
      "To: ops@example.org\n"
      "Subject: Cron <root@host> run-parts /etc/cron.daily\n"
      "Bcc: audit@example.org\n"
      "MIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=UTF-8\n"
      "X-Cron-Env: <SHELL=/bin/sh>\n"
      "\n"
      "run-parts: /etc/cron.daily/logrotate exited with return code 1\n",
      rules);
  const testing::Entity entity = testing::parse_entity(text);
  const std::vector<std::pair<std::string, std::string>> expected_fields{
      {"From", "Cron Daemon <root@host.example.org>"},
      {"To", "ops@example.org"},
      {"Subject", "Cron <root@host> run-parts /etc/cron.daily"},
      {"MIME-Version", "1.0"},
      {"Content-Type", "text/plain; charset=UTF-8"},
      {"X-Cron-Env", "<SHELL=/bin/sh>"},
      {"Date", "Mon, 2 Mar 2026 10:00:00 +0100"},
      {"Message-ID", "<20260302090000.1a2b3c4d5e6f7a8b@example.org>"},
  };
  EXPECT_EQ(entity.fields, expected_fields);
  EXPECT_EQ(entity.body, "run-parts: /etc/cron.daily/logrotate exited with return code 1\r\n");
}

// Text converted to CRLF twice ("\r\r\n", common from Windows tools): each is one line end, so
// the Bcc field and the fields after it stay in the header section.
TEST(SubmittedMessage, CrCrLfLineEndsKeepBccInTheHeaderSection) {
  const std::string input =
      "To: a@example.org\r\r\n"
      "Bcc: hidden@example.net\r\r\n"
      "Subject: s\r\r\n"
      "\r\r\n"
      "body\r\r\n";
  for (const bool byte_by_byte : {false, true}) {
    std::vector<std::string> pieces;
    if (byte_by_byte) {
      for (const char c : input) {
        pieces.emplace_back(1, c);
      }
    } else {
      pieces.push_back(input);
    }
    PacketPipe pipe(std::move(pieces));
    const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
    EXPECT_EQ(message->headers().bcc, std::vector<std::string>{"hidden@example.net"});
    EXPECT_EQ(testing::drain(*message), "To: a@example.org\r\nSubject: s\r\n\r\nbody\r\n");
  }
}

// A bare CR in the header section is a space: "To: a\rBcc: b" is one To field, as sendmail sees
// it (it ends lines at LF), and no Bcc line reaches the wire that was not removed.
TEST(SubmittedMessage, BareCrInTheHeaderSectionIsASpace) {
  Pipe pipe;
  pipe.write("To: a@example.org\rBcc: b@example.net\n\rSubject: s\n\nbody\rmore\n");
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(message->headers().to,
            std::vector<std::string>{"a@example.org Bcc: b@example.net Subject: s"});
  EXPECT_TRUE(message->headers().bcc.empty());
  EXPECT_EQ(testing::drain(*message),
            "To: a@example.org Bcc: b@example.net\r\n Subject: s\r\n\r\nbody\r\nmore\r\n");
}

// A line that cannot start a field starts the body (Postfix's rule), so a bare CR after it is a
// line end there, as in the rest of the body.
TEST(SubmittedMessage, BareCrAfterALineThatIsNotAFieldEndsALineOfTheBody) {
  EXPECT_EQ(sent("Subject: s\nnot a field\rBcc: b@example.net\r\rx\n"),
            "Subject: s\r\n\r\nnot a field\r\nBcc: b@example.net\r\n\r\nx\r\n");
}

TEST(SubmittedMessage, ResentBccFieldsAreRemoved) {
  Pipe pipe;
  pipe.write("Resent-To: a@example.org\nResent-Bcc: r@example.net,\n s@example.net\n\nbody\n");
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(message->headers().resent_bcc,
            std::vector<std::string>{"r@example.net, s@example.net"});
  EXPECT_EQ(testing::drain(*message), "Resent-To: a@example.org\r\n\r\nbody\r\n");
}

TEST(SubmittedMessage, LongLinesAreBrokenAndWarnedAboutOnceDrained) {
  Pipe pipe;
  pipe.write("Subject: " + std::string(1000, 's') + "\n\n" + std::string(1500, 'b') + "\n" +
             std::string(999, 'c') + "\n");
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(testing::drain(*message), "Subject:\r\n " + std::string(997, 's') + "\r\n " +
                                          std::string(3, 's') + "\r\n\r\n" + std::string(998, 'b') +
                                          "\r\n" + std::string(502, 'b') + "\r\n" +
                                          std::string(998, 'c') + "\r\nc\r\n");
  EXPECT_EQ(message->warnings(),
            std::vector<std::string>{
                "3 lines of the message on input descriptor " + std::to_string(pipe.read_end()) +
                ", the first line 1, were longer than the 998 octets a mail line may have (RFC "
                "5322 §2.1.1); they were broken into "
                "lines of at most 998 octets (header fields by folding); wrap long lines, or send "
                "such text as an attachment (-a FILE), to keep it as it is"});
}

TEST(SubmittedMessage, NulByteInTheHeaderSectionIsRefusedBeforeAnythingIsSent) {
  Pipe pipe;
  pipe.write(std::string("Subject: a\0b\n\nbody\n", 19));
  pipe.close_write_end();
  try {
    read_submitted_message(pipe.read_end(), rules_adding_nothing());
    ADD_FAILURE() << "no failure for a NUL byte";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_EQ(std::string(failure.what()),
              "cannot send the message on input descriptor " + std::to_string(pipe.read_end()) +
                  ": line 1 of the message holds a NUL byte, which mail text must not contain (RFC "
                  "2045 §2.7, §2.8); send binary data as an "
                  "attachment instead (smtpsend -a FILE); nothing was sent");
  }
}

// In the body the NUL byte is found as the stream is drained: next() throws, and the caller
// ends the transaction without the final dot.
TEST(SubmittedMessage, NulByteInTheBodyIsADataFailureFromNext) {
  Pipe pipe;
  pipe.write("Subject: s\n\n");
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  pipe.write(std::string("text\nbinary\0\n", 13));
  pipe.close_write_end();
  std::string chunk;
  try {
    while (message->next(chunk)) {
    }
    ADD_FAILURE() << "no failure for a NUL byte";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_EQ(std::string(failure.what()),
              "cannot send the message on input descriptor " + std::to_string(pipe.read_end()) +
                  ": line 4 of the message holds a NUL byte, which mail text must not contain (RFC "
                  "2045 §2.7, §2.8); send binary data as an "
                  "attachment instead (smtpsend -a FILE)");
  }
}

// Whitespace before the colon that would reach the 998-octet limit is cut short, so that the
// parser still sees a Bcc field (RFC 5322 §4.5.1) and removes it.
TEST(SubmittedMessage, BccWithALineOfWhitespaceBeforeItsColonIsStillRemoved) {
  const std::string input =
      "Bcc" + std::string(1200, ' ') + ": x@example.net\nSubject: s\n\nbody\n";
  Pipe pipe;
  pipe.write(input);
  pipe.close_write_end();
  const auto message = read_submitted_message(pipe.read_end(), rules_adding_nothing());
  EXPECT_EQ(message->headers().bcc, std::vector<std::string>{"x@example.net"});
  EXPECT_EQ(testing::drain(*message), "Subject: s\r\n\r\nbody\r\n");
}

}  // namespace
}  // namespace smtpsend::mime
