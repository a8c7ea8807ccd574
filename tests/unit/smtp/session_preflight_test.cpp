// What the session refuses before it writes a command: 8-bit data to a server without 8BITMIME,
// control characters in the EHLO name or in addresses (a line end would smuggle in a command),
// and that the flags its messages suggest are flags that exist.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <regex>
#include <string>

#include "dialog_runner.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::contains;
using dialog::DialogRuns;
using dialog::envelope_to;
using dialog::expect_dialog;
using dialog::short_body;
using namespace std::string_view_literals;

// ---- 8-bit data needs 8BITMIME (RFC 6152 §3) ---------------------------------------------------

Envelope eight_bit_envelope() {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.body_8bit_required = true;
  return envelope;
}

TEST(SessionPreflight, EightBitBodyWithoutEightBitMimeIsRefusedBeforeMail) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: QUIT
-- closed
)",
                cleartext_config(), eight_bit_envelope(), short_body, runs);
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::data, error->kind);
  EXPECT_EQ(
      "the message contains 8-bit data, but the server does not offer 8BITMIME (RFC 6152); "
      "nothing was sent. Send the message as 7-bit (e.g. encode its text as quoted-printable or "
      "base64), or use another server",
      error->message);
  EXPECT_FALSE(runs.whole.outcome.accepted());
}

TEST(SessionPreflight, EightBitBodyAfterHeloFallbackIsRefusedBeforeMail) {
  DialogRuns runs;
  expect_dialog(R"(
S: 220 old.example.net SMTP
C: EHLO client.example
S: 502 5.5.2 Command not implemented
C: HELO client.example
S: 250 old.example.net
C: QUIT
-- closed
)",
                cleartext_config(), eight_bit_envelope(), short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "8BITMIME"));
}

TEST(SessionPreflight, EightBitBodyWithEightBitMimeAsksForIt) {
  DialogRuns runs;
  expect_dialog(EHLO_OFFERING("8BITMIME") R"(C: MAIL FROM:<alice@example.org> BODY=8BITMIME
S: 250 Ok
C: RCPT TO:<bob@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
)" SHORT_BODY_SENT R"(S: 250 Ok
)" QUIT_AND_CLOSE,
                cleartext_config(), eight_bit_envelope(), short_body, runs);
  EXPECT_TRUE(runs.whole.outcome.accepted());
}

// ---- no control characters in command arguments (RFC 5321 §2.3.8) ----------------------------

struct BadEhloName {
  const char* test_name;
  std::string_view ehlo_name;
  std::string_view shown;  // how the message quotes it
};

const BadEhloName bad_ehlo_names[] = {
    {"LineEnd", "client.example\r\nMAIL FROM:<eve@example.com>",
     "client.example\\x0d\\x0aMAIL FROM:<eve@example.com>"},
    {"BareLf", "client\n.example", "client\\x0a.example"},
    {"Nul", "client\0.example"sv, "client\\x00.example"},
    {"Tab", "client\t.example", "client\\x09.example"},
    {"Del", "client\x7f", "client\\x7f"},
    {"Space", "client example", "client example"},
    {"Empty", "", ""},
};

class SessionBadEhloName : public ::testing::TestWithParam<BadEhloName> {};

TEST_P(SessionBadEhloName, IsAUsageErrorBeforeEhlo) {
  SessionConfig config = cleartext_config();
  config.ehlo_domain = std::string(GetParam().ehlo_name);
  DialogRuns runs;
  expect_dialog("S: 220 mx.example.net ESMTP\nC: QUIT\n-- closed\n", config,
                envelope_to({"bob@example.net"}), short_body, runs);
  const auto& error = runs.whole.outcome.error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(ErrorKind::usage, error->kind);
  EXPECT_TRUE(error->message.starts_with(fmt::format("invalid --ehlo name \"{}", GetParam().shown)))
      << error->message;
  EXPECT_TRUE(contains(error->message, "nothing was sent")) << error->message;
}

INSTANTIATE_TEST_SUITE_P(Names, SessionBadEhloName, ::testing::ValuesIn(bad_ehlo_names),
                         [](const ::testing::TestParamInfo<BadEhloName>& param_info) {
                           return std::string(param_info.param.test_name);
                         });

TEST(SessionPreflight, AddressLiteralIsAValidEhloAndHeloName) {
  SessionConfig config = cleartext_config();
  config.ehlo_domain = "[192.0.2.1]";
  DialogRuns runs;
  expect_dialog(R"(
S: 220 old.example.net SMTP
C: EHLO [192.0.2.1]
S: 500 what
C: HELO [192.0.2.1]
S: 250 old.example.net
C: MAIL FROM:<alice@example.org>
-- lost
-- closed
)",
                config, envelope_to({"bob@example.net"}), short_body, runs);
}

