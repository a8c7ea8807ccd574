#include "cli/file_argument.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace smtpsend::cli {
namespace {

const std::vector<std::string_view> attach_keys{"type", "name"};
const std::vector<std::string_view> inline_keys{"cid"};

TEST(FileArgument, PlainPathHasNoParameters) {
  const auto argument = parse_file_argument("/var/log/syslog", "--attach", attach_keys);
  EXPECT_EQ(argument.path, "/var/log/syslog");
  EXPECT_EQ(argument.media_type, "");
  EXPECT_EQ(argument.name, "");
}

TEST(FileArgument, TrailingKeysAreTakenInAnyOrder) {
  const auto argument =
      parse_file_argument("r.bin,name=Q3 report.pdf,type=application/pdf", "--attach", attach_keys);
  EXPECT_EQ(argument.path, "r.bin");
  EXPECT_EQ(argument.media_type, "application/pdf");
  EXPECT_EQ(argument.name, "Q3 report.pdf");
}

TEST(FileArgument, CommasInTheFileNameSurvive) {
  const auto argument = parse_file_argument("a,b.txt,type=text/plain", "--attach", attach_keys);
  EXPECT_EQ(argument.path, "a,b.txt");
  EXPECT_EQ(argument.media_type, "text/plain");
  EXPECT_EQ(parse_file_argument("x,y=z.txt", "--attach", attach_keys).path, "x,y=z.txt");
}

TEST(FileArgument, KeysOfOtherOptionsAreNotRecognized) {
  const auto argument = parse_file_argument("logo.png,type=image/png", "--inline", inline_keys);
  EXPECT_EQ(argument.path, "logo.png,type=image/png");
  EXPECT_EQ(parse_file_argument("logo.png,cid=brand", "--inline", inline_keys).content_id, "brand");
}

TEST(FileArgument, EmptyPathOrValueIsAUsageError) {
  for (const char* bad : {",type=text/plain", "", "f.txt,type="}) {
    try {
      parse_file_argument(bad, "--attach", attach_keys);
      ADD_FAILURE() << bad;
    } catch (const Failure& failure) {
      EXPECT_EQ(failure.error().kind, ErrorKind::usage) << bad;
      EXPECT_NE(failure.error().message.find("--attach"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace smtpsend::cli
