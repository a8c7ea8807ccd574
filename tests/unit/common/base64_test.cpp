#include "common/base64.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "../mime/mime_test_decoders.hpp"

namespace smtpsend {
namespace {

using mime::testing::split_crlf_lines;

std::string encode_wrapped(std::string_view input) {
  Base64LineEncoder encoder;
  std::string output;
  encoder.feed(input, output);
  encoder.finish(output);
  return output;
}

std::string random_bytes(std::size_t count, std::mt19937& generator) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(count, '\0');
  for (auto& c : bytes) {
    c = static_cast<char>(byte(generator));
  }
  return bytes;
}

// Every line but the last is exactly 76 characters, none is longer, and the whole decodes (with
// the tests' own decoder, independent of the one under test) to `input`.
void expect_wrapped_encoding_of(std::string_view input, const std::string& output) {
  const auto lines = split_crlf_lines(output);
  std::string joined;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ASSERT_LE(lines[i].size(), base64_line_length) << "line " << i;
    if (i + 1 < lines.size()) {
      ASSERT_EQ(lines[i].size(), base64_line_length) << "line " << i;
    }
    joined += lines[i];
  }
  ASSERT_EQ(mime::testing::decode_base64(joined), input);
}

// RFC 4648 §10.
TEST(Base64, EncodesTheRfc4648TestVectors) {
  EXPECT_EQ(encode_base64(""), "");
  EXPECT_EQ(encode_base64("f"), "Zg==");
  EXPECT_EQ(encode_base64("fo"), "Zm8=");
  EXPECT_EQ(encode_base64("foo"), "Zm9v");
  EXPECT_EQ(encode_base64("foob"), "Zm9vYg==");
  EXPECT_EQ(encode_base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode_base64("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesTheRfc4648TestVectors) {
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("Zg=="), "f");
  EXPECT_EQ(decode_base64("Zm8="), "fo");
  EXPECT_EQ(decode_base64("Zm9v"), "foo");
  EXPECT_EQ(decode_base64("Zm9vYg=="), "foob");
  EXPECT_EQ(decode_base64("Zm9vYmE="), "fooba");
  EXPECT_EQ(decode_base64("Zm9vYmFy"), "foobar");
}

TEST(Base64, EveryOctetValueAndTheWholeAlphabet) {
  std::string all(256, '\0');
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<char>(i);
  }
  const std::string encoded = encode_base64(all);
  EXPECT_EQ(encoded.substr(0, 64),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v");
  EXPECT_EQ(mime::testing::decode_base64(encoded), all);
  EXPECT_EQ(decode_base64(encoded), all);
  EXPECT_EQ(encode_base64("\xFB\xFF\xBF"), "+/+/");
}

TEST(Base64, EncodedLengthMatchesOutput) {
  for (std::size_t n = 0; n < 10; ++n) {
    EXPECT_EQ(base64_encoded_length(n), encode_base64(std::string(n, 'x')).size());
  }
}

TEST(Base64, LongInputHasNoLineBreaks) {
  const std::string encoded = encode_base64(std::string(300, 'x'));
  EXPECT_EQ(400U, encoded.size());
  EXPECT_EQ(std::string::npos, encoded.find_first_of("\r\n"));
}

TEST(Base64, AppendKeepsWhatTheOutputHeld) {
  std::string output = "AUTH PLAIN ";
  append_base64("foobar", output);
  append_base64("", output);
  append_base64("f", output);
  EXPECT_EQ(output, "AUTH PLAIN Zm9vYmFyZg==");
}

TEST(Base64, DecodesWhatItEncodesIncludingNulBytes) {
  const std::string binary("\0user\0p\xffss", 11);
  EXPECT_EQ(binary, decode_base64(encode_base64(binary)));
}

TEST(Base64, InvalidInputDecodesToNothing) {
  EXPECT_FALSE(decode_base64("VXNl*cm5hbWU6").has_value());
}

TEST(Base64, DecoderSkipsFoldingWhitespace) {
  EXPECT_EQ(decode_base64("Zm9v\r\nYmFy"), "foobar");
  EXPECT_EQ(decode_base64(" Zm 9v\tYg==\n"), "foob");
}

TEST(Base64, DecoderRefusesMalformedInput) {
  EXPECT_FALSE(decode_base64("Zm8").has_value()) << "padding missing";
  EXPECT_FALSE(decode_base64("Z").has_value()) << "a lone character";
  EXPECT_FALSE(decode_base64("Z===").has_value()) << "three padding characters";
  // 'A' is 0, so only the padding rule refuses this one (with 'v' its bits would too).
  EXPECT_FALSE(decode_base64("Zm=A").has_value()) << "data after padding in a group";
  EXPECT_FALSE(decode_base64("Zm8=Zm8=").has_value()) << "a group after a padded one";
  EXPECT_FALSE(decode_base64("Zm9vYmFy=").has_value()) << "padding after whole groups";
  EXPECT_FALSE(decode_base64("Zm9=").has_value()) << "padded-out bits that are not zero";
  EXPECT_FALSE(decode_base64("Zh==").has_value()) << "padded-out bits that are not zero";
  EXPECT_FALSE(decode_base64("Zm9v-_").has_value()) << "the URL-safe alphabet";
  EXPECT_FALSE(decode_base64(std::string_view("Zm\0v", 4)).has_value()) << "NUL";
}

TEST(Base64LineEncoder, EmptyInputGivesNoOutput) {
  EXPECT_EQ(encode_wrapped(""), "");
  Base64LineEncoder encoder;
  std::string output;
  encoder.feed("", output);
  encoder.feed("", output);
  encoder.finish(output);
  EXPECT_EQ(output, "");
}

TEST(Base64LineEncoder, ShortInputIsOneLineWithCrlf) {
  EXPECT_EQ(encode_wrapped("foobar"), "Zm9vYmFy\r\n");
}

TEST(Base64LineEncoder, FiftySevenBytesFillExactlyOneLine) {
  EXPECT_EQ(encode_wrapped(std::string(57, '\xFF')), std::string(76, '/') + "\r\n");
}

TEST(Base64LineEncoder, FiftyEightBytesStartASecondLine) {
  EXPECT_EQ(encode_wrapped(std::string(58, '\xFF')), std::string(76, '/') + "\r\n" + "/w==\r\n");
}

TEST(Base64LineEncoder, LinesWrapAtExactlySeventySixCharacters) {
  const std::string line = std::string(76, '/') + "\r\n";
  EXPECT_EQ(encode_wrapped(std::string(3 * 57, '\xFF')), line + line + line);
  EXPECT_EQ(encode_wrapped(std::string(3 * 57 + 1, '\xFF')), line + line + line + "/w==\r\n");
  EXPECT_EQ(encode_wrapped(std::string(3 * 57 + 2, '\xFF')), line + line + line + "//8=\r\n");
  EXPECT_EQ(encode_wrapped(std::string(57 - 1, '\xFF')), std::string(72, '/') + "//8=\r\n");
}

// Output goes out as soon as a group is complete; only the 0-2 octets short of a group wait, and
// the line goes on where the last piece left it.
TEST(Base64LineEncoder, FeedAppendsEveryCompleteGroupAndKeepsTheRest) {
  Base64LineEncoder encoder;
  std::string output;
  encoder.feed(std::string(56, '\xFF'), output);
  EXPECT_EQ(output, std::string(72, '/'));
  encoder.feed("\xFF", output);
  EXPECT_EQ(output, std::string(76, '/') + "\r\n");
  encoder.feed("\xFF", output);
  EXPECT_EQ(output, std::string(76, '/') + "\r\n");
  encoder.finish(output);
  EXPECT_EQ(output, std::string(76, '/') + "\r\n" + "/w==\r\n");
}

TEST(Base64LineEncoder, LeftoversAtTheEndArePadded) {
  for (const auto& [input, expected] :
       std::vector<std::pair<std::string, std::string>>{{"f", "Zg==\r\n"},
                                                        {"fo", "Zm8=\r\n"},
                                                        {"foo", "Zm9v\r\n"},
                                                        {"foob", "Zm9vYg==\r\n"},
                                                        {"fooba", "Zm9vYmE=\r\n"}}) {
    Base64LineEncoder encoder;
    std::string output;
    for (const char c : input) {
      encoder.feed(std::string_view(&c, 1), output);
    }
    encoder.finish(output);
    EXPECT_EQ(output, expected) << input;
  }
}

// The second use starts a fresh line: 57 octets fill exactly one, whatever the first use left.
TEST(Base64LineEncoder, EncoderIsReusableAfterFinish) {
  Base64LineEncoder encoder;
  std::string first;
  encoder.feed("fo", first);
  encoder.finish(first);
  std::string second;
  encoder.feed(std::string(57, '\xFF'), second);
  encoder.finish(second);
  EXPECT_EQ(first, "Zm8=\r\n");
  EXPECT_EQ(second, std::string(76, '/') + "\r\n");
}

TEST(Base64LineEncoder, WrappedLengthMatchesOutput) {
  EXPECT_EQ(base64_wrapped_length(0), 0U);
  EXPECT_EQ(base64_wrapped_length(1), 6U);
  EXPECT_EQ(base64_wrapped_length(57), 78U);
  EXPECT_EQ(base64_wrapped_length(58), 78U + 6U);
  EXPECT_EQ(base64_wrapped_length(114), 156U);
  for (std::size_t n = 0; n < 400; ++n) {
    EXPECT_EQ(base64_wrapped_length(n), encode_wrapped(std::string(n, 'x')).size()) << n;
  }
}

// Input split in two, and in three, at every possible place, and fed a byte at a time: the
// output is always the same as from one piece.
TEST(Base64LineEncoder, EverySplitOfTheInputGivesTheSameOutput) {
  std::mt19937 generator(20261202);
  const std::string input = random_bytes(3 * 57 + 2, generator);
  const std::string whole = encode_wrapped(input);
  expect_wrapped_encoding_of(input, whole);
  const std::string_view view = input;
  for (std::size_t i = 0; i <= input.size(); ++i) {
    for (std::size_t j = i; j <= input.size(); ++j) {
      Base64LineEncoder encoder;
      std::string output;
      encoder.feed(view.substr(0, i), output);
      encoder.feed(view.substr(i, j - i), output);
      encoder.feed(view.substr(j), output);
      encoder.finish(output);
      ASSERT_EQ(output, whole) << "split at " << i << " and " << j;
    }
  }
  Base64LineEncoder encoder;
  std::string output;
  for (const char c : input) {
    encoder.feed(std::string_view(&c, 1), output);
  }
  encoder.finish(output);
  EXPECT_EQ(output, whole);
}

// Random data in random chunk sizes: decoding the joined lines gives the input back, every line
// but the last is exactly 76 characters, and chunking never changes the output.
TEST(Base64LineEncoder, RandomRoundTripsInRandomChunks) {
  std::mt19937 generator(20261122);
  std::uniform_int_distribution<std::size_t> length(0, 2000);
  for (int round = 0; round < 200; ++round) {
    const std::string input = random_bytes(length(generator), generator);
    Base64LineEncoder encoder;
    std::string output;
    std::size_t position = 0;
    while (position < input.size()) {
      const std::size_t chunk = std::min(
          input.size() - position, std::uniform_int_distribution<std::size_t>(0, 100)(generator));
      encoder.feed(std::string_view(input).substr(position, chunk), output);
      position += chunk;
    }
    encoder.finish(output);
    ASSERT_EQ(output, encode_wrapped(input));
    expect_wrapped_encoding_of(input, output);
  }
}

// A few MiB in pieces the size the message writer reads (and one odd size, so pieces end
// mid-group and mid-line), back through both decoders.
TEST(Base64LineEncoder, LargeRandomInputRoundTrips) {
  std::mt19937 generator(50);
  const std::string input = random_bytes(std::size_t{3} * 1024 * 1024 + 1, generator);
  for (const std::size_t piece : {std::size_t{64} * 1024 / 78 * 57, std::size_t{65521}}) {
    Base64LineEncoder encoder;
    std::string output;
    for (std::size_t position = 0; position < input.size(); position += piece) {
      encoder.feed(std::string_view(input).substr(position, piece), output);
    }
    encoder.finish(output);
    ASSERT_EQ(output.size(), base64_wrapped_length(input.size()));
    expect_wrapped_encoding_of(input, output);
    const auto decoded = decode_base64(output);
    ASSERT_TRUE(decoded.has_value());
    ASSERT_TRUE(*decoded == input);
  }
}

}  // namespace
}  // namespace smtpsend
