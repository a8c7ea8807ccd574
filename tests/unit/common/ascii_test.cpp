#include "common/ascii.hpp"

#include <gtest/gtest.h>

namespace smtpsend {
namespace {

TEST(Ascii, AsciiIsAscii) {
  EXPECT_TRUE(is_ascii("plain text\t\r\n"));
  EXPECT_TRUE(is_ascii(""));
  EXPECT_FALSE(is_ascii("caf\xC3\xA9"));
}

}  // namespace
}  // namespace smtpsend
