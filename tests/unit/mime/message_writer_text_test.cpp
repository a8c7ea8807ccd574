#include "mime/message_writer_text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <random>
#include <string>

#include "common/error.hpp"
#include "mime/quoted_printable.hpp"

namespace smtpsend::mime {
namespace {

// What the body must be: every line end CRLF, a last one added, then quoted-printable when not
// 7bit. Written the simple way, on the whole text, to check the streaming one against.
std::string normalized(const std::string& text) {
  std::string result;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      result += "\r\n";
    } else {
      result += text[i];
    }
  }
  if (!result.empty() && !result.ends_with("\r\n")) {
    result += "\r\n";
  }
  return result;
}

// Pulls the whole body with `room` octets offered each time.
std::string drain(TextBody& body, std::size_t room) {
  std::string output;
  for (int calls = 0; calls < 1'000'000; ++calls) {
    std::string chunk;
    const bool done = body.append_encoded(chunk, room);
    EXPECT_LE(chunk.size(), room + 78);
    output += chunk;
    if (done) {
      return output;
    }
  }
  ADD_FAILURE() << "the body never ended";
  return output;
}

std::string sample_text(bool ascii) {
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += "line " + std::to_string(i) +
            (ascii ? " plain"
                   : " Gr\xC3\xBC\xC3\x9F"
                     "e");
    text += i % 3 == 0 ? "\r\n" : (i % 3 == 1 ? "\n" : "\r");
    if (i % 500 == 0) {
      text += std::string(1200, 'x') + "\n";  // too long for 7bit (RFC 2045 §2.7)
    }
  }
  return text + "no line end at the end";
}

TEST(TextBody, StreamedBodyIsTheWholeBodyEncodedAtAnyRoom) {
  for (const bool ascii : {true, false}) {
    const std::string text = sample_text(ascii);
    const std::string expected = encode_quoted_printable(normalized(text));
    for (const std::size_t room : {std::size_t{300}, std::size_t{1000}, std::size_t{65536}}) {
      TextBody body(text, "UTF-8", "the message body");
      EXPECT_EQ(body.transfer_encoding(), "quoted-printable");  // the 1200-octet lines
      const std::string output = drain(body, room);
      EXPECT_EQ(output, expected) << "room " << room;
      EXPECT_EQ(body.encoded_size(), output.size());
    }
  }
}

TEST(TextBody, SevenBitTextIsSentWithCrlfLineEnds) {
  const std::string text = "one\rtwo\nthree\r\nfour\r\r\nfive";
  for (const std::size_t room : {std::size_t{256}, std::size_t{65536}}) {
    TextBody body(text, "UTF-8", "the message body");
    EXPECT_EQ(body.transfer_encoding(), "7bit");
    const std::string output = drain(body, room);
    EXPECT_EQ(output, "one\r\ntwo\r\nthree\r\nfour\r\n\r\nfive\r\n");
    EXPECT_EQ(body.encoded_size(), output.size());
  }
}

// A CRLF split between two pieces is still one line end.
TEST(TextBody, CrlfAcrossPiecesIsOneLineEnd) {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "ab\r\n";
  }
  TextBody body(text, "UTF-8", "the message body");
  const std::string output = drain(body, 257);  // pieces of 64 octets: odd splits
  EXPECT_EQ(output, text);
  EXPECT_EQ(body.encoded_size(), text.size());
}

// Line ends of every kind, anywhere, in pieces of many sizes (so a CRLF, or a CR then an LF
// that is its pair, often falls across two pieces): each becomes one CRLF, 7bit or not.
TEST(TextBody, RandomLineEndsAreNormalizedAtAnyRoom) {
  const std::string alphabet[] = {"a", "bc", "\r", "\n", "\r\n", "\r\r", "\n\r", " ", "\xC3\xA9"};
  std::mt19937 generator(998);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(alphabet) - 1);
  for (int round = 0; round < 40; ++round) {
    const bool ascii = round % 2 == 0;
    std::string text;
    for (int i = 0; i < 3000; ++i) {
      const std::size_t choice = pick(generator);
      text += ascii && choice + 1 == std::size(alphabet) ? "x" : alphabet[choice];
    }
    const std::string expected =
        ascii ? normalized(text) : encode_quoted_printable(normalized(text));
    for (const std::size_t room :
         {std::size_t{256}, 257 + static_cast<std::size_t>(round), std::size_t{4099}}) {
      TextBody body(text, "UTF-8", "the message body");
      ASSERT_EQ(body.is_7bit(), ascii);
      const std::string output = drain(body, room);
      ASSERT_EQ(output, expected) << "round " << round << ", room " << room;
      ASSERT_EQ(body.encoded_size(), output.size());
    }
  }
}

TEST(TextBody, LinesOf998AreSevenBitAnd999AreNot) {
  EXPECT_EQ(TextBody(std::string(998, 'a') + "\n", "UTF-8", "x").transfer_encoding(), "7bit");
  EXPECT_EQ(TextBody(std::string(999, 'a') + "\n", "UTF-8", "x").transfer_encoding(),
            "quoted-printable");
  EXPECT_EQ(TextBody(std::string("a\0b", 3), "UTF-8", "x").transfer_encoding(), "quoted-printable");
}

TEST(TextBody, EmptyTextIsAnEmptyBody) {
  TextBody body("", "UTF-8", "the message body");
  EXPECT_EQ(body.encoded_size(), 0U);
  EXPECT_EQ(drain(body, 65536), "");
}

TEST(TextBody, InvalidUtf8IsADataErrorNamingTheBody) {
  try {
    TextBody body("ok \xFF", "UTF-8", "the HTML body");
    FAIL() << "invalid UTF-8 accepted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_EQ(failure.error().message,
              "the HTML body is not valid UTF-8 (at byte 3); convert it to UTF-8 or declare its "
              "real charset");
  }
}

}  // namespace
}  // namespace smtpsend::mime
