#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "mime/message.hpp"
#include "mime_test_decoders.hpp"
#include "mime_test_entities.hpp"

namespace smtpsend::mime {
namespace {

using testing::drain;
using testing::parse_entity;

// The Date header depends on TZ; pin it for the test and restore it afterwards.
class MessageWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* previous = std::getenv("TZ")) {
      previous_zone_ = previous;
    }
    setenv("TZ", "CET-1", 1);  // POSIX: UTC+1
    tzset();
  }
  void TearDown() override {
    if (previous_zone_) {
      setenv("TZ", previous_zone_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

  // Random values 0x1000, 0x1001, ... so that boundaries are predictable.
  static RandomSource counting_random(std::uint64_t first = 0x1000) {
    return [next = first]() mutable { return next++; };
  }

  static MessageSpec base_spec() {
    MessageSpec spec;
    spec.from = {"Ann Example", "ann@example.com"};
    spec.to = {{"Bob", "bob@example.org"}};
    spec.subject = "Hello";
    spec.date = std::chrono::system_clock::time_point(std::chrono::seconds(1795387510));
    spec.message_id = "<20261122224510.3f9a1c2b7e4d5a60@example.com>";
    spec.random = counting_random();
    return spec;
  }

  static std::string render(const MessageSpec& spec) {
    const auto stream = open_message(spec);
    const std::string message = drain(*stream);
    EXPECT_EQ(stream->size(), message.size());
    EXPECT_FALSE(stream->has_8bit());
    return message;
  }

  static Error failure_of(const MessageSpec& spec) {
    try {
      open_message(spec);
    } catch (const Failure& failure) {
      return failure.error();
    }
    ADD_FAILURE() << "no Failure thrown";
    return {};
  }

  testing::TemporaryDirectory directory_;

 private:
  std::optional<std::string> previous_zone_;
};

TEST_F(MessageWriterTest, WholeMessageWithTextHtmlInlineImageAndAttachment) {
  MessageSpec spec = base_spec();
  spec.text = "Hi Bob.\n";
  spec.html = "<p>Hi <img src=\"cid:logo\"></p>\n";
  spec.inline_parts = {{directory_.write("logo.png", std::string("PNG\0\1", 5)), "", "", "logo"}};
  spec.attachments = {{directory_.write("notes.txt", "abc"), "", "", ""}};
  EXPECT_EQ(render(spec),
            "Date: Sun, 22 Nov 2026 23:45:10 +0100\r\n"
            "From: Ann Example <ann@example.com>\r\n"
            "To: Bob <bob@example.org>\r\n"
            "Subject: Hello\r\n"
            "Message-ID: <20261122224510.3f9a1c2b7e4d5a60@example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"=_0000000000001000\"\r\n"
            "\r\n"
            "--=_0000000000001000\r\n"
            "Content-Type: multipart/related; boundary=\"=_0000000000001001\";\r\n"
            " type=\"multipart/alternative\"\r\n"
            "\r\n"
            "--=_0000000000001001\r\n"
            "Content-Type: multipart/alternative; boundary=\"=_0000000000001002\"\r\n"
            "\r\n"
            "--=_0000000000001002\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "Hi Bob.\r\n"
            "\r\n"
            "--=_0000000000001002\r\n"
            "Content-Type: text/html; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "<p>Hi <img src=\"cid:logo\"></p>\r\n"
            "\r\n"
            "--=_0000000000001002--\r\n"
            "\r\n"
            "--=_0000000000001001\r\n"
            "Content-Type: image/png; name=\"logo.png\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-ID: <logo>\r\n"
            "Content-Disposition: inline; filename=\"logo.png\"\r\n"
            "\r\n"
            "UE5HAAE=\r\n"
            "\r\n"
            "--=_0000000000001001--\r\n"
            "\r\n"
            "--=_0000000000001000\r\n"
            "Content-Type: text/plain; name=\"notes.txt\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
            "\r\n"
            "YWJj\r\n"
            "\r\n"
            "--=_0000000000001000--\r\n");
}

TEST_F(MessageWriterTest, TextOnlyIsASingleTextPlainPart) {
  MessageSpec spec = base_spec();
  spec.text =
      "Gr\xC3\xBC\xC3\x9F"
      "e\n";
  spec.extra_headers = {{"X-Mailer", "smtpsend"}};
  const std::string message = render(spec);
  EXPECT_TRUE(
      message.ends_with("X-Mailer: smtpsend\r\n"
                        "MIME-Version: 1.0\r\n"
                        "Content-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n"
                        "\r\n"
                        "Gr=C3=BC=C3=9Fe\r\n"))
      << message;
}

struct TreeCase {
  bool text, html, inline_image, attachment;
  const char* structure;
};

TEST_F(MessageWriterTest, PartTreeForEachCombination) {
  const TreeCase cases[] = {
      {false, false, false, false, "text/plain"},
      {true, false, false, false, "text/plain"},
      {false, true, false, false, "text/html"},
      {true, true, false, false, "multipart/alternative[text/plain,text/html]"},
      {false, true, true, false, "multipart/related[text/html,image/png]"},
      {true, true, true, false,
       "multipart/related[multipart/alternative[text/plain,text/html],image/png]"},
      {false, false, false, true, "multipart/mixed[application/pdf]"},
      {true, false, false, true, "multipart/mixed[text/plain,application/pdf]"},
      {false, true, false, true, "multipart/mixed[text/html,application/pdf]"},
      {true, true, false, true,
       "multipart/mixed[multipart/alternative[text/plain,text/html],application/pdf]"},
      {false, true, true, true,
       "multipart/mixed[multipart/related[text/html,image/png],"
       "application/pdf]"},
      {true, true, true, true,
       "multipart/mixed[multipart/related[multipart/alternative[text/plain,text/html],image/png],"
       "application/pdf]"},
  };
  const std::string image = directory_.write("logo.png", "png");
  const std::string document = directory_.write("report.pdf", std::string(1000, '\xFF'));
  for (const auto& tree : cases) {
    MessageSpec spec = base_spec();
    if (tree.text) {
      spec.text = "text\n";
    }
    if (tree.html) {
      spec.html = "<img src=\"cid:logo.png\">\n";
    }
    if (tree.inline_image) {
      spec.inline_parts = {{image, "", "", ""}};
    }
    if (tree.attachment) {
      spec.attachments = {{document, "", "", ""}};
    }
    const std::string message = render(spec);
    const auto entity = parse_entity(message);
    EXPECT_EQ(entity.structure(), tree.structure);
    EXPECT_EQ(entity.field("MIME-Version"), "1.0");
    if (tree.inline_image) {
      const auto& related = tree.attachment ? entity.parts[0] : entity;
      EXPECT_EQ(testing::parameter(related.field("Content-Type"), "type"),
                related.parts[0].media_type());
    }
  }
}

TEST_F(MessageWriterTest, AsciiTextIs7bitAndOtherTextQuotedPrintable) {
  MessageSpec spec = base_spec();
  spec.text = "plain\n";
  spec.html = "<p>caf\xC3\xA9 " + std::string(1200, 'x') + "</p>";
  const auto entity = parse_entity(render(spec));
  ASSERT_EQ(entity.parts.size(), 2U);
  EXPECT_EQ(entity.parts[0].field("Content-Transfer-Encoding"), "7bit");
  EXPECT_EQ(entity.parts[0].decoded_body(), "plain\r\n");
  EXPECT_EQ(entity.parts[1].field("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(entity.parts[1].decoded_body(), *spec.html + "\r\n");
}

TEST_F(MessageWriterTest, LongAsciiLineMakesQuotedPrintable) {
  MessageSpec spec = base_spec();
  spec.text = "x";
  spec.html = std::string(999, 'y');
  const auto entity = parse_entity(render(spec));
  EXPECT_EQ(entity.parts[0].field("Content-Transfer-Encoding"), "7bit");
  EXPECT_EQ(entity.parts[1].field("Content-Transfer-Encoding"), "quoted-printable");
}

TEST_F(MessageWriterTest, InvalidUtf8HtmlIsADataError) {
  MessageSpec spec = base_spec();
  spec.html = "<p>caf\xE9</p>";
  const Error error = failure_of(spec);
  EXPECT_EQ(error.kind, ErrorKind::data);
  EXPECT_EQ(error.message,
            "the HTML body is not valid UTF-8 (at byte 6); convert it to UTF-8 or declare its real "
            "charset");
}

// A text that is not UTF-8 goes out under the label the caller chose for it (unknown-8bit, RFC
// 1428), while the HTML keeps its own.
TEST_F(MessageWriterTest, HtmlCharsetMayDifferFromTheText) {
  MessageSpec spec = base_spec();
  spec.text = "caf\xE9\n";
  spec.charset = "unknown-8bit";
  spec.html = "<p>caf\xC3\xA9</p>\n";
  spec.html_charset = "UTF-8";
  const auto entity = parse_entity(render(spec));
  ASSERT_EQ(entity.parts.size(), 2U);
  EXPECT_EQ(entity.parts[0].field("Content-Type"), "text/plain; charset=unknown-8bit");
  EXPECT_EQ(entity.parts[0].field("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(entity.parts[0].decoded_body(), "caf\xE9\r\n");
  EXPECT_EQ(entity.parts[1].field("Content-Type"), "text/html; charset=UTF-8");
}

TEST_F(MessageWriterTest, EveryByteValueSurvivesBase64) {
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (int value = 0; value < 256; ++value) {
      bytes += static_cast<char>(value);
    }
  }
  bytes += "\r\n\n\r";  // line ends in binary data are data
  MessageSpec spec = base_spec();
  spec.text = "see attached\n";
  spec.attachments = {{directory_.write("all.bin", bytes), "", "", ""}};
  const auto entity = parse_entity(render(spec));
  ASSERT_EQ(entity.parts.size(), 2U);
  const auto& attachment = entity.parts[1];
  EXPECT_EQ(attachment.media_type(), "application/octet-stream");
  EXPECT_EQ(attachment.decoded_body(), bytes);
  for (const auto& line : testing::split_crlf_lines(attachment.body)) {
    EXPECT_LE(line.size(), 76U);
  }
}

TEST_F(MessageWriterTest, SizeIsExactAndLinesAreShortForManyTrees) {
  MessageSpec spec = base_spec();
  spec.text = std::string(3000, 'a') + "\n\xC3\xA4\n";
  spec.html = "<p>\xE2\x82\xAC</p>";
  for (std::size_t size : {0, 1, 2, 56, 57, 58, 113, 114, 5000, 70000}) {
    spec.attachments.push_back(
        {directory_.write("file" + std::to_string(size), std::string(size, 'z')), "", "", ""});
    const auto stream = open_message(spec);
    const std::uint64_t announced = stream->size();
    const std::string message = drain(*stream);
    EXPECT_EQ(announced, message.size()) << size;
    for (const auto& line : testing::split_crlf_lines(message)) {
      EXPECT_LE(line.size(), 78U);
    }
    const auto entity = parse_entity(message);
    EXPECT_EQ(entity.parts.back().decoded_body(), std::string(size, 'z'));
  }
}

TEST_F(MessageWriterTest, BoundaryFoundIn7bitTextIsDrawnAgain) {
  MessageSpec spec = base_spec();
  spec.text = "a line with =_0000000000001000 in it\n";
  spec.html = "<p>and =_0000000000001001 here</p>\n";
  const auto entity = parse_entity(render(spec));
  EXPECT_EQ(testing::parameter(entity.field("Content-Type"), "boundary"), "=_0000000000001002");
  EXPECT_EQ(entity.parts[0].decoded_body(), "a line with =_0000000000001000 in it\r\n");
}

TEST_F(MessageWriterTest, RandomSourceThatNeverChangesIsAnInternalError) {
  MessageSpec spec = base_spec();
  spec.text = "=_0000000000000007\n";
  spec.html = "<p>x</p>";
  spec.random = [] { return std::uint64_t{7}; };
  EXPECT_EQ(failure_of(spec).kind, ErrorKind::internal);
}

TEST_F(MessageWriterTest, NestedBoundariesDiffer) {
  MessageSpec spec = base_spec();
  spec.text = "t";
  spec.html = "h";
  spec.attachments = {{directory_.write("a.txt", "a"), "", "", ""}};
  spec.random = [calls = 0]() mutable { return std::uint64_t(calls++ < 3 ? 5 : 6); };
  const auto entity = parse_entity(render(spec));
  EXPECT_EQ(entity.structure(),
            "multipart/mixed[multipart/alternative[text/plain,text/html],text/plain]");
}

TEST_F(MessageWriterTest, InlinePartsGetContentIdsAndInlineDisposition) {
  MessageSpec spec = base_spec();
  spec.html = "<img src=\"cid:Gr__e.png\"><img src=\"cid:logo@example.com\">";
  spec.inline_parts = {{directory_.write("Gr\xC3\xBC\xC3\x9F"
                                         "e.png",
                                         "1"),
                        "", "", ""},
                       {directory_.write("b.gif", "2"), "", "", "<logo@example.com>"}};
  const auto entity = parse_entity(render(spec));
  ASSERT_EQ(entity.parts.size(), 3U);
  EXPECT_EQ(entity.parts[1].field("Content-ID"), "<Gr__e.png>");
  EXPECT_EQ(
      entity.parts[1].field("Content-Disposition"),
      "inline; filename=\"=?UTF-8?B?R3LDvMOfZS5wbmc=?=\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.png");
  EXPECT_EQ(entity.parts[2].field("Content-ID"), "<logo@example.com>");
  EXPECT_EQ(entity.parts[2].media_type(), "image/gif");
}

TEST_F(MessageWriterTest, MediaTypeAndFileNameOverrides) {
  MessageSpec spec = base_spec();
  spec.attachments = {{directory_.write("data", "x"), "text/csv", "numbers.csv", ""}};
  const auto entity = parse_entity(render(spec));
  EXPECT_EQ(entity.parts[0].field("Content-Type"), "text/csv; name=\"numbers.csv\"");
  EXPECT_EQ(entity.parts[0].field("Content-Disposition"), "attachment; filename=\"numbers.csv\"");
}

TEST_F(MessageWriterTest, MessageFileNamedByExtensionIsSentAsOctetStream) {
  MessageSpec spec = base_spec();
  spec.attachments = {{directory_.write("old.eml", "Subject: x\r\n\r\nbody\r\n"), "", "", ""}};
  EXPECT_EQ(parse_entity(render(spec)).parts[0].media_type(), "application/octet-stream");
}

TEST_F(MessageWriterTest, BadMediaTypeOverridesAreUsageErrors) {
  const std::string file = directory_.write("a.bin", "x");
  for (const char* type : {"image", "text/plain; charset=x", "multipart/mixed", "Message/rfc822"}) {
    MessageSpec spec = base_spec();
    spec.attachments = {{file, type, "", ""}};
    EXPECT_EQ(failure_of(spec).kind, ErrorKind::usage) << type;
  }
}

TEST_F(MessageWriterTest, DuplicateOrInvalidContentIdsAreUsageErrors) {
  MessageSpec spec = base_spec();
  spec.html = "<p>x</p>";
  spec.inline_parts = {{directory_.write("a.png", "1"), "", "", "logo"},
                       {directory_.write("b.png", "2"), "", "", "<logo>"}};
  const Error duplicate = failure_of(spec);
  EXPECT_EQ(duplicate.kind, ErrorKind::usage);
  EXPECT_NE(duplicate.message.find("'logo'"), std::string::npos) << duplicate.message;
  spec.inline_parts = {{directory_.write("c.png", "1"), "", "", "two words"}};
  EXPECT_EQ(failure_of(spec).kind, ErrorKind::usage);
}

TEST_F(MessageWriterTest, InlinePartsWithoutHtmlAreAUsageError) {
  MessageSpec spec = base_spec();
  spec.text = "x";
  spec.inline_parts = {{directory_.write("a.png", "1"), "", "", ""}};
  EXPECT_EQ(failure_of(spec).kind, ErrorKind::usage);
}

TEST_F(MessageWriterTest, MissingAttachmentIsNoInputNamingIt) {
  MessageSpec spec = base_spec();
  spec.text = "x";
  const std::string missing = directory_.path("missing.pdf");
  spec.attachments = {{missing, "", "", ""}};
  const Error error = failure_of(spec);
  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_EQ(error.message, "cannot open attachment '" + missing + "': No such file or directory");
}

TEST_F(MessageWriterTest, DirectoryAsAttachmentIsNoInput) {
  MessageSpec spec = base_spec();
  spec.attachments = {{directory_.path(""), "", "", ""}};
  const Error error = failure_of(spec);
  EXPECT_EQ(error.kind, ErrorKind::no_input);
  EXPECT_NE(error.message.find("directory"), std::string::npos) << error.message;
}

// RFC 5322 §2.1.1: no line of the message may exceed 998 octets, whatever the user gave: the
// longest content ID allowed, and file names of thousands of characters, ASCII and not, with
// spaces, or looking like encoded words, in both Content-Type's name= and Content-Disposition's
// filename= (RFC 2231 continuations).
TEST_F(MessageWriterTest, EveryLineFitsWithinTheLimitWhateverTheNames) {
  MessageSpec spec = base_spec();
  spec.subject = std::string(3000, 's') + " " + std::string(2000, 't');
  spec.html = "<img src=\"cid:" + std::string(984, 'c') + "\">\n";
  const std::string image = directory_.write("logo.png", "PNG");
  const std::string long_ascii(4000, 'a');
  std::string long_utf8;
  for (int i = 0; i < 2000; ++i) {
    long_utf8 += "\xC3\xA9";
  }
  const std::string spaced = std::string(1500, 'b') + " " + std::string(1500, 'c') + ".pdf";
  spec.inline_parts = {{image, "", long_utf8, std::string(984, 'c')},
                       {image, "", long_ascii, std::string(984, 'a')}};
  spec.html = *spec.html + "<img src=\"cid:" + std::string(984, 'a') + "\">\n";
  for (const std::string& name :
       {long_ascii, long_utf8, spaced, "=?UTF-8?Q?" + long_ascii + "?=", long_utf8 + spaced}) {
    spec.attachments.push_back({image, "", name, ""});
  }
  const std::string message = render(spec);
  std::size_t start = 0;
  std::size_t lines = 0;
  while (start < message.size()) {
    const std::size_t end = message.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 998U) << "line " << lines << ": " << message.substr(start, 80);
    start = end + 2;
    ++lines;
  }
  EXPECT_GT(lines, 100U);
}

TEST_F(MessageWriterTest, ReservedExtraHeadersAreDataErrors) {
  for (const char* name : {"Content-Type", "content-transfer-encoding", "Bcc", "MIME-Version"}) {
    MessageSpec spec = base_spec();
    spec.extra_headers = {{name, "x"}};
    EXPECT_EQ(failure_of(spec).kind, ErrorKind::data) << name;
  }
}

}  // namespace
}  // namespace smtpsend::mime
