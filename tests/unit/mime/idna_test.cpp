#include "mime/idna.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace smtpsend::mime {
namespace {

TEST(DomainToAscii, AsciiDomainsAreUnchanged) {
  EXPECT_EQ(domain_to_ascii("Example.ORG"), "Example.ORG");
}

TEST(DomainToAscii, NonAsciiDomainsBecomeALabels) {
  EXPECT_EQ(domain_to_ascii("bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(domain_to_ascii("例え.テスト"), "xn--r8jz45g.xn--zckzah");
}

TEST(DomainToAscii, NonTransitionalProcessingKeepsSharpS) {
  EXPECT_EQ(domain_to_ascii("straße.de"), "xn--strae-oqa.de");
}

TEST(DomainToAscii, DisallowedNamesAreDataErrors) {
  try {
    domain_to_ascii(
        "a\xe2\x80\x8d"
        "b.example");  // a ZERO WIDTH JOINER outside its context
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    EXPECT_NE(failure.error().message.find("invalid international domain name"), std::string::npos);
  }
}

TEST(WithAsciiDomain, ConvertsOnlyTheDomain) {
  const Mailbox converted = with_ascii_domain({"Jörg", "jörg@bücher.example"});
  EXPECT_EQ(converted.display_name, "Jörg");
  EXPECT_EQ(converted.address, "jörg@xn--bcher-kva.example");
}

TEST(WithAsciiDomain, LeavesDomainLiteralsAlone) {
  EXPECT_EQ(with_ascii_domain({"", "root@[192.0.2.1]"}).address, "root@[192.0.2.1]");
}

}  // namespace
}  // namespace smtpsend::mime
