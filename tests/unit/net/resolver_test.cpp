#include "net/resolver.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace smtpsend::net {
namespace {

TEST(Resolver, RecognisesIpLiterals) {
  EXPECT_TRUE(is_ip_literal("127.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_TRUE(is_ip_literal("[2001:db8::25]"));
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_ip_literal("mail.example.com"));
  EXPECT_FALSE(is_ip_literal("127.0.0.1.example"));
  EXPECT_FALSE(is_ip_literal(""));
}

TEST(Resolver, StripsTheBracketsOfAnIpv6Literal) {
  EXPECT_EQ(strip_brackets("[::1]"), "::1");
  EXPECT_EQ(strip_brackets("::1"), "::1");
  EXPECT_EQ(strip_brackets("mail.example.com"), "mail.example.com");
  EXPECT_EQ(strip_brackets("["), "[");
}

TEST(Resolver, NumericIpv4AddressResolvesToItself) {
  auto endpoints = resolve("127.0.0.1", 2525);
  ASSERT_EQ(endpoints.size(), 1u);
  EXPECT_EQ(endpoints[0].family, AF_INET);
  EXPECT_EQ(endpoints[0].text, "127.0.0.1:2525");
}

TEST(Resolver, NumericIpv6AddressResolvesToItselfWithOrWithoutBrackets) {
  for (const char* host : {"::1", "[::1]"}) {
    auto endpoints = resolve(host, 587);
    ASSERT_EQ(endpoints.size(), 1u) << host;
    EXPECT_EQ(endpoints[0].family, AF_INET6) << host;
    EXPECT_EQ(endpoints[0].text, "[::1]:587") << host;
  }
}

TEST(Resolver, NameUnderDotInvalidIsNoHost) {
  try {
    resolve("nothing-here.invalid", 25);
    FAIL() << "resolved a name under .invalid";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::no_host);
    EXPECT_EQ(failure.error().message.rfind("cannot resolve 'nothing-here.invalid': ", 0), 0u)
        << failure.error().message;
  }
}

TEST(Resolver, EmptyHostIsAConfigurationError) {
  try {
    resolve("", 25);
    FAIL() << "resolved an empty name";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
  }
}

}  // namespace
}  // namespace smtpsend::net
