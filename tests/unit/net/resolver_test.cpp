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

TEST(Resolver, InternationalNamesBecomeTheirALabels) {
  EXPECT_EQ(ascii_host_name("smtp.bücher.example"), "smtp.xn--bcher-kva.example");
  EXPECT_EQ(ascii_host_name("Mail.Example.COM"), "Mail.Example.COM");
  EXPECT_EQ(ascii_host_name("[::1]"), "::1");
  // UTS #46 maps full-width forms, and the ideographic full stop separates labels.
  EXPECT_EQ(ascii_host_name("ｌｏｃａｌｈｏｓｔ"), "localhost");
  EXPECT_EQ(ascii_host_name("１２７。０。０。１"), "127.0.0.1");
}

TEST(Resolver, ANameIdnaDoesNotAllowIsAConfigurationError) {
  try {
    ascii_host_name(
        "a\xe2\x80\x8d"
        "b.example");
    FAIL() << "converted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("check the server name"), std::string::npos)
        << failure.error().message;
  }
}

TEST(Resolver, DescribesAnInternationalNameInBothForms) {
  EXPECT_EQ(describe_host("smtp.bücher.example"),
            "'smtp.bücher.example' (smtp.xn--bcher-kva.example)");
  EXPECT_EQ(describe_host("localhost"), "'localhost'");
  EXPECT_EQ(describe_host("[::1]"), "'::1'");
}

TEST(Resolver, InternationalNameIsLookedUpAsItsALabel) {
  // getaddrinfo finds "localhost" on any system; the full-width form only once converted.
  auto endpoints = resolve("ｌｏｃａｌｈｏｓｔ", 2525);
  ASSERT_FALSE(endpoints.empty());
  for (const Endpoint& endpoint : endpoints) {
    EXPECT_TRUE(endpoint.text == "127.0.0.1:2525" || endpoint.text == "[::1]:2525")
        << endpoint.text;
  }
  auto numeric = resolve("１２７。０。０。１", 25);
  ASSERT_EQ(numeric.size(), 1u);
  EXPECT_EQ(numeric[0].text, "127.0.0.1:25");
}

TEST(Resolver, FailureNamesAnInternationalNameInBothForms) {
  try {
    resolve("smtp.bücher.invalid", 25);
    FAIL() << "resolved a name under .invalid";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::no_host);
    EXPECT_EQ(failure.error().message.rfind(
                  "cannot resolve 'smtp.bücher.invalid' (smtp.xn--bcher-kva.invalid): ", 0),
              0u)
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
