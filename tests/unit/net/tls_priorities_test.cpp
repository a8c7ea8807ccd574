#include "net/tls_priorities.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"

namespace smtpsend::net {
namespace {

std::vector<gnutls_protocol_t> versions_of(const std::string& user_priorities) {
  return enabled_versions(load_priorities(user_priorities).get());
}

TEST(EffectivePriorities, NoUserStringGivesTheBuiltInOne) {
  EXPECT_EQ(effective_priorities(""), tls_priority);
}

TEST(EffectivePriorities, AStringThatDoesNotNameOldVersionsLosesThem) {
  EXPECT_EQ(effective_priorities("NORMAL"), "NORMAL:-VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0");
  EXPECT_EQ(effective_priorities("NORMAL:-VERS-ALL:+VERS-TLS1.3"),
            "NORMAL:-VERS-ALL:+VERS-TLS1.3:-VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0");
}

TEST(EffectivePriorities, AnOldVersionNamedWithPlusStaysAndTheOthersGo) {
  EXPECT_EQ(effective_priorities("NORMAL:+VERS-TLS1.1"),
            "NORMAL:+VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0");
  EXPECT_EQ(effective_priorities("NORMAL:+vers-tls1.0"),
            "NORMAL:+vers-tls1.0:-VERS-TLS1.1:-VERS-SSL3.0");
}

TEST(EffectivePriorities, EveryVersionAskedForKeepsTheStringAsItIs) {
  EXPECT_EQ(effective_priorities("NORMAL:+VERS-ALL"), "NORMAL:+VERS-ALL");
  EXPECT_EQ(effective_priorities("NORMAL:+VERS-TLS-ALL"), "NORMAL:+VERS-TLS-ALL");
}

TEST(EffectivePriorities, RemovingOrMentioningInPassingIsNotAskingFor) {
  // "-VERS-TLS1.1" removes it; only a whole "+VERS-..." element asks for a version.
  EXPECT_EQ(effective_priorities("NORMAL:-VERS-TLS1.1"),
            "NORMAL:-VERS-TLS1.1:-VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0");
  EXPECT_EQ(effective_priorities("NORMAL:+VERS-TLS1.12"),
            "NORMAL:+VERS-TLS1.12:-VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0");
}

TEST(LoadPriorities, NormalOffersNothingOlderThanTls12) {
  // The finding: GnuTLS's NORMAL on its own still enables TLS 1.0 and 1.1.
  EXPECT_EQ(versions_of("NORMAL"), (std::vector{GNUTLS_TLS1_3, GNUTLS_TLS1_2}));
  EXPECT_EQ(versions_of(""), (std::vector{GNUTLS_TLS1_3, GNUTLS_TLS1_2}));
}

TEST(LoadPriorities, AnOldVersionNamedExplicitlyIsOffered) {
  EXPECT_EQ(versions_of("NORMAL:+VERS-TLS1.1"),
            (std::vector{GNUTLS_TLS1_3, GNUTLS_TLS1_2, GNUTLS_TLS1_1}));
}

TEST(LoadPriorities, ABadUserStringIsAConfigErrorGivingThePositionInIt) {
  try {
    load_priorities("NORMAL:+BOGUS-THING");
    ADD_FAILURE() << "accepted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("the TLS priority string 'NORMAL:+BOGUS-THING' is "
                                           "rejected at character 8 ('+BOGUS-THING')"),
              std::string::npos)
        << failure.error().message;
  }
}

TEST(VersionName, ReadsAsPeopleWriteIt) {
  EXPECT_EQ(version_name(GNUTLS_TLS1_1), "TLS 1.1");
  EXPECT_EQ(version_name(GNUTLS_SSL3), "SSL 3.0");
  EXPECT_TRUE(is_deprecated_version(GNUTLS_TLS1_0));
  EXPECT_FALSE(is_deprecated_version(GNUTLS_TLS1_2));
}

}  // namespace
}  // namespace smtpsend::net
