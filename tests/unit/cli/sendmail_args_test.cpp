#include "cli/sendmail_args.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "overrides.hpp"

namespace smtpsend::cli {
namespace {

using config::Override;
using testing::find_override;
using testing::resolution_refusal;
using testing::resolve_overrides;
using Recipients = std::vector<std::string>;

Options parse(std::initializer_list<const char*> arguments) {
  std::vector<const char*> argv{"sendmail"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return parse_sendmail_command_line(static_cast<int>(argv.size()), argv.data());
}

// The usage error's message, or a test failure when the command line is accepted.
std::string usage_error_of(std::initializer_list<const char*> arguments) {
  try {
    parse(arguments);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::usage) << failure.what();
    return failure.what();
  }
  ADD_FAILURE() << "the command line was accepted";
  return {};
}

// The value of the override of `key`, or "" when there is none.
std::string setting_of(const Options& options, std::string_view key) {
  const auto found = find_override(options.settings.overrides, key);
  return found ? found->value : std::string();
}

std::string sender_of(const Options& options) {
  return setting_of(options, "from");
}

// --- How the program was invoked ---

TEST(InvokedAsSendmail, IsDecidedByTheBaseNameOfArgv0) {
  EXPECT_TRUE(invoked_as_sendmail("sendmail"));
  EXPECT_TRUE(invoked_as_sendmail("/usr/sbin/sendmail"));
  EXPECT_TRUE(invoked_as_sendmail("/usr/lib/sendmail"));
  EXPECT_FALSE(invoked_as_sendmail("smtpsend"));
  EXPECT_FALSE(invoked_as_sendmail("/usr/bin/smtpsend"));
  EXPECT_FALSE(invoked_as_sendmail("/usr/sbin/sendmail.postfix"));
  EXPECT_FALSE(invoked_as_sendmail("/home/sendmail/bin/smtpsend"));
  EXPECT_FALSE(invoked_as_sendmail(""));
}

// --- Recipients ---

TEST(SendmailArgs, PositionalArgumentsAreRecipientsAndSetSendmailMode) {
  const auto options = parse({"a@x.test", "b@x.test,c@x.test"});
  EXPECT_TRUE(options.settings.sendmail_mode);
  EXPECT_EQ(options.to, (Recipients{"a@x.test", "b@x.test,c@x.test"}));
  EXPECT_TRUE(options.dot_ends_input);
  EXPECT_FALSE(options.recipients_from_headers);
  EXPECT_TRUE(options.settings.overrides.empty());
}

TEST(SendmailArgs, DoubleDashEndsFlagsSoRecipientsMayStartWithADash) {
  const auto options = parse({"-i", "--", "-odd@x.test", "-t"});
  EXPECT_EQ(options.to, (Recipients{"-odd@x.test", "-t"}));
  EXPECT_FALSE(options.recipients_from_headers);
}

TEST(SendmailArgs, FlagsMayFollowRecipients) {
  const auto options = parse({"a@x.test", "-f", "me@x.test", "b@x.test"});
  EXPECT_EQ(options.to, (Recipients{"a@x.test", "b@x.test"}));
  EXPECT_EQ(sender_of(options), "me@x.test");
}

TEST(SendmailArgs, NoRecipientsAndNoDashTIsAUsageError) {
  EXPECT_EQ(usage_error_of({}),
            "no recipients: give addresses or -t (read them from the message headers)");
  EXPECT_EQ(usage_error_of({"-i", "-f", "me@x.test"}),
            "no recipients: give addresses or -t (read them from the message headers)");
}

TEST(SendmailArgs, RecipientsWithLineBreaksAreRefused) {
  EXPECT_EQ(usage_error_of({"a@x.test\r\nRCPT TO:<b@x.test>"}),
            "recipient 'a@x.test\\r\\nRCPT TO:<b@x.test>' contains a line break or NUL; give it "
            "on one line");
  EXPECT_NE(usage_error_of({"a@x.test\nb@x.test"}).find("line break"), std::string::npos);
  EXPECT_NE(usage_error_of({"a@x.test\r"}).find("line break"), std::string::npos);
}

TEST(SendmailArgs, EmptyRecipientArgumentIsRefused) {
  EXPECT_EQ(usage_error_of({"-i", ""}),
            "an empty recipient argument; give an address, or -t to read the recipients from "
            "the message headers");
}

// --- -t, -i, -oi ---

TEST(SendmailArgs, DashTReadsRecipientsFromHeadersAndNeedsNoArguments) {
  const auto options = parse({"-t"});
  EXPECT_TRUE(options.recipients_from_headers);
  EXPECT_TRUE(options.to.empty());
}

TEST(SendmailArgs, DashTKeepsRecipientsGivenAsArguments) {
  const auto options = parse({"-t", "extra@x.test"});
  EXPECT_TRUE(options.recipients_from_headers);
  EXPECT_EQ(options.to, Recipients{"extra@x.test"});
}

TEST(SendmailArgs, DashIAndDashOiLetALoneDotBeJustALine) {
  EXPECT_FALSE(parse({"-i", "a@x.test"}).dot_ends_input);
  EXPECT_FALSE(parse({"-oi", "a@x.test"}).dot_ends_input);
  EXPECT_FALSE(parse({"-o", "i", "a@x.test"}).dot_ends_input);
}

TEST(SendmailArgs, DashOiWithAFalseValueKeepsTheDotEndingInput) {
  EXPECT_TRUE(parse({"-oiFalse", "a@x.test"}).dot_ends_input);
  EXPECT_FALSE(parse({"-oiTrue", "a@x.test"}).dot_ends_input);
}

TEST(SendmailArgs, LongIgnoreDotsOptionIsDashI) {
  EXPECT_FALSE(parse({"-O", "IgnoreDots=true", "a@x.test"}).dot_ends_input);
  EXPECT_FALSE(parse({"-OIgnoreDots", "a@x.test"}).dot_ends_input);
  EXPECT_TRUE(parse({"-O", "ignoredots=false", "a@x.test"}).dot_ends_input);
}

// --- Sender and full name ---

TEST(SendmailArgs, EnvelopeSenderTakesAttachedOrSeparateArgument) {
  EXPECT_EQ(find_override(parse({"-f", "me@x.test", "a@x.test"}).settings.overrides, "from"),
            (Override{"from", "me@x.test", "-f"}));
  EXPECT_EQ(find_override(parse({"-fme@x.test", "a@x.test"}).settings.overrides, "from"),
            (Override{"from", "me@x.test", "-f"}));
  EXPECT_EQ(find_override(parse({"-r", "me@x.test", "a@x.test"}).settings.overrides, "from"),
            (Override{"from", "me@x.test", "-r"}));
  EXPECT_EQ(find_override(parse({"-rme@x.test", "a@x.test"}).settings.overrides, "from"),
            (Override{"from", "me@x.test", "-r"}));
}

TEST(SendmailArgs, LastSenderWins) {
  const auto options = parse({"-f", "one@x.test", "-r", "two@x.test", "a@x.test"});
  EXPECT_EQ(sender_of(options), "two@x.test");
  const auto settings = resolve_overrides(options.settings.overrides);
  EXPECT_EQ(settings.text("from"), "two@x.test");
  EXPECT_EQ(settings.origin("from"), "-r");
}

TEST(SendmailArgs, EmptyOrAngleBracketSenderIsTheNullSender) {
  EXPECT_EQ(sender_of(parse({"-f", "<>", "a@x.test"})), "<>");
  EXPECT_EQ(sender_of(parse({"-f<>", "a@x.test"})), "<>");
  EXPECT_EQ(sender_of(parse({"-f", "", "a@x.test"})), "<>");
  EXPECT_EQ(resolve_overrides(parse({"-f", "", "a@x.test"}).settings.overrides).text("from"), "<>");
}

TEST(SendmailArgs, SenderWithALineBreakIsRefused) {
  EXPECT_EQ(usage_error_of({"-f", "me@x.test\nRCPT TO:<x@y>", "a@x.test"}),
            "sender -f 'me@x.test\\nRCPT TO:<x@y>' contains a line break or NUL; give it on one "
            "line");
}

TEST(SendmailArgs, FullNameTakesAttachedOrSeparateArgument) {
  EXPECT_EQ(parse({"-F", "Cron Daemon", "a@x.test"}).full_name, "Cron Daemon");
  EXPECT_EQ(parse({"-FCronDaemon", "a@x.test"}).full_name, "CronDaemon");
}

TEST(SendmailArgs, FullNameWithALineBreakIsRefused) {
  EXPECT_NE(usage_error_of({"-F", "Name\r\nBcc: victim@x.test", "a@x.test"})
                .find("full name -F 'Name\\r\\nBcc: victim@x.test' contains a line break"),
            std::string::npos);
}

TEST(SendmailArgs, FlagThatNeedsAnArgumentAtTheEndIsAUsageError) {
  EXPECT_EQ(usage_error_of({"a@x.test", "-f"}),
            "-f needs an argument (ADDR); --help lists the options of sendmail mode");
  EXPECT_EQ(usage_error_of({"a@x.test", "--timeout"}),
            "--timeout needs an argument (SECONDS); --help lists the options of sendmail mode");
}

// --- Delivery status notifications (RFC 3461) ---

TEST(SendmailArgs, DsnNotifyIsNormalizedToLowerCase) {
  EXPECT_EQ(find_override(parse({"-N", "never", "a@x.test"}).settings.overrides, "dsn_notify"),
            (Override{"dsn_notify", "never", "-N"}));
  EXPECT_EQ(setting_of(parse({"-N", "SUCCESS,Failure,delay", "a@x.test"}), "dsn_notify"),
            "success,failure,delay");
  EXPECT_EQ(setting_of(parse({"-Nfailure", "a@x.test"}), "dsn_notify"), "failure");
  EXPECT_EQ(setting_of(parse({"-N", "failure, delay,failure", "a@x.test"}), "dsn_notify"),
            "failure,delay");
}

// What -N makes of its argument is a value the configuration file's dsn_notify takes too.
TEST(SendmailArgs, DsnNotifyResolvesAsTheConfigurationKey) {
  const auto settings =
      resolve_overrides(parse({"-N", "Failure, DELAY", "a@x.test"}).settings.overrides);
  EXPECT_EQ(settings.text("dsn_notify"), "failure,delay");
  EXPECT_EQ(settings.origin("dsn_notify"), "-N");
}

TEST(SendmailArgs, DsnNeverCannotBeCombined) {
  EXPECT_EQ(usage_error_of({"-N", "never,failure", "a@x.test"}),
            "-N 'never,failure': never cannot be combined with success, failure or delay (RFC "
            "3461 §4.1)");
}

TEST(SendmailArgs, UnknownDsnNotificationIsAUsageError) {
  const std::string expected =
      " is not a delivery status notification request: give never, or a comma-separated list "
      "of success, failure and delay (RFC 3461 §4.1)";
  EXPECT_EQ(usage_error_of({"-N", "sucess", "a@x.test"}), "-N 'sucess'" + expected);
  EXPECT_EQ(usage_error_of({"-N", "", "a@x.test"}), "-N ''" + expected);
  EXPECT_EQ(usage_error_of({"-N", "failure,", "a@x.test"}), "-N 'failure,'" + expected);
}

// -R takes sendmail's words; the setting holds the configuration key's (hdrs is "headers").
TEST(SendmailArgs, DsnReturnIsFullOrHdrs) {
  EXPECT_EQ(find_override(parse({"-R", "full", "a@x.test"}).settings.overrides, "dsn_return"),
            (Override{"dsn_return", "full", "-R"}));
  EXPECT_EQ(find_override(parse({"-RHDRS", "a@x.test"}).settings.overrides, "dsn_return"),
            (Override{"dsn_return", "headers", "-R"}));
  EXPECT_EQ(
      resolve_overrides(parse({"-R", "hdrs", "a@x.test"}).settings.overrides).text("dsn_return"),
      "headers");
  EXPECT_EQ(usage_error_of({"-R", "body", "a@x.test"}),
            "-R 'body' is not what a delivery status notification returns: give full (the whole "
            "message) or hdrs (its headers only) (RFC 3461 §4.3)");
}

TEST(SendmailArgs, DsnEnvelopeIdIsKeptAsGiven) {
  EXPECT_EQ(parse({"-V", "QQ314159", "a@x.test"}).dsn_envelope_id, "QQ314159");
  EXPECT_EQ(parse({"-V", std::string(100, 'e').c_str(), "a@x.test"}).dsn_envelope_id,
            std::string(100, 'e'));
}

TEST(SendmailArgs, DsnEnvelopeIdMustBeShortPrintableAsciiWithoutPlusOrEquals) {
  const std::string expected =
      " is not an envelope identifier: use 1 to 100 printable ASCII characters without spaces, "
      "'+' or '=' (RFC 3461 §4.4)";
  EXPECT_EQ(usage_error_of({"-V", "a b", "a@x.test"}), "-V 'a b'" + expected);
  EXPECT_EQ(usage_error_of({"-V", "a+b", "a@x.test"}), "-V 'a+b'" + expected);
  EXPECT_EQ(usage_error_of({"-V", "a=b", "a@x.test"}), "-V 'a=b'" + expected);
  EXPECT_EQ(usage_error_of({"-V", "", "a@x.test"}), "-V ''" + expected);
  EXPECT_EQ(usage_error_of({"-V", "caf\xc3\xa9", "a@x.test"}), "-V 'caf\xc3\xa9'" + expected);
  const std::string too_long(101, 'e');
  EXPECT_EQ(usage_error_of({"-V", too_long.c_str(), "a@x.test"}),
            "-V '" + too_long.substr(0, 80) + "...'" + expected);
}

// --- Configuration (msmtp's additions) ---

TEST(SendmailArgs, ConfigFileHasThreeSpellings) {
  EXPECT_EQ(parse({"-C", "/etc/rc", "a@x.test"}).settings.config_file, "/etc/rc");
  EXPECT_EQ(parse({"-C/etc/rc", "a@x.test"}).settings.config_file, "/etc/rc");
  EXPECT_EQ(parse({"--file=/etc/rc", "a@x.test"}).settings.config_file, "/etc/rc");
  EXPECT_EQ(parse({"--file", "/etc/rc", "a@x.test"}).settings.config_file, "/etc/rc");
  EXPECT_EQ(parse({"--config=/etc/rc", "a@x.test"}).settings.config_file, "/etc/rc");
  EXPECT_EQ(parse({"--config", "/etc/rc", "a@x.test"}).settings.config_file, "/etc/rc");
}

TEST(SendmailArgs, AccountHasThreeSpellings) {
  EXPECT_EQ(parse({"-a", "work", "a@x.test"}).settings.account, "work");
  EXPECT_EQ(parse({"-awork", "a@x.test"}).settings.account, "work");
  EXPECT_EQ(parse({"--account=work", "a@x.test"}).settings.account, "work");
  EXPECT_EQ(parse({"--account", "work", "a@x.test"}).settings.account, "work");
  EXPECT_EQ(parse({"-A", "work", "a@x.test"}).settings.account, "work");
  EXPECT_EQ(parse({"-Awork", "a@x.test"}).settings.account, "work");
}

TEST(SendmailArgs, SendmailsConfigurationChoicesAreNotAccounts) {
  EXPECT_EQ(parse({"-Ac", "a@x.test"}).settings.account, "");
  EXPECT_EQ(parse({"-Am", "a@x.test"}).settings.account, "");
  EXPECT_EQ(parse({"-a", "work", "-Ac", "a@x.test"}).settings.account, "work");
}

// --- Diagnostics and information ---

TEST(SendmailArgs, DashVAndTraceTurnOnTheTrace) {
  EXPECT_FALSE(parse({"a@x.test"}).trace);
  EXPECT_TRUE(parse({"-v", "a@x.test"}).trace);
  EXPECT_TRUE(parse({"--trace", "a@x.test"}).trace);
}

TEST(SendmailArgs, TraceFileIsRefusedBecauseACallersArgumentsMayBeInjected) {
  const std::string expected =
      "--trace-file is not taken in sendmail mode, where arguments come from other programs; "
      "set trace_file in the configuration file, or use -v for a trace on stderr";
  EXPECT_EQ(usage_error_of({"--trace-file=/tmp/t", "a@x.test"}), expected);
  EXPECT_EQ(usage_error_of({"--trace-file", "/tmp/u", "a@x.test"}), expected);
}

TEST(SendmailArgs, TimeoutsAreSeconds) {
  const auto options = parse({"--timeout=2.5", "--max-time", "60", "a@x.test"});
  EXPECT_EQ(options.settings.overrides, (std::vector<Override>{{"timeout", "2.5", "--timeout"},
                                                               {"max_time", "60", "--max-time"}}));
  const auto settings = resolve_overrides(options.settings.overrides);
  EXPECT_EQ(settings.text("timeout"), "2.5");
  EXPECT_EQ(settings.text("max_time"), "60");
  EXPECT_FALSE(find_override(parse({"a@x.test"}).settings.overrides, "timeout").has_value());
}

// The values are checked with the configuration file's timeout and max_time, when the settings
// are resolved: a usage error naming the flag.
TEST(SendmailArgs, TimeoutsOutOfRangeOrNotNumbersAreUsageErrors) {
  const auto refusal = [](std::initializer_list<const char*> arguments) {
    return resolution_refusal(parse(arguments).settings.overrides);
  };
  EXPECT_EQ(refusal({"--timeout=soon", "a@x.test"}),
            "invalid value 'soon' for --timeout: 'off' or a number of seconds from 0.1 to 3600");
  EXPECT_EQ(refusal({"--timeout=0", "a@x.test"}),
            "invalid value '0' for --timeout: 'off' or a number of seconds from 0.1 to 3600");
  EXPECT_EQ(refusal({"--timeout=5s", "a@x.test"}),
            "invalid value '5s' for --timeout: 'off' or a number of seconds from 0.1 to 3600");
  EXPECT_EQ(refusal({"--timeout=nan", "a@x.test"}),
            "invalid value 'nan' for --timeout: 'off' or a number of seconds from 0.1 to 3600");
  EXPECT_EQ(refusal({"--max-time=86401", "a@x.test"}),
            "invalid value '86401' for --max-time: 'off' or a number of seconds from 0.1 to "
            "86400");
}

TEST(SendmailArgs, ShowConfigAndVersionNeedNoRecipients) {
  EXPECT_TRUE(parse({"--show-config"}).show_config);
  EXPECT_TRUE(parse({"--version"}).show_version);
}

TEST(SendmailArgs, FlagsWithoutValuesRefuseOne) {
  EXPECT_EQ(usage_error_of({"--trace=yes", "a@x.test"}),
            "--trace takes no value; --help lists the options of sendmail mode");
}

TEST(SendmailArgs, HelpIsReturnedAsTextWithoutNeedingRecipients) {
  const auto options = parse({"--help"});
  EXPECT_TRUE(options.settings.sendmail_mode);
  EXPECT_NE(options.help_text.find("Usage: sendmail"), std::string::npos) << options.help_text;
}

TEST(SendmailArgs, HelpStopsParsingSoLaterMistakesDoNotHideIt) {
  EXPECT_FALSE(parse({"--help", "--no-such-flag"}).help_text.empty());
}

TEST(SendmailArgs, HelpListsEveryFlag) {
  const std::string help = parse({"--help"}).help_text;
  for (const char* flag : {"-t",
                           "-i",
                           "-oi",
                           "-f ADDR",
                           "-r ADDR",
                           "-F NAME",
                           "-N WHEN",
                           "-R WHAT",
                           "-V ENVID",
                           "-C FILE",
                           "--file=FILE",
                           "--config=FILE",
                           "-a NAME",
                           "--account=NAME",
                           "-A NAME",
                           "-Ac",
                           "-Am",
                           "-v",
                           "--trace",
                           "--timeout=SECONDS",
                           "--max-time=SECONDS",
                           "--show-config",
                           "--help",
                           "--version",
                           "-o OPTION",
                           "-O NAME=VALUE",
                           "-b MODE",
                           "-bm",
                           "-B TYPE",
                           "-e MODE",
                           "-h HOPS",
                           "-L LABEL",
                           "-X FILE",
                           "-G",
                           "-m",
                           "-n",
                           "-U",
                           "-bs",
                           "-bp",
                           "-bd",
                           "-bD",
                           "-bi",
                           "-I",
                           "-bv",
                           "-bt",
                           "-bh",
                           "-bH",
                           "-bP",
                           "-q"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " is not in:\n" << help;
  }
}

TEST(SendmailArgs, HelpLinesFitATerminal) {
  const std::string help = parse({"--help"}).help_text;
  std::size_t start = 0;
  while (start < help.size()) {
    const auto end = help.find('\n', start);
    const auto line = help.substr(start, end - start);
    EXPECT_LE(line.size(), 100u) << line;
    start = end == std::string::npos ? help.size() : end + 1;
  }
}

// --- Flags that sendmail and Postfix accept and ignore ---

TEST(SendmailArgs, IgnoredFlagsThatTakeAnArgumentConsumeIt) {
  for (const char* flag : {"-O", "-B", "-L", "-h", "-X", "-e", "-o"}) {
    const auto options = parse({flag, "value", "rcpt@x.test"});
    EXPECT_EQ(options.to, Recipients{"rcpt@x.test"}) << flag;
  }
  EXPECT_EQ(parse({"-O", "DeliveryMode=b", "rcpt@x.test"}).to, Recipients{"rcpt@x.test"});
}

TEST(SendmailArgs, IgnoredFlagsWithAttachedArgumentsTakeNoMore) {
  const auto options = parse({"-oem", "-odb", "-oQ/x", "-B8BITMIME", "-h17", "-Lsm-mta",
                              "-X/tmp/log", "-ODeliveryMode=i", "-em", "-ep", "-eq", "a@x.test"});
  EXPECT_EQ(options.to, Recipients{"a@x.test"});
  EXPECT_TRUE(options.dot_ends_input);
}

TEST(SendmailArgs, IgnoredFlagsWithoutArgumentsChangeNothing) {
  const auto plain = parse({"a@x.test"});
  const auto options = parse({"-G", "-U", "-n", "-m", "-bm", "a@x.test"});
  EXPECT_EQ(options.to, plain.to);
  EXPECT_EQ(options.settings.overrides, plain.settings.overrides);
  EXPECT_EQ(options.dot_ends_input, plain.dot_ends_input);
  EXPECT_EQ(options.trace, plain.trace);
}

// --- Modes smtpsend refuses ---

TEST(SendmailArgs, ModesNeedingAQueueOrDaemonAreRefusedNamingTheMode) {
  const std::string tail =
      ") is not supported: smtpsend sends one message per run, read from standard input, and "
      "keeps no queue or daemon";
  EXPECT_EQ(usage_error_of({"-bs"}), "-bs (an SMTP conversation on standard input" + tail);
  EXPECT_EQ(usage_error_of({"-bp"}), "-bp (listing the mail queue, as mailq does" + tail);
  EXPECT_EQ(usage_error_of({"-bd"}), "-bd (running as a daemon" + tail);
  EXPECT_EQ(usage_error_of({"-bD"}), "-bD (running as a daemon in the foreground" + tail);
  EXPECT_EQ(usage_error_of({"-bi"}),
            "-bi (rebuilding the alias database, as newaliases does" + tail);
  EXPECT_EQ(usage_error_of({"-I"}), "-I (rebuilding the alias database, as newaliases does" + tail);
  EXPECT_EQ(usage_error_of({"-bv", "a@x.test"}),
            "-bv (verifying recipients without sending" + tail);
  EXPECT_EQ(usage_error_of({"-bt"}), "-bt (testing address rewriting" + tail);
  EXPECT_EQ(usage_error_of({"-bh"}), "-bh (printing the persistent host status" + tail);
  EXPECT_EQ(usage_error_of({"-bH"}), "-bH (purging the persistent host status" + tail);
  EXPECT_EQ(usage_error_of({"-bP"}), "-bP (counting the messages in the mail queue" + tail);
  EXPECT_EQ(usage_error_of({"-q"}), "-q (processing the mail queue" + tail);
  EXPECT_EQ(usage_error_of({"-q30m"}), "-q30m (processing the mail queue" + tail);
  EXPECT_EQ(usage_error_of({"-qRexample.org"}), "-qRexample.org (processing the mail queue" + tail);
}

TEST(SendmailArgs, ModeGivenAsASeparateWordIsRefusedToo) {
  EXPECT_NE(usage_error_of({"-b", "s"}).find("-bs (an SMTP conversation"), std::string::npos);
}

TEST(SendmailArgs, UnknownModeIsRefused) {
  EXPECT_EQ(usage_error_of({"-bz", "a@x.test"}),
            "unknown sendmail mode '-bz'; smtpsend only delivers the message on standard input "
            "(-bm, the default): smtpsend sends one message per run, read from standard input, "
            "and keeps no queue or daemon");
}

TEST(SendmailArgs, RefusedModeWinsOverMissingRecipients) {
  EXPECT_NE(usage_error_of({"-bp"}).find("-bp"), std::string::npos);
}

// --- Unknown flags ---

TEST(SendmailArgs, UnknownFlagsAreNamed) {
  EXPECT_EQ(usage_error_of({"-Z", "a@x.test"}),
            "unknown option -Z; --help lists the options of sendmail mode");
  EXPECT_EQ(usage_error_of({"-tZ", "a@x.test"}),
            "unknown option -Z (in -tZ); --help lists the options of sendmail mode");
  EXPECT_EQ(usage_error_of({"--no-such-flag=1", "a@x.test"}),
            "unknown option --no-such-flag; --help lists the options of sendmail mode");
}

TEST(SendmailArgs, NativeOnlyFlagsAreUnknownInSendmailMode) {
  EXPECT_NE(usage_error_of({"-s", "Subject", "a@x.test"}).find("unknown option -s"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"--server=mail.x.test", "a@x.test"}).find("--server"),
            std::string::npos);
}

// --- Clustered flags, as getopt(3) allows ---

TEST(SendmailArgs, ClusteredFlagsAreEachApplied) {
  for (const char* cluster : {"-ti", "-it"}) {
    const auto options = parse({cluster});
    EXPECT_TRUE(options.recipients_from_headers) << cluster;
    EXPECT_FALSE(options.dot_ends_input) << cluster;
  }
  const auto verbose = parse({"-vti"});
  EXPECT_TRUE(verbose.trace);
  EXPECT_TRUE(verbose.recipients_from_headers);
}

TEST(SendmailArgs, ClusterEndingInAFlagWithAnArgumentTakesTheNextWord) {
  const auto options = parse({"-tif", "me@x.test"});
  EXPECT_TRUE(options.recipients_from_headers);
  EXPECT_FALSE(options.dot_ends_input);
  EXPECT_EQ(sender_of(options), "me@x.test");
  EXPECT_TRUE(options.to.empty());
}

TEST(SendmailArgs, ClusterCanAttachTheLastFlagsArgument) {
  const auto options = parse({"-tifme@x.test"});
  EXPECT_TRUE(options.recipients_from_headers);
  EXPECT_EQ(sender_of(options), "me@x.test");
}

TEST(SendmailArgs, SeparateOiAndTWork) {
  const auto options = parse({"-oi", "-t"});
  EXPECT_TRUE(options.recipients_from_headers);
  EXPECT_FALSE(options.dot_ends_input);
}

// --- How other programs call sendmail ---

TEST(SendmailCallers, Cron) {
  // Debian's cron mails job output with: sendmail -FCronDaemon -i -B8BITMIME -oem USER
  const auto options = parse({"-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root"});
  EXPECT_EQ(options.full_name, "CronDaemon");
  EXPECT_FALSE(options.dot_ends_input);
  EXPECT_EQ(options.to, Recipients{"root"});
  EXPECT_FALSE(options.recipients_from_headers);
}

TEST(SendmailCallers, Mailx) {
  const auto options = parse({"-i", "--", "alice@x.test", "bob@x.test"});
  EXPECT_FALSE(options.dot_ends_input);
  EXPECT_EQ(options.to, (Recipients{"alice@x.test", "bob@x.test"}));
}

TEST(SendmailCallers, MuttAndSNail) {
  const auto options = parse({"-oem", "-oi", "-f", "me@x.test", "--", "alice@x.test"});
  EXPECT_FALSE(options.dot_ends_input);
  EXPECT_EQ(sender_of(options), "me@x.test");
  EXPECT_EQ(options.to, Recipients{"alice@x.test"});
}

TEST(SendmailCallers, GitSendEmail) {
  const auto options =
      parse({"-i", "-f", "dev@x.test", "maintainer@x.test", "list@x.test", "dev@x.test"});
  EXPECT_FALSE(options.dot_ends_input);
  EXPECT_EQ(sender_of(options), "dev@x.test");
  EXPECT_EQ(options.to, (Recipients{"maintainer@x.test", "list@x.test", "dev@x.test"}));
}

TEST(SendmailCallers, PhpMail) {
  // PHP's default sendmail_path is "sendmail -t -i"; mail()'s fifth argument often adds -f.
  const auto options = parse({"-t", "-i", "-fwww@x.test"});
  EXPECT_TRUE(options.recipients_from_headers);
  EXPECT_FALSE(options.dot_ends_input);
  EXPECT_EQ(sender_of(options), "www@x.test");
  EXPECT_TRUE(options.to.empty());
}

TEST(SendmailCallers, BounceWithDsn) {
  const auto options = parse(
      {"-f", "<>", "-N", "failure,delay", "-R", "hdrs", "-V", "QID.1234", "--", "user@x.test"});
  EXPECT_EQ(options.settings.overrides,
            (std::vector<Override>{{"from", "<>", "-f"},
                                   {"dsn_notify", "failure,delay", "-N"},
                                   {"dsn_return", "headers", "-R"}}));
  EXPECT_EQ(options.dsn_envelope_id, "QID.1234");
}

}  // namespace
}  // namespace smtpsend::cli
