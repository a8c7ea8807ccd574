#include <gtest/gtest.h>

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

// A message with only a text body: a single text/plain part, needing no random source.
std::string render(const MessageSpec& spec) {
  const auto stream = open_message(spec);
  return testing::drain(*stream);
}

// The Date header depends on TZ; pin it for the test and restore it afterwards.
class TextMessageTest : public ::testing::Test {
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

  static MessageSpec base_spec() {
    MessageSpec spec;
    spec.from = {"Ann Example", "ann@example.com"};
    spec.to = {{"Bob", "bob@example.org"}};
    spec.subject = "Hello";
    spec.text = "Hi Bob.\n";
    spec.date = std::chrono::system_clock::time_point(std::chrono::seconds(1795387510));
    spec.message_id = "<20261122224510.3f9a1c2b7e4d5a60@example.com>";
    return spec;
  }

  static std::string data_error_message(const MessageSpec& spec) {
    try {
      render(spec);
    } catch (const Failure& failure) {
      EXPECT_EQ(failure.error().kind, ErrorKind::data);
      return failure.error().message;
    }
    ADD_FAILURE() << "no Failure thrown";
    return {};
  }

 private:
  std::optional<std::string> previous_zone_;
};

TEST_F(TextMessageTest, AsciiMessageWithEveryHeader) {
  MessageSpec spec = base_spec();
  spec.to.push_back({"Doe, Jane", "jane@example.org"});
  spec.cc = {{"", "carol@example.net"}};
  spec.reply_to = {{"", "replies@example.com"}};
  spec.subject = "Quarterly report";
  spec.extra_headers = {{"X-Mailer", "smtpsend 0.1"}};
  spec.text = "Hi Bob,\n\n.the numbers are below.\nFrom Ann\n";
  EXPECT_EQ(render(spec),
            "Date: Sun, 22 Nov 2026 23:45:10 +0100\r\n"
            "From: Ann Example <ann@example.com>\r\n"
            "To: Bob <bob@example.org>, \"Doe, Jane\" <jane@example.org>\r\n"
            "Cc: carol@example.net\r\n"
            "Reply-To: replies@example.com\r\n"
            "Subject: Quarterly report\r\n"
            "Message-ID: <20261122224510.3f9a1c2b7e4d5a60@example.com>\r\n"
            "X-Mailer: smtpsend 0.1\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "Hi Bob,\r\n"
            "\r\n"
            ".the numbers are below.\r\n"
            "From Ann\r\n");
}

TEST_F(TextMessageTest, NonAsciiMessageIsQuotedPrintableWithEncodedHeaders) {
  MessageSpec spec = base_spec();
  spec.from = {"J\xC3\xBCrgen", "j@example.com"};
  spec.subject =
      "Gr\xC3\xBC\xC3\x9F"
      "e";
  spec.extra_headers = {{"X-Note", "f\xC3\xBCr dich"}};
  spec.text =
      "Gr\xC3\xBC\xC3\x9F"
      "e aus K\xC3\xB6ln\nLine two = fine \n";
  EXPECT_EQ(render(spec),
            "Date: Sun, 22 Nov 2026 23:45:10 +0100\r\n"
            "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>\r\n"
            "To: Bob <bob@example.org>\r\n"
            "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"
            "Message-ID: <20261122224510.3f9a1c2b7e4d5a60@example.com>\r\n"
            "X-Note: =?UTF-8?Q?f=C3=BCr?= dich\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "Gr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n"
            "Line two =3D fine=20\r\n");
}

TEST_F(TextMessageTest, LineEndsAreNormalizedAndTheBodyEndsWithCrlf) {
  MessageSpec spec = base_spec();
  spec.text = "a\rb\r\nc\nd";
  const std::string message = render(spec);
  EXPECT_TRUE(message.ends_with("\r\n\r\na\r\nb\r\nc\r\nd\r\n")) << message;
}

TEST_F(TextMessageTest, EmptyBodyEndsAfterTheBlankLine) {
  MessageSpec spec = base_spec();
  spec.text = "";
  EXPECT_TRUE(render(spec).ends_with("Content-Transfer-Encoding: 7bit\r\n\r\n"));
}

