#include "app/send_log.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "common/error.hpp"

namespace smtpsend::app {
namespace {

using namespace std::chrono_literals;

// Local time is UTC for the test, so that dates are exact; the previous zone is put back after.
class SendLogFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* previous = std::getenv("TZ")) {
      previous_zone_ = previous;
    }
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  void TearDown() override {
    if (previous_zone_) {
      ::setenv("TZ", previous_zone_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

  // 2024-03-14 09:26:53 UTC
  static std::chrono::system_clock::time_point fixed_time() {
    return std::chrono::sys_days{std::chrono::year{2024} / 3 / 14} + 9h + 26min + 53s;
  }

  static SendRecord delivered() {
    SendRecord record;
    record.when = fixed_time();
    record.account = "work";
    record.host = "smtp.example.org";
    record.port = 587;
    record.tls = "starttls";
    record.user = "joe";
    record.sender = "joe@example.org";
    record.recipients = {"ann@example.org", "bob@example.org"};
    record.size = 1234;
    record.sent = true;
    record.reply = "250 2.0.0 Ok: queued as 4F2B1";
    record.exit_code = 0;
    return record;
  }

  static SendRecord refused() {
    SendRecord record;
    record.when = fixed_time();
    record.host = "mx.example.org";
    record.port = 25;
    record.tls = "none";
    record.sender = "cron@example.org";
    record.recipients = {"root@example.org"};
    record.reply = "550 5.1.1 no such user";
    record.exit_code = 67;
    record.error = "the server refused root@example.org";
    return record;
  }

 private:
  std::optional<std::string> previous_zone_;
};

TEST_F(SendLogFormat, EveryFieldOfASentMessage) {
  EXPECT_EQ(format_send_record(delivered(), ""),
            "Mar 14 09:26:53 account=work host=smtp.example.org port=587 tls=starttls user=joe "
            "from=joe@example.org recipients=ann@example.org,bob@example.org size=1234 "
            "status=sent reply=\"250 2.0.0 Ok: queued as 4F2B1\" exit=0");
}

TEST_F(SendLogFormat, AFailureLeavesOutWhatIsNotKnownAndAddsTheError) {
  EXPECT_EQ(format_send_record(refused(), ""),
            "Mar 14 09:26:53 host=mx.example.org port=25 tls=none from=cron@example.org "
            "recipients=root@example.org status=failed reply=\"550 5.1.1 no such user\" exit=67 "
            "error=\"the server refused root@example.org\"");
}

TEST_F(SendLogFormat, FieldsWithoutDateAreForSyslog) {
  auto record = refused();
  record.reply.clear();
  record.error = "cannot connect";
  EXPECT_EQ(format_send_fields(record),
            "host=mx.example.org port=25 tls=none from=cron@example.org "
            "recipients=root@example.org status=failed exit=67 error=\"cannot connect\"");
}

TEST_F(SendLogFormat, AnInterruptedSendSaysSo) {
  auto record = refused();
  record.reply.clear();
  record.interrupted = true;
  record.exit_code = 143;
  record.error = "interrupted by SIGTERM";
  EXPECT_EQ(format_send_fields(record),
            "host=mx.example.org port=25 tls=none from=cron@example.org "
            "recipients=root@example.org status=interrupted exit=143 "
            "error=\"interrupted by SIGTERM\"");
}

TEST_F(SendLogFormat, EmptyValuesAreQuoted) {
  auto record = refused();
  record.sender.clear();
  record.recipients.clear();
  record.host.clear();
  record.tls.clear();
  EXPECT_EQ(format_send_fields(record),
            "host=\"\" port=25 tls=\"\" from=\"\" recipients=\"\" status=failed reply=\"550 5.1.1 "
            "no such user\" exit=67 error=\"the server refused root@example.org\"");
}

TEST_F(SendLogFormat, AFailureBeforeTheMessageWasReadLeavesOutTheEnvelope) {
  auto record = refused();
  record.envelope_known = false;
  record.reply.clear();
  record.exit_code = 65;
  record.error = "invalid address 'bob@'";
  EXPECT_EQ(format_send_fields(record),
            "host=mx.example.org port=25 tls=none status=failed exit=65 "
            "error=\"invalid address 'bob@'\"");
}

TEST_F(SendLogFormat, AFailureBeforeTheAccountWasResolvedHasOnlyTheOutcome) {
  SendRecord record;
  record.when = fixed_time();
  record.server_known = false;
  record.envelope_known = false;
  record.exit_code = 78;
  record.error = "bad setting";
  EXPECT_EQ(format_send_record(record, ""),
            "Mar 14 09:26:53 status=failed exit=78 error=\"bad setting\"");
}

TEST_F(SendLogFormat, AHostileReplyCannotStartASecondLine) {
  auto record = refused();
  record.reply = "550 no\r\nMar 14 09:26:54 host=evil status=sent\x1b[2J";
  const auto line = format_send_record(record, "");
  EXPECT_EQ(line.find_first_of("\r\n\x1b"), std::string::npos) << line;
  EXPECT_NE(line.find("reply=\"550 no\\x0d\\x0aMar 14 09:26:54 host=evil status=sent\\x1b[2J\""),
            std::string::npos)
      << line;
}

TEST_F(SendLogFormat, QuotesBackslashesAndTabsAreEscapedInsideQuotes) {
  auto record = refused();
  record.error = "bad \"name\"\tin C:\\path";
  EXPECT_NE(format_send_fields(record).find("error=\"bad \\\"name\\\"\\x09in C:\\\\path\""),
            std::string::npos)
      << format_send_fields(record);
}

TEST_F(SendLogFormat, AQuoteOrBackslashAloneMakesAValueQuoted) {
  auto record = refused();
  record.sender = "\"odd\"@example.org";
  record.user = "dom\\joe";
  const auto fields = format_send_fields(record);
  EXPECT_NE(fields.find("from=\"\\\"odd\\\"@example.org\""), std::string::npos) << fields;
  EXPECT_NE(fields.find("user=\"dom\\\\joe\""), std::string::npos) << fields;
}

TEST_F(SendLogFormat, Utf8IsKeptButMalformedBytesAndUnicodeLineBreaksAreEscaped) {
  auto record = refused();
  record.error = "caf\xc3\xa9 \xff nel\xc2\x85 ls\xe2\x80\xa8";
  EXPECT_NE(format_send_fields(record).find(
                "error=\"caf\xc3\xa9 \\xff nel\\xc2\\x85 ls\\xe2\\x80\\xa8\""),
            std::string::npos)
      << format_send_fields(record);
}

TEST_F(SendLogFormat, ACustomTimeFormat) {
  EXPECT_EQ(format_send_record(delivered(), "%Y-%m-%dT%H:%M:%S%z").substr(0, 30),
            "2024-03-14T09:26:53+0000 accou");
}

TEST_F(SendLogFormat, TheDateFollowsTheLocalTimeZone) {
  ::setenv("TZ", "CET-1", 1);  // POSIX: UTC+1, no summer time
  ::tzset();
  EXPECT_EQ(format_send_record(delivered(), "%H:%M").substr(0, 6), "10:26 ");
}

TEST_F(SendLogFormat, ALineEndInTheTimeFormatIsEscaped) {
  EXPECT_EQ(format_send_record(delivered(), "%d%n%H").substr(0, 12), "14\\x0a09 acc");
}

class SendLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/smtpsend-send-log-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  static std::string content_of(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
  }

  static Error failure_of(const std::string& path, const std::string& line) {
    try {
      append_to_log_file(path, line);
    } catch (const Failure& failure) {
      return failure.error();
    }
    ADD_FAILURE() << "no failure";
    return {};
  }

  std::string directory_;
};

TEST_F(SendLogFile, ANewFileIsPrivateAndLinesAreAppended) {
  const std::string path = directory_ + "/send.log";
  append_to_log_file(path, "first");
  struct stat status {};
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0600U);
  append_to_log_file(path, "second");
  EXPECT_EQ(content_of(path), "first\nsecond\n");
}

TEST_F(SendLogFile, AnExistingFileKeepsItsContentAndMode) {
  const std::string path = directory_ + "/send.log";
  std::ofstream(path) << "earlier\n";
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  append_to_log_file(path, "later");
  EXPECT_EQ(content_of(path), "earlier\nlater\n");
  struct stat status {};
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0640U);
}

