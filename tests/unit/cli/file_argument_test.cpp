#include "cli/file_argument.hpp"

#include <gtest/gtest.h>

#include "../mime/mime_test_entities.hpp"
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

std::string usage_error_of(std::string_view text, std::string_view option,
                           const std::vector<std::string_view>& keys) {
  try {
    parse_file_argument(text, option, keys);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::usage) << text;
    return failure.error().message;
  }
  ADD_FAILURE() << "no usage error for " << text;
  return {};
}

// A piece without '=' is part of the file name, wherever it is.
TEST(FileArgument, CommasInTheFileNameSurvive) {
  const auto argument = parse_file_argument("a,b.txt,type=text/plain", "--attach", attach_keys);
  EXPECT_EQ(argument.path, "a,b.txt");
  EXPECT_EQ(argument.media_type, "text/plain");
  EXPECT_EQ(parse_file_argument("report,v2.pdf", "--attach", attach_keys).path, "report,v2.pdf");
}

TEST(FileArgument, DoubledCommaIsACommaInAValueOrTheFileName) {
  const auto argument = parse_file_argument("data.csv,name=a,,b.csv", "--attach", attach_keys);
  EXPECT_EQ(argument.path, "data.csv");
  EXPECT_EQ(argument.name, "a,b.csv");
  EXPECT_EQ(parse_file_argument("x,,y=z.txt,name=n", "--attach", attach_keys).path, "x,y=z.txt");
  EXPECT_EQ(parse_file_argument("report,,v2.pdf", "--attach", attach_keys).path, "report,v2.pdf");
}

TEST(FileArgument, UnknownParameterIsAUsageErrorNamingTheAllowedOnes) {
  EXPECT_EQ(usage_error_of("r.pdf,nmae=Q3.pdf", "--attach", attach_keys),
            "--attach 'r.pdf,nmae=Q3.pdf': unknown parameter nmae=; --attach takes type= and "
            "name= (write a comma that is part of the file name or a value twice: ,,)");
  // A key of another option is unknown here.
  EXPECT_NE(usage_error_of("logo.png,type=image/png", "--inline", inline_keys)
                .find("unknown parameter type=; --inline takes cid="),
            std::string::npos);
  EXPECT_EQ(parse_file_argument("logo.png,cid=brand", "--inline", inline_keys).content_id, "brand");
}

// "f.csv,name=a,b.csv": the comma in the value was meant literally, not doubled.
TEST(FileArgument, UndoubledCommaInAValueIsAUsageError) {
  EXPECT_NE(usage_error_of("f.csv,name=a,b.csv", "--attach", attach_keys)
                .find("name= is followed by a piece that is no parameter"),
            std::string::npos);
}

TEST(FileArgument, ParameterGivenTwiceIsAUsageError) {
  EXPECT_NE(usage_error_of("f.csv,name=a.csv,name=b.csv", "--attach", attach_keys)
                .find("name= is given twice"),
            std::string::npos);
}

// An existing file whose name looks like parameters is that file: nothing else was meant.
TEST(FileArgument, ExistingFileNamedByTheWholeArgumentIsTakenAsItIs) {
  mime::testing::TemporaryDirectory directory;
  for (const char* name : {"notes,v=2.txt", "a,name=b.txt", "x,,y.txt"}) {
    const std::string path = directory.write(name, "content");
    const auto argument = parse_file_argument(path, "--attach", attach_keys);
    EXPECT_EQ(argument.path, path);
    EXPECT_EQ(argument.name, "");
  }
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