TEST_F(TextMessageTest, LineLongerThan998OctetsMakesItQuotedPrintable) {
  MessageSpec spec = base_spec();
  const std::string long_line(999, 'x');
  spec.text = long_line + "\n";
  const std::string message = render(spec);
  ASSERT_NE(message.find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos);
  const std::string body = message.substr(message.find("\r\n\r\n") + 4);
  EXPECT_EQ(testing::decode_quoted_printable(body), long_line + "\r\n");
}

TEST_F(TextMessageTest, LineOf998OctetsStays7bit) {
  MessageSpec spec = base_spec();
  spec.text = std::string(998, 'x');
  EXPECT_NE(render(spec).find("Content-Transfer-Encoding: 7bit\r\n"), std::string::npos);
}

TEST_F(TextMessageTest, NulInBodyMakesItQuotedPrintable) {
  MessageSpec spec = base_spec();
  spec.text = std::string("a\0b\n", 4);
  const std::string message = render(spec);
  EXPECT_TRUE(message.ends_with("quoted-printable\r\n\r\na=00b\r\n")) << message;
}

TEST_F(TextMessageTest, EmptySubjectIsLeftOut) {
  MessageSpec spec = base_spec();
  spec.subject = "";
  EXPECT_EQ(render(spec).find("Subject:"), std::string::npos);
}

TEST_F(TextMessageTest, EmptyMessageIdIsLeftOut) {
  MessageSpec spec = base_spec();
  spec.message_id = "";
  EXPECT_EQ(render(spec).find("Message-ID:"), std::string::npos);
}

TEST_F(TextMessageTest, NoToAndNoCcGivesUndisclosedRecipients) {
  MessageSpec spec = base_spec();
  spec.to.clear();
  EXPECT_NE(render(spec).find("\r\nTo: undisclosed-recipients:;\r\n"), std::string::npos);
}

TEST_F(TextMessageTest, CcWithoutToHasNoToHeader) {
  MessageSpec spec = base_spec();
  spec.to.clear();
  spec.cc = {{"", "carol@example.net"}};
  const std::string message = render(spec);
  EXPECT_EQ(message.find("\r\nTo:"), std::string::npos);
  EXPECT_NE(message.find("\r\nCc: carol@example.net\r\n"), std::string::npos);
}

TEST_F(TextMessageTest, ManyRecipientsAreFolded) {
  MessageSpec spec = base_spec();
  spec.to.clear();
  for (int i = 0; i < 20; ++i) {
    spec.to.push_back({"Person " + std::to_string(i), "p" + std::to_string(i) + "@example.org"});
  }
  const std::string message = render(spec);
  const std::string header_block = message.substr(0, message.find("\r\n\r\n") + 2);
  for (const auto& line : testing::split_crlf_lines(header_block)) {
    EXPECT_LE(line.size(), 78U) << line;
  }
}

TEST_F(TextMessageTest, OtherCharsetIsDeclaredAndNotCheckedAsUtf8) {
  MessageSpec spec = base_spec();
  spec.charset = "ISO-8859-1";
  spec.text = "caf\xE9\n";
  const std::string message = render(spec);
  EXPECT_NE(message.find("Content-Type: text/plain; charset=ISO-8859-1\r\n"), std::string::npos);
  EXPECT_TRUE(message.ends_with("\r\n\r\ncaf=E9\r\n"));
}

TEST_F(TextMessageTest, InvalidUtf8BodyIsADataError) {
  MessageSpec spec = base_spec();
  spec.text = "caf\xE9\n";
  EXPECT_EQ(data_error_message(spec),
            "the message body is not valid UTF-8 (at byte 3); convert it to UTF-8 or declare its "
            "real charset");
}

TEST_F(TextMessageTest, InvalidCharsetNameIsADataError) {
  MessageSpec spec = base_spec();
  spec.charset = "utf-8; x=y";
  EXPECT_NE(data_error_message(spec).find("invalid charset name"), std::string::npos);
}

TEST_F(TextMessageTest, MissingSenderIsADataError) {
  MessageSpec spec = base_spec();
  spec.from = {};
  EXPECT_NE(data_error_message(spec).find("no sender"), std::string::npos);
}

TEST_F(TextMessageTest, SubjectWithLineBreakCannotInjectHeaders) {
  MessageSpec spec = base_spec();
  spec.subject = "hi\r\nBcc: victim@example.com";
  EXPECT_NE(data_error_message(spec).find("'Subject'"), std::string::npos);
}