TEST(SessionPreflight, SenderWithALineEndIsRefusedBeforeMail) {
  Envelope envelope = envelope_to({"bob@example.net"});
  envelope.mail_from = "alice@example.org>\r\nRCPT TO:<eve@example.com";
  DialogRuns runs;
  expect_dialog(EHLO_WITHOUT_EXTENSIONS R"(C: QUIT
-- closed
)",
                cleartext_config(), envelope, short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message,
                       "\"alice@example.org>\\x0d\\x0aRCPT TO:<eve@example.com\""))
      << runs.whole.outcome.error->message;
}

TEST(SessionPreflight, PipelinedRecipientWithAControlCharacterStopsTheWholeFlight) {
  DialogRuns runs;
  // Under PIPELINING, MAIL and the first RCPT would go in the same flight as the bad one.
  expect_dialog(EHLO_OFFERING("PIPELINING") R"(C: QUIT
-- closed
)",
                cleartext_config(), envelope_to({"bob@example.net", "carol\x7f@example.net"}),
                short_body, runs);
  ASSERT_TRUE(runs.whole.outcome.error.has_value());
  EXPECT_EQ(ErrorKind::data, runs.whole.outcome.error->kind);
  EXPECT_TRUE(contains(runs.whole.outcome.error->message, "carol\\x7f@example.net"))
      << runs.whole.outcome.error->message;
}

// ---- the flags that messages suggest exist -----------------------------------------------------

// The command line's flags and the values of the enumerated ones (cli/).
constexpr std::array<std::string_view, 18> real_flags = {
    "--server",    "--port",       "--tls=auto",       "--tls=starttls",
    "--tls=smtps", "--tls=none",   "--tls-trust-file", "--tls-insecure",
    "--ehlo",      "--timeout",    "--user",           "--password-cmd",
    "--auth=auto", "--auth=plain", "--auth=login",     "--allow-plaintext-auth",
    "--trace",     "--trace-file",
};

bool is_real_flag(std::string_view flag) {
  return std::find(real_flags.begin(), real_flags.end(), flag) != real_flags.end();
}

std::vector<std::string> flags_in(const std::string& message) {
  static const std::regex flag(R"(--[a-z][a-z-]*(=[a-z]+)?)");
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(message.begin(), message.end(), flag);
       it != std::sregex_iterator(); ++it) {
    found.push_back(it->str());
  }
  return found;
}

std::string error_message(const DialogRuns& runs) {
  return runs.whole.outcome.error ? runs.whole.outcome.error->message : std::string();
}

TEST(SessionPreflight, StartTlsNotOfferedSuggestsTheRealFlags) {
  SessionConfig config = cleartext_config();
  config.tls = TlsMode::starttls;
  DialogRuns runs;
  expect_dialog(
      "S: 220 mx.example.net ESMTP\nC: EHLO client.example\nS: 250 mx.example.net\nC: "
      "QUIT\n-- closed\n",
      config, envelope_to({"bob@example.net"}), short_body, runs);
  const std::string message = error_message(runs);
  EXPECT_TRUE(contains(message, "--tls=smtps")) << message;
  EXPECT_FALSE(contains(message, "--tls=implicit")) << message;
  for (const auto& flag : flags_in(message)) {
    EXPECT_TRUE(is_real_flag(flag)) << flag << " in: " << message;
  }
}

TEST(SessionPreflight, PlaintextAuthRefusalNamesTheFlagThatAllowsIt) {
  SessionConfig config = cleartext_config();
  config.credentials = Credentials{"alice", "s3cret-pa55"};
  DialogRuns runs;
  expect_dialog(
      "S: 220 mx.example.net ESMTP\nC: EHLO client.example\nS: 250-mx.example.net\nS: 250 AUTH "
      "PLAIN\nC: QUIT\n-- closed\n",
      config, envelope_to({"bob@example.net"}), short_body, runs);
  const std::string message = error_message(runs);
  EXPECT_TRUE(contains(message, "--allow-plaintext-auth")) << message;
  EXPECT_TRUE(contains(message, "--tls=smtps")) << message;
  EXPECT_FALSE(contains(message, "--tls=implicit")) << message;
  for (const auto& flag : flags_in(message)) {
    EXPECT_TRUE(is_real_flag(flag)) << flag << " in: " << message;
  }
}

TEST(SessionPreflight, InvalidEhloNameNamesTheRealFlag) {
  SessionConfig config = cleartext_config();
  config.ehlo_domain = "a b";
  DialogRuns runs;
  expect_dialog("S: 220 mx.example.net ESMTP\nC: QUIT\n-- closed\n", config,
                envelope_to({"bob@example.net"}), short_body, runs);
  const std::string message = error_message(runs);
  ASSERT_FALSE(flags_in(message).empty()) << message;
  for (const auto& flag : flags_in(message)) {
    EXPECT_TRUE(is_real_flag(flag)) << flag << " in: " << message;
  }
}

}  // namespace
}  // namespace smtpsend::smtp
