#include "mime/idna.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace smtpsend::mime {
namespace {

TEST(WithAsciiDomain, ConvertsOnlyTheDomain) {
  const Mailbox converted = with_ascii_domain({"Jörg", "jörg@bücher.example"});
  EXPECT_EQ(converted.display_name, "Jörg");
  EXPECT_EQ(converted.address, "jörg@xn--bcher-kva.example");
}

TEST(WithAsciiDomain, LeavesDomainLiteralsAlone) {
  EXPECT_EQ(with_ascii_domain({"", "root@[192.0.2.1]"}).address, "root@[192.0.2.1]");
}

TEST(WithAsciiDomain, DisallowedDomainsAreDataErrors) {
  try {
    with_ascii_domain({"",
                       "x@a\xe2\x80\x8d"
                       "b.example"});
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
  }
}

}  // namespace
}  // namespace smtpsend::mime