TEST_F(TextMessageTest, ExtraHeadersCannotDuplicateOursOrAddBcc) {
  for (const char* name : {"subject", "Bcc", "Content-Type", "MIME-Version"}) {
    MessageSpec spec = base_spec();
    spec.extra_headers = {{name, "x"}};
    EXPECT_NE(data_error_message(spec).find(std::string("'") + name + "'"), std::string::npos)
        << name;
  }
}

// The fields the writer has options for say which option; the others say why they cannot be set.
TEST_F(TextMessageTest, ReservedExtraHeadersNameWhatSetsThemInstead) {
  MessageSpec spec = base_spec();
  spec.extra_headers = {{"From", "x@example.com"}};
  EXPECT_EQ(data_error_message(spec),
            "extra header 'From' is written by smtpsend itself; give the sender with -f/--from "
            "(and its name with -F)");
  spec.extra_headers = {{"Content-Type", "text/html"}};
  EXPECT_EQ(data_error_message(spec),
            "extra header 'Content-Type' is written by smtpsend itself; smtpsend writes it from "
            "the parts (--text, --html, -a)");
}

TEST_F(TextMessageTest, GivenMessageIdAndDateReplaceTheMadeOnes) {
  MessageSpec spec = base_spec();
  spec.extra_headers = {{"message-id", "<alert.42@monitor.example.com>"},
                        {"Date", "Tue, 1 Dec 2026 08:00:00 -0500"}};
  const std::string message = render(spec);
  EXPECT_NE(message.find("\r\nMessage-ID: <alert.42@monitor.example.com>\r\n"), std::string::npos)
      << message;
  EXPECT_NE(message.find("Date: Tue, 1 Dec 2026 08:00:00 -0500\r\n"), std::string::npos) << message;
  EXPECT_EQ(message.find(spec.message_id), std::string::npos) << message;
  EXPECT_EQ(message.find("Message-ID:", message.find("Message-ID:") + 1), std::string::npos);
  EXPECT_EQ(message.find("Date:", message.find("Date:") + 1), std::string::npos);
}

TEST_F(TextMessageTest, GivenMessageIdOrDateOutOfFormIsADataError) {
  const std::pair<const char*, const char*> bad[] = {
      {"Message-ID", "x"},
      {"Message-ID", "<no-at-sign>"},
      {"Message-ID", "alert@example.com"},
      {"Message-ID", "<a..b@example.com>"},
      {"Message-ID", "<a@b> <c@d>"},
      {"Date", "yesterday"},
      {"Date", "2026-12-01T08:00:00Z"},
      {"Date", "Tue, 1 Dec 2026 08:00:00"},         // no zone
      {"Date", "Tue, 1 Dec 26 08:00:00 +0000"},     // two-digit year (obsolete)
      {"Date", "Tue, 1 Dec 2026 08:00:00 GMT"},     // named zone (obsolete)
      {"Date", "Wed, 1 Dec 2026 08:00:00 +0000"},   // 1 Dec 2026 is a Tuesday
      {"Date", "Tue, 31 Nov 2026 08:00:00 +0000"},  // no such day
      {"Date", "Tue, 1 Dec 2026 24:00:00 +0000"},   // no such hour
  };
  for (const auto& [name, value] : bad) {
    MessageSpec spec = base_spec();
    spec.extra_headers = {{name, value}};
    const std::string message = data_error_message(spec);
    EXPECT_NE(message.find("not in the form RFC 5322 asks"), std::string::npos)
        << name << ": " << value << " -> " << message;
  }
}

TEST_F(TextMessageTest, GivenDateMayOmitTheWeekdayAndSecondsAndEndInAComment) {
  for (const char* value : {"1 Dec 2026 08:00 +0000", "Tue,1 Dec 2026 08:00:60 +0100 (CET)",
                            "tue, 01 dec 2026 08:00:00 -0000"}) {
    MessageSpec spec = base_spec();
    spec.extra_headers = {{"Date", value}};
    EXPECT_NE(render(spec).find(std::string("Date: ") + value + "\r\n"), std::string::npos)
        << value;
  }
}

TEST_F(TextMessageTest, MessageIdGivenTwiceIsADataError) {
  MessageSpec spec = base_spec();
  spec.extra_headers = {{"Message-ID", "<a@example.com>"}, {"Message-Id", "<b@example.com>"}};
  EXPECT_NE(data_error_message(spec).find("given twice"), std::string::npos);
}

}  // namespace
}  // namespace smtpsend::mime
