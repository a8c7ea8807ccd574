#include "app/exit_code.hpp"

#include <gtest/gtest.h>

namespace smtpsend::app {
namespace {

// The documented table (smtpsend(1), --help): a change here is a change to the user contract.
TEST(ExitCode, FollowsTheDocumentedSysexitsTable) {
  EXPECT_EQ(exit_code_for(ErrorKind::usage), 64);
  EXPECT_EQ(exit_code_for(ErrorKind::data), 65);
  EXPECT_EQ(exit_code_for(ErrorKind::no_input), 66);
  EXPECT_EQ(exit_code_for(ErrorKind::recipient_refused), 67);
  EXPECT_EQ(exit_code_for(ErrorKind::no_host), 68);
  EXPECT_EQ(exit_code_for(ErrorKind::unavailable), 69);
  EXPECT_EQ(exit_code_for(ErrorKind::internal), 70);
  EXPECT_EQ(exit_code_for(ErrorKind::os), 71);
  EXPECT_EQ(exit_code_for(ErrorKind::io), 74);
  EXPECT_EQ(exit_code_for(ErrorKind::temporary), 75);
  EXPECT_EQ(exit_code_for(ErrorKind::protocol), 76);
  EXPECT_EQ(exit_code_for(ErrorKind::permission), 77);
  EXPECT_EQ(exit_code_for(ErrorKind::config), 78);
}

}  // namespace
}  // namespace smtpsend::app
