#include "mime/base64.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mime_test_decoders.hpp"

namespace smtpsend::mime {
namespace {

std::string encode_whole(std::string_view input) {
  Base64Encoder encoder;
  std::string output;
  encoder.feed(input, output);
  encoder.finish(output);
  return output;
}

TEST(Base64, Rfc4648TestVectors) {
  EXPECT_EQ(encode_base64_unwrapped(""), "");
  EXPECT_EQ(encode_base64_unwrapped("f"), "Zg==");
  EXPECT_EQ(encode_base64_unwrapped("fo"), "Zm8=");
  EXPECT_EQ(encode_base64_unwrapped("foo"), "Zm9v");
  EXPECT_EQ(encode_base64_unwrapped("foob"), "Zm9vYg==");
  EXPECT_EQ(encode_base64_unwrapped("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode_base64_unwrapped("foobar"), "Zm9vYmFy");
}

TEST(Base64, EncodedLengthMatchesOutput) {
  for (std::size_t n = 0; n < 10; ++n) {
    EXPECT_EQ(base64_encoded_length(n), encode_base64_unwrapped(std::string(n, 'x')).size());
  }
}

TEST(Base64, EmptyInputGivesNoOutput) {
  EXPECT_EQ(encode_whole(""), "");
}

TEST(Base64, ShortInputIsOneLineWithCrlf) {
  EXPECT_EQ(encode_whole("foobar"), "Zm9vYmFy\r\n");
}

TEST(Base64, FiftySevenBytesFillExactlyOneLine) {
  const std::string output = encode_whole(std::string(57, '\xFF'));
  EXPECT_EQ(output, std::string(76, '/') + "\r\n");
}

TEST(Base64, FiftyEightBytesStartASecondLine) {
  const std::string output = encode_whole(std::string(58, '\xFF'));
  EXPECT_EQ(output, std::string(76, '/') + "\r\n" + "/w==\r\n");
}

TEST(Base64, FeedEmitsOnlyCompleteLines) {
  Base64Encoder encoder;
  std::string output;
  encoder.feed(std::string(56, 'a'), output);
  EXPECT_EQ(output, "");
  encoder.feed("a", output);
  EXPECT_EQ(output.size(), 78U);
}

TEST(Base64, EncoderIsReusableAfterFinish) {
  Base64Encoder encoder;
  std::string first;
  encoder.feed("fo", first);
  encoder.finish(first);
  std::string second;
  encoder.feed("foobar", second);
  encoder.finish(second);
  EXPECT_EQ(first, "Zm8=\r\n");
  EXPECT_EQ(second, "Zm9vYmFy\r\n");
}

// Random data in random chunk sizes: decoding the joined lines gives the input back, every line
// but the last is exactly 76 characters, and chunking never changes the output.
TEST(Base64, RandomRoundTripsInRandomChunks) {
  std::mt19937 generator(20261122);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 2000);
  for (int round = 0; round < 200; ++round) {
    std::string input(length(generator), '\0');
    for (auto& c : input) {
      c = static_cast<char>(byte(generator));
    }
    Base64Encoder encoder;
    std::string output;
    std::size_t position = 0;
    while (position < input.size()) {
      const std::size_t chunk = std::min(
          input.size() - position, std::uniform_int_distribution<std::size_t>(0, 100)(generator));
      encoder.feed(std::string_view(input).substr(position, chunk), output);
      position += chunk;
    }
    encoder.finish(output);
    ASSERT_EQ(output, encode_whole(input));

    const auto lines = testing::split_crlf_lines(output);
    std::string joined;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      ASSERT_LE(lines[i].size(), base64_line_length);
      if (i + 1 < lines.size()) {
        ASSERT_EQ(lines[i].size(), base64_line_length);
      }
      joined += lines[i];
    }
    ASSERT_EQ(testing::decode_base64(joined), input);
  }
}

}  // namespace
}  // namespace smtpsend::mime
