#include "smtp/base64.hpp"

#include <gtest/gtest.h>

namespace smtpsend::smtp {
namespace {

TEST(Base64, EncodesTheRfc4648TestVectors) {
  EXPECT_EQ("", base64_encode(""));
  EXPECT_EQ("Zg==", base64_encode("f"));
  EXPECT_EQ("Zm8=", base64_encode("fo"));
  EXPECT_EQ("Zm9v", base64_encode("foo"));
  EXPECT_EQ("Zm9vYg==", base64_encode("foob"));
  EXPECT_EQ("Zm9vYmE=", base64_encode("fooba"));
  EXPECT_EQ("Zm9vYmFy", base64_encode("foobar"));
}

TEST(Base64, LongInputHasNoLineBreaks) {
  const std::string encoded = base64_encode(std::string(300, 'x'));
  EXPECT_EQ(400u, encoded.size());
  EXPECT_EQ(std::string::npos, encoded.find_first_of("\r\n"));
}

TEST(Base64, DecodesWhatItEncodesIncludingNulBytes) {
  const std::string binary("\0user\0p\xffss", 11);
  EXPECT_EQ(binary, base64_decode(base64_encode(binary)));
}

TEST(Base64, InvalidInputDecodesToNothing) {
  EXPECT_FALSE(base64_decode("VXNl*cm5hbWU6").has_value());
}

}  // namespace
}  // namespace smtpsend::smtp
