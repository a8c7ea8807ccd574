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

TEST(SecretWipe, AStringIsEmptiedInPlace) {
  std::string secret(100, 's');
  const auto capacity = secret.capacity();
  wipe(secret);
  EXPECT_TRUE(secret.empty());
  // Cleared in place, not freed with the bytes still in it; what it now holds is zeros.
  EXPECT_EQ(secret.capacity(), capacity);
  secret.resize(100, 'x');
  EXPECT_EQ(secret, std::string(100, 'x'));
}

}  // namespace
}  // namespace smtpsend