TEST_F(SendLogFile, AFileInAMissingDirectoryIsAnIoErrorNamingIt) {
  const std::string path = directory_ + "/missing/send.log";
  const auto error = failure_of(path, "line");
  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_EQ(error.message, "cannot open the log file '" + path +
                               "': No such file or directory; fix the logfile setting");
}

TEST_F(SendLogFile, ADirectoryIsAnIoError) {
  const auto error = failure_of(directory_, "line");
  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_NE(error.message.find("'" + directory_ + "'"), std::string::npos) << error.message;
}

TEST_F(SendLogFile, AFullDeviceIsAnIoError) {
  if (::access("/dev/full", W_OK) != 0) {
    GTEST_SKIP() << "no /dev/full";
  }
  const auto error = failure_of("/dev/full", "line");
  EXPECT_EQ(error.kind, ErrorKind::io);
  EXPECT_EQ(error.message.rfind("cannot write to the log file '/dev/full': ", 0), 0U)
      << error.message;
}

TEST_F(SendLogFile, ALineWithALineEndIsRefused) {
  const std::string path = directory_ + "/send.log";
  EXPECT_EQ(failure_of(path, "one\nforged").kind, ErrorKind::internal);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(SendLogFile, DashIsStandardOutput) {
  ::testing::internal::CaptureStdout();
  append_to_log_file("-", "to stdout");
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "to stdout\n");
}

TEST(SyslogFacility, NamesAsInMsmtp) {
  EXPECT_EQ(syslog_facility_from_name("on"), LOG_USER);
  EXPECT_EQ(syslog_facility_from_name(""), LOG_USER);
  EXPECT_EQ(syslog_facility_from_name("LOG_USER"), LOG_USER);
  EXPECT_EQ(syslog_facility_from_name("LOG_MAIL"), LOG_MAIL);
  EXPECT_EQ(syslog_facility_from_name("LOG_LOCAL0"), LOG_LOCAL0);
  EXPECT_EQ(syslog_facility_from_name("LOG_LOCAL3"), LOG_LOCAL3);
  EXPECT_EQ(syslog_facility_from_name("LOG_LOCAL7"), LOG_LOCAL7);
}

TEST(SyslogFacility, OthersAreNone) {
  EXPECT_EQ(syslog_facility_from_name("off"), std::nullopt);
  EXPECT_EQ(syslog_facility_from_name("LOG_DAEMON"), std::nullopt);
  EXPECT_EQ(syslog_facility_from_name("log_mail"), std::nullopt);
  EXPECT_EQ(syslog_facility_from_name("LOG_LOCAL8"), std::nullopt);
}

TEST(SyslogFacility, WritingWithAnUnknownFacilityIsAConfigError) {
  try {
    write_to_syslog("LOG_KERN", "line", true);
    FAIL() << "no failure";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::config);
    EXPECT_NE(failure.error().message.find("'LOG_KERN'"), std::string::npos);
  }
}

}  // namespace
}  // namespace smtpsend::app
