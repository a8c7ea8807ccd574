#include "common/idna.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace smtpsend {
namespace {

// A ZERO WIDTH JOINER outside the context IDNA2008 allows it in.
constexpr const char* disallowed_name =
    "a\xe2\x80\x8d"
    "b.example";

TEST(DomainToAscii, AsciiDomainsAreUnchanged) {
  EXPECT_EQ(domain_to_ascii("Example.ORG"), "Example.ORG");
  EXPECT_EQ(domain_to_ascii("under_score.example"), "under_score.example");
}

TEST(DomainToAscii, NonAsciiDomainsBecomeALabels) {
  EXPECT_EQ(domain_to_ascii("bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(domain_to_ascii("例え.テスト"), "xn--r8jz45g.xn--zckzah");
}

TEST(DomainToAscii, NonTransitionalProcessingKeepsSharpS) {
  EXPECT_EQ(domain_to_ascii("straße.de"), "xn--strae-oqa.de");
}

TEST(DomainToAscii, Uts46MapsFullWidthFormsToAscii) {
  // UTS #46 §4 maps full-width letters and the ideographic full stop before the conversion.
  EXPECT_EQ(domain_to_ascii("ｌｏｃａｌｈｏｓｔ"), "localhost");
  EXPECT_EQ(domain_to_ascii("Bücher。Example"), "xn--bcher-kva.example");
}

TEST(DomainToAscii, DisallowedNamesAreDataErrors) {
  try {
    domain_to_ascii(disallowed_name);
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_NE(failure.error().message.find("invalid international domain name"), std::string::npos);
  }
}

TEST(DomainToAscii, TheCallerChoosesTheKindAndAdviceOfTheFailure) {
  try {
    domain_to_ascii(disallowed_name, ErrorKind::config, "check --server");
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_EQ(failure.error().message.rfind(
                  std::string("invalid international domain name '") + disallowed_name + "': ", 0),
              0u)
        << failure.error().message;
    EXPECT_TRUE(failure.error().message.ends_with("; check --server")) << failure.error().message;
  }
}

}  // namespace
}  // namespace smtpsend
