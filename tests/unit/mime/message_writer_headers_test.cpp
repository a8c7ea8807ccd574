#include "mime/message_writer_headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "common/error.hpp"

namespace smtpsend::mime {
namespace {

// The message's header fields with one extra header.
std::string headers_with(const std::string& name, const std::string& value) {
  MessageSpec spec;
  spec.from = {"", "ann@example.com"};
  spec.to = {{"", "bob@example.org"}};
  spec.extra_headers = {{name, value}};
  return format_message_headers(spec);
}

// The field as format_message_headers wrote it: from "Name:" to the CRLF before the next field.
std::string field_of(const std::string& headers, const std::string& name) {
  const std::size_t start = headers.find("\r\n" + name + ":");
  if (start == std::string::npos) {
    return {};
  }
  std::size_t end = start + 2;
  do {
    end = headers.find("\r\n", end) + 2;
  } while (end < headers.size() && (headers[end] == ' ' || headers[end] == '\t'));
  return headers.substr(start + 2, end - start - 2);
}

Error failure_with(const std::string& name, const std::string& value) {
  try {
    headers_with(name, value);
  } catch (const Failure& failure) {
    return failure.error();
  }
  ADD_FAILURE() << "no Failure for " << name << ": " << value;
  return {};
}

TEST(MessageWriterHeaders, ControlCharactersInExtraHeaderValuesAreDataErrors) {
  for (const std::string& value : {std::string("red \x1B[31m text"), std::string("bell\x07"),
                                   std::string("del\x7F"), std::string("Gr\xC3\xBC\xC3\x9F\x1B")}) {
    const Error error = failure_with("X-Note", value);
    EXPECT_EQ(error.kind, ErrorKind::data);
    EXPECT_NE(error.message.find("X-Note"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("control character"), std::string::npos) << error.message;
  }
}

// RFC 5322 §3.6.3, §3.6.6: a Bcc or Resent-Bcc field would show its hidden recipients to all.
TEST(MessageWriterHeaders, BccAndResentBccExtraHeadersAreRefused) {
  for (const char* name : {"Bcc", "Resent-Bcc", "resent-bcc"}) {
    const Error error = failure_with(name, "hidden@example.net");
    EXPECT_EQ(error.kind, ErrorKind::data) << name;
    EXPECT_EQ(error.message, "extra header '" + std::string(name) +
                                 "' would show its hidden recipients to everyone; give them with "
                                 "-b/--bcc instead");
  }
}

TEST(MessageWriterHeaders, TabInExtraHeaderValueIsKept) {
  EXPECT_EQ(field_of(headers_with("X-Note", "a\tb"), "X-Note"), "X-Note: a\tb\r\n");
}

TEST(MessageWriterHeaders, AsciiStructuredValuesAreUsedAsGiven) {
  EXPECT_EQ(field_of(headers_with("In-Reply-To", "<a.b@example.com>"), "In-Reply-To"),
            "In-Reply-To: <a.b@example.com>\r\n");
  EXPECT_EQ(field_of(headers_with("Sender", "Team: a@example.com;"), "Sender"),
            "Sender: Team: a@example.com;\r\n");
}

TEST(MessageWriterHeaders, NonAsciiAddressHeaderEncodesOnlyTheDisplayName) {
  EXPECT_EQ(field_of(headers_with("Sender", "J\xC3\xBCrgen <j@example.com>"), "Sender"),
            "Sender: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>\r\n");
  EXPECT_EQ(
      field_of(headers_with("Resent-To", "Ren\xC3\xA9 <r@example.com>, \"Lee, Bo\" <b@x.org>"),
               "Resent-To"),
      "Resent-To: =?UTF-8?B?UmVuw6k=?= <r@example.com>, \"Lee, Bo\" <b@x.org>\r\n");
  // Whole-value encoding would put the address inside the encoded word, or encoded words inside
  // a quoted-string, where RFC 2047 §5(3) does not allow them.
  EXPECT_EQ(field_of(headers_with("Sender", "J\xC3\xBCrgen<j@example.com>"), "Sender"),
            "Sender: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>\r\n");
  EXPECT_EQ(field_of(headers_with("Sender", "\"M\xC3\xBCller, J\xC3\xBCrgen\" <j@example.com>"),
                     "Sender"),
            "Sender: =?UTF-8?B?TcO8bGxlciwgSsO8cmdlbg==?= <j@example.com>\r\n");
  EXPECT_EQ(field_of(headers_with("disposition-notification-to", "\xC3\x85sa <a@example.com>"),
                     "disposition-notification-to"),
            "disposition-notification-to: =?UTF-8?Q?=C3=85sa?= <a@example.com>\r\n");
}

TEST(MessageWriterHeaders, NonAsciiAddressInAnExtraAddressHeaderIsADataError) {
  const Error error = failure_with("Sender", "J\xC3\xBCrgen <j\xC3\xBC@example.com>");
  EXPECT_EQ(error.kind, ErrorKind::data);
  EXPECT_NE(error.message.find("Sender"), std::string::npos) << error.message;
}

TEST(MessageWriterHeaders, InvalidNonAsciiAddressHeaderIsADataError) {
  EXPECT_EQ(failure_with("Resent-From", "J\xC3\xBCrgen <unterminated").kind, ErrorKind::data);
}

TEST(MessageWriterHeaders, NonAsciiValuesOfIdPathAndUrlHeadersAreDataErrors) {
  for (const char* name : {"In-Reply-To", "References", "Resent-Message-ID", "Original-Message-ID",
                           "Return-Path", "List-Unsubscribe", "list-id"}) {
    const Error error = failure_with(name, "<caf\xC3\xA9@example.com>");
    EXPECT_EQ(error.kind, ErrorKind::data) << name;
    EXPECT_NE(error.message.find(name), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("ASCII"), std::string::npos) << error.message;
  }
}

TEST(MessageWriterHeaders, NonAsciiUnstructuredValuesBecomeEncodedWords) {
  for (const char* name : {"X-Note", "Comments", "Keywords", "Organization"}) {
    EXPECT_EQ(field_of(headers_with(name, "Caf\xC3\xA9 Z\xC3\xBCrich"), name),
              std::string(name) + ": =?UTF-8?B?Q2Fmw6kgWsO8cmljaA==?=\r\n")
        << name;
  }
}

}  // namespace
}  // namespace smtpsend::mime
