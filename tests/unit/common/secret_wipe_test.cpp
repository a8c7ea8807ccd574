#include "common/secret_wipe.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>

namespace smtpsend {
namespace {

TEST(SecretWipe, ABufferIsZeroed) {
  std::array<char, 16> buffer{};
  buffer.fill('s');
  wipe(buffer);
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](char c) { return c == '\0'; }));
}

TEST(SecretWipe, AStringIsEmptiedAndKeepsItsBuffer) {
  std::string secret(100, 's');
  const char* const storage = secret.data();
  wipe(secret);
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.data(), storage);  // cleared in place, not freed with the bytes still in it
  EXPECT_TRUE(std::all_of(storage, storage + 100, [](char c) { return c == '\0'; }));
}

}  // namespace
}  // namespace smtpsend
