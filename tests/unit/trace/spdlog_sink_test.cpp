#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "trace/trace.hpp"

namespace smtpsend::trace {
namespace {

TEST(EscapeForTerminal, KeepsPrintableAsciiAndTabs) {
  EXPECT_EQ(escape_for_terminal("250-SIZE 1000\tok"), "250-SIZE 1000\tok");
}

TEST(EscapeForTerminal, EscapesControlBytesSoAServerCannotDriveTheTerminal) {
  EXPECT_EQ(escape_for_terminal("a\x1b[2Jb\r\n"), "a\\x1b[2Jb\\x0d\\x0a");
  EXPECT_EQ(escape_for_terminal(std::string_view("\0x\x7f", 3)), "\\x00x\\x7f");
}

TEST(EscapeForTerminal, KeepsValidUtf8AndEscapesInvalidBytes) {
  EXPECT_EQ(escape_for_terminal("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7");
  EXPECT_EQ(escape_for_terminal("\xc3"), "\\xc3");                    // truncated sequence
  EXPECT_EQ(escape_for_terminal("\xc0\xaf"), "\\xc0\\xaf");           // overlong form
  EXPECT_EQ(escape_for_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(EscapeForTerminal, EscapesC1ControlsAndBidiOverrides) {
  EXPECT_EQ(escape_for_terminal("a\xc2\x9b"
                                "2Jb"),
            "a\\u{009b}2Jb");                                                          // CSI
  EXPECT_EQ(escape_for_terminal("x\xe2\x80\xaey"), "x\\u{202e}y");                     // RLO
  EXPECT_EQ(escape_for_terminal("\xe2\x81\xa6z\xe2\x81\xa9"), "\\u{2066}z\\u{2069}");  // isolates
  EXPECT_EQ(escape_for_terminal("\xc2\xa0\xe2\x80\x94"), "\xc2\xa0\xe2\x80\x94");  // NBSP, em dash
}

TEST(Marker, ShowsDirectionAndWhetherTheLineTravelledInsideTls) {
  EXPECT_EQ(marker(Direction::client, false), "->");
  EXPECT_EQ(marker(Direction::client, true), "~>");
  EXPECT_EQ(marker(Direction::server, false), "<-");
  EXPECT_EQ(marker(Direction::server, true), "<~");
  EXPECT_EQ(marker(Direction::info, true), "**");
}

TEST(SpdlogSink, WritesTimestampedMarkedEscapedLinesToTheFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("smtpsend-trace-test-" + std::to_string(::getpid()) + ".log");
  {
    SpdlogSink sink(open_trace_file(path.string(), "--trace-file"));
    EXPECT_TRUE(sink.enabled());
    sink.server("220 ready", false);
    sink.client("EHLO host\r", true);
    sink.info("TLS 1.3");
  }
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  std::filesystem::remove(path);
  const std::string text = content.str();
  EXPECT_NE(text.find("] <- 220 ready\n"), std::string::npos) << text;
  EXPECT_NE(text.find("] ~> EHLO host\\x0d\n"), std::string::npos) << text;
  EXPECT_NE(text.find("] ** TLS 1.3\n"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("[   0.", 0), 0u) << text;
}

}  // namespace
}  // namespace smtpsend::trace
