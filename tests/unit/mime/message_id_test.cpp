#include "mime/message_id.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "common/error.hpp"

namespace smtpsend::mime {
namespace {

const auto november_22_2026_224510_utc =
    std::chrono::system_clock::time_point(std::chrono::seconds(1795387510));

RandomSource fixed(std::uint64_t value) {
  return [value] { return value; };
}

TEST(MessageId, TimeRandomAndDomain) {
  EXPECT_EQ(make_message_id("example.com", fixed(0x3f9a1c2b7e4d5a60), november_22_2026_224510_utc),
            "<20261122224510.3f9a1c2b7e4d5a60@example.com>");
}

TEST(MessageId, RandomPartKeepsLeadingZeros) {
  EXPECT_EQ(make_message_id("example.com", fixed(1), november_22_2026_224510_utc),
            "<20261122224510.0000000000000001@example.com>");
}

TEST(MessageId, DomainLiteralIsKept) {
  EXPECT_EQ(make_message_id("[192.0.2.1]", fixed(0), november_22_2026_224510_utc),
            "<20261122224510.0000000000000000@[192.0.2.1]>");
}

TEST(MessageId, EmptyDomainFallsBackToTheHostName) {
  EXPECT_EQ(make_message_id("", fixed(0), november_22_2026_224510_utc),
            "<20261122224510.0000000000000000@" + local_host_name() + ">");
}

TEST(MessageId, NonAsciiDomainFallsBackToTheHostName) {
  EXPECT_EQ(make_message_id("b\xC3\xBC"
                            "cher.de",
                            fixed(0), november_22_2026_224510_utc),
            "<20261122224510.0000000000000000@" + local_host_name() + ">");
}

TEST(MessageId, HostNameIsNeverEmpty) {
  EXPECT_FALSE(local_host_name().empty());
}

TEST(MessageId, IdsWithinOneSecondAreUniqueThroughTheRandomPart) {
  std::mt19937_64 generator(5322);
  const RandomSource random = [&generator] { return generator(); };
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.insert(make_message_id("example.com", random, november_22_2026_224510_utc));
  }
  EXPECT_EQ(ids.size(), 1000U);
}

TEST(MessageId, SameRandomValueGivesSameIdSoTheSourceIsWhatMatters) {
  EXPECT_EQ(make_message_id("example.com", fixed(7), november_22_2026_224510_utc),
            make_message_id("example.com", fixed(7), november_22_2026_224510_utc));
}

TEST(MessageId, MissingRandomSourceIsAnInternalError) {
  try {
    make_message_id("example.com", RandomSource{}, november_22_2026_224510_utc);
    FAIL() << "no Failure thrown";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::internal);
  }
}

}  // namespace
}  // namespace smtpsend::mime
