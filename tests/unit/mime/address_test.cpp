#include "mime/address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"

namespace smtpsend::mime {
namespace {

using Mailboxes = std::vector<Mailbox>;

std::string error_for(std::string_view input) {
  try {
    parse_address_list(input);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::data);
    return failure.error().message;
  }
  ADD_FAILURE() << "no Failure for: " << input;
  return {};
}

// ---- valid input ----

TEST(ParseAddressList, BareAddress) {
  EXPECT_EQ(parse_address_list("user@example.com"), (Mailboxes{{"", "user@example.com"}}));
}

TEST(ParseAddressList, NameAndAngleAddress) {
  EXPECT_EQ(parse_address_list("John Doe <john@example.com>"),
            (Mailboxes{{"John Doe", "john@example.com"}}));
}

TEST(ParseAddressList, AngleAddressWithoutName) {
  EXPECT_EQ(parse_address_list("<john@example.com>"), (Mailboxes{{"", "john@example.com"}}));
}

TEST(ParseAddressList, CommaInsideQuotedNameDoesNotSplit) {
  EXPECT_EQ(parse_address_list("\"Doe, John\" <john@example.com>, jane@example.com"),
            (Mailboxes{{"Doe, John", "john@example.com"}, {"", "jane@example.com"}}));
}

TEST(ParseAddressList, EscapedQuotesAndBackslashesInQuotedName) {
  EXPECT_EQ(parse_address_list(R"("Joe \"The Man\" Smith" <joe@example.com>)"),
            (Mailboxes{{R"(Joe "The Man" Smith)", "joe@example.com"}}));
  EXPECT_EQ(parse_address_list(R"("back\\slash" <b@example.com>)"),
            (Mailboxes{{R"(back\slash)", "b@example.com"}}));
}

TEST(ParseAddressList, CommentsAreDroppedEvenNested) {
  EXPECT_EQ(parse_address_list("john(a comment)@(another (nested) one)example.com (trailing)"),
            (Mailboxes{{"", "john@example.com"}}));
}

TEST(ParseAddressList, Rfc5322AppendixA5CommentsAndWhitespace) {
  EXPECT_EQ(
      parse_address_list(R"((lead) Pete(A nice \) chap) <pete(his account)@silly.test(his host)>)"),
      (Mailboxes{{"Pete", "pete@silly.test"}}));
}

TEST(ParseAddressList, GroupMembersAreFlattened) {
  // RFC 5322 Appendix A.1.3.
  EXPECT_EQ(
      parse_address_list("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;"),
      (Mailboxes{{"Ed Jones", "c@a.test"}, {"", "joe@where.test"}, {"John", "jdoe@one.test"}}));
}

TEST(ParseAddressList, EmptyGroupAddsNothing) {
  EXPECT_EQ(parse_address_list("Undisclosed recipients:;"), Mailboxes{});
  EXPECT_EQ(parse_address_list("a@example.com, Undisclosed recipients:;, c@example.com"),
            (Mailboxes{{"", "a@example.com"}, {"", "c@example.com"}}));
}

TEST(ParseAddressList, DomainLiterals) {
  EXPECT_EQ(parse_address_list("root@[127.0.0.1], <x@[IPv6:::1]>, y@[ 10.0.0.1 ]"),
            (Mailboxes{{"", "root@[127.0.0.1]"}, {"", "x@[IPv6:::1]"}, {"", "y@[10.0.0.1]"}}));
}

TEST(ParseAddressList, QuotedLocalPartStaysQuotedWhenItMustBe) {
  EXPECT_EQ(parse_address_list("\"john doe\"@example.com"),
            (Mailboxes{{"", "\"john doe\"@example.com"}}));
  EXPECT_EQ(parse_address_list(R"("a\"b"@example.com)"),
            (Mailboxes{{"", R"("a\"b"@example.com)"}}));
  EXPECT_EQ(parse_address_list("\"john.\"@example.com"),
            (Mailboxes{{"", "\"john.\"@example.com"}}));
}

TEST(ParseAddressList, NeedlesslyQuotedLocalPartIsUnquoted) {
  EXPECT_EQ(parse_address_list("\"john\"@example.com, \"a\".\"b\"@example.com"),
            (Mailboxes{{"", "john@example.com"}, {"", "a.b@example.com"}}));
}

TEST(ParseAddressList, ObsoleteDotsAndSpacesInNamesAndAddresses) {
  EXPECT_EQ(parse_address_list("John Q. Public <jqp@example.com>"),
            (Mailboxes{{"John Q. Public", "jqp@example.com"}}));
  EXPECT_EQ(parse_address_list("john . doe @ example . com"),
            (Mailboxes{{"", "john.doe@example.com"}}));
}

TEST(ParseAddressList, ObsoleteSourceRouteIsDropped) {
  EXPECT_EQ(parse_address_list("Joe <@a.test,@b.test:joe@c.test>"),
            (Mailboxes{{"Joe", "joe@c.test"}}));
}

TEST(ParseAddressList, EmptyListElementsAreSkipped) {
  EXPECT_EQ(parse_address_list(", a@example.com, , b@example.com,"),
            (Mailboxes{{"", "a@example.com"}, {"", "b@example.com"}}));
}

TEST(ParseAddressList, FoldedInputIsUnfolded) {
  EXPECT_EQ(parse_address_list("Ann\r\n <ann@example.com>,\r\n\tbob@example.com"),
            (Mailboxes{{"Ann", "ann@example.com"}, {"", "bob@example.com"}}));
}

TEST(ParseAddressList, QuotedAndPlainWordsMakeOneName) {
  EXPECT_EQ(parse_address_list("\"Dr.\" Ann   Smith <ann@example.com>"),
            (Mailboxes{{"Dr. Ann Smith", "ann@example.com"}}));
}

TEST(ParseAddressList, Utf8InNameLocalPartAndDomain) {
  EXPECT_EQ(parse_address_list("J\xC3\xBCrgen <j\xC3\xBCrgen@b\xC3\xBC"
                               "cher.de>"),
            (Mailboxes{{"J\xC3\xBCrgen",
                        "j\xC3\xBCrgen@b\xC3\xBC"
                        "cher.de"}}));
  EXPECT_EQ(parse_address_list("\"\xE5\xB1\xB1\xE7\x94\xB0, \xE5\xA4\xAA\xE9\x83\x8E\" "
                               "<\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF"
                               "\xE5\x91\x8A>"),
            (Mailboxes{{"\xE5\xB1\xB1\xE7\x94\xB0, \xE5\xA4\xAA\xE9\x83\x8E",
                        "\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91"
                        "\x8A"}}));
}

TEST(ParseAddressList, BlankInputIsAnEmptyList) {
  EXPECT_EQ(parse_address_list(""), Mailboxes{});
  EXPECT_EQ(parse_address_list("  (just a comment) "), Mailboxes{});
}

TEST(ParseAddressList, EncodedWordsInNamesAreKeptAsWritten) {
  EXPECT_EQ(parse_address_list("=?UTF-8?Q?J=C3=BCrgen?= <j@example.com>"),
            (Mailboxes{{"=?UTF-8?Q?J=C3=BCrgen?=", "j@example.com"}}));
}

// ---- invalid input: the whole message, so the user sees what to fix ----

TEST(ParseAddressListErrors, MissingAt) {
  EXPECT_EQ(error_for("john.example.com"), "invalid address 'john.example.com': missing '@'");
  EXPECT_EQ(error_for("John Doe"), "invalid address 'John Doe': missing '@'");
}

TEST(ParseAddressListErrors, UnbalancedAngleBrackets) {
  EXPECT_EQ(error_for("John <john@example.com"),
            "invalid address 'John <john@example.com': unbalanced '<': missing '>'");
  EXPECT_EQ(error_for("john@example.com>"),
            "invalid address 'john@example.com>': unbalanced '<' or '>'");
}

TEST(ParseAddressListErrors, UnterminatedQuote) {
  EXPECT_EQ(error_for("a@example.com, \"Doe, John <john@example.com>"),
            "invalid address '\"Doe, John <john@example.com>': unterminated quoted string "
            "(missing '\"')");
}

TEST(ParseAddressListErrors, DotsInTheWrongPlaceOfTheLocalPart) {
  EXPECT_EQ(error_for("john.@example.com"),
            "invalid address 'john.@example.com': the local part ends with a dot");
  EXPECT_EQ(error_for(".john@example.com"),
            "invalid address '.john@example.com': the local part starts with a dot");
  EXPECT_EQ(error_for("john..doe@example.com"),
            "invalid address 'john..doe@example.com': two dots in a row in the local part");
}

TEST(ParseAddressListErrors, DotsInTheWrongPlaceOfTheDomain) {
  EXPECT_EQ(error_for("john@example..com"),
            "invalid address 'john@example..com': two dots in a row in the domain");
  EXPECT_EQ(error_for("john@example.com."),
            "invalid address 'john@example.com.': the domain ends with a dot");
  EXPECT_EQ(error_for("john@.example.com"),
            "invalid address 'john@.example.com': the domain starts with a dot");
}

TEST(ParseAddressListErrors, MissingLocalPartOrDomain) {
  EXPECT_EQ(error_for("@example.com"),
            "invalid address '@example.com': missing local part before '@'");
  EXPECT_EQ(error_for("good@example.com, bad@, other@example.com"),
            "invalid address 'bad@': missing domain after '@'");
  EXPECT_EQ(error_for("<>"), "invalid address '<>': empty address '<>'");
}

TEST(ParseAddressListErrors, TwoAtSigns) {
  EXPECT_EQ(error_for("a@b@example.com"), "invalid address 'a@b@example.com': more than one '@'");
}

TEST(ParseAddressListErrors, MissingCommaBetweenAddresses) {
  EXPECT_EQ(error_for("a@example.com b@example.com"),
            "invalid address 'a@example.com b@example.com': missing ',' between addresses");
}

TEST(ParseAddressListErrors, UnquotedSpaceInLocalPart) {
  EXPECT_EQ(error_for("john doe@example.com"),
            "invalid address 'john doe@example.com': unquoted space in the local part; quote it");
}

TEST(ParseAddressListErrors, GroupProblems) {
  EXPECT_EQ(error_for("Team: a@example.com"),
            "invalid address 'Team: a@example.com': group 'Team' is not closed with ';'");
  EXPECT_EQ(error_for("Outer: Inner: a@example.com;;"),
            "invalid address 'Outer: Inner: a@example.com;;': a group cannot contain another "
            "group");
  EXPECT_EQ(error_for("a@example.com;"), "invalid address 'a@example.com;': ';' outside a group");
}

TEST(ParseAddressListErrors, UnbalancedCommentsAndLiterals) {
  EXPECT_EQ(error_for("a@example.com (unclosed"),
            "invalid address 'a@example.com (unclosed': unterminated comment (missing ')')");
  EXPECT_EQ(error_for("a@example.com)"),
            "invalid address 'a@example.com)': ')' without a matching '('");
  EXPECT_EQ(error_for("a@[1.2.3.4"),
            "invalid address 'a@[1.2.3.4': unterminated domain literal (missing ']')");
  EXPECT_EQ(error_for("a@[]"), "invalid address 'a@[]': empty domain literal '[]'");
}

TEST(ParseAddressListErrors, LineBreakThatIsNotAFoldIsRefused) {
  EXPECT_EQ(error_for("a@example.com\r\nBcc: x@example.com"),
            "invalid address 'a@example.com??Bcc: x@example.com': line break inside the address "
            "list");
}

TEST(ParseAddressListErrors, InvalidUtf8IsRefused) {
  EXPECT_EQ(error_for("j\xFCrgen@example.com"),
            "invalid address 'j?rgen@example.com': not valid UTF-8 at byte 1");
}

// ---- formatting ----

TEST(FormatMailbox, AddressAloneWithoutName) {
  EXPECT_EQ(format_mailbox({"", "a@example.com"}), "a@example.com");
}

TEST(FormatMailbox, AtomNameIsNotQuoted) {
  EXPECT_EQ(format_mailbox({"John Doe", "j@example.com"}), "John Doe <j@example.com>");
}

TEST(FormatMailbox, NameWithSpecialsIsQuotedAndEscaped) {
  EXPECT_EQ(format_mailbox({"John Q. Public", "j@example.com"}),
            "\"John Q. Public\" <j@example.com>");
  EXPECT_EQ(format_mailbox({"Doe, John", "j@example.com"}), "\"Doe, John\" <j@example.com>");
  EXPECT_EQ(format_mailbox({R"(Joe "The Man" \ Smith)", "j@example.com"}),
            R"("Joe \"The Man\" \\ Smith" <j@example.com>)");
  EXPECT_EQ(format_mailbox({" padded", "j@example.com"}), "\" padded\" <j@example.com>");
}

TEST(FormatMailbox, NonAsciiNameIsEncoded) {
  EXPECT_EQ(format_mailbox({"J\xC3\xBCrgen", "j@example.com"}),
            "=?UTF-8?Q?J=C3=BCrgen?= <j@example.com>");
}

TEST(FormatMailbox, NameThatLooksEncodedIsEncoded) {
  EXPECT_EQ(format_mailbox({"=?a?b?c?=", "j@example.com"}),
            "=?UTF-8?B?PT9hP2I/Yz89?= <j@example.com>");
}

TEST(FormatMailbox, ListIsJoinedWithCommaSpace) {
  EXPECT_EQ(format_mailbox_list({{"Ann", "a@example.com"}, {"", "b@example.com"}}),
            "Ann <a@example.com>, b@example.com");
  EXPECT_EQ(format_mailbox_list({}), "");
}

TEST(FormatMailbox, AsciiMailboxesSurviveFormatThenParse) {
  const Mailboxes mailboxes = {{"Doe, John", "john@example.com"},
                               {R"(a "quoted" \ name)", "\"odd local\"@example.com"},
                               {"Plain", "p@[127.0.0.1]"},
                               {"", "bare@example.com"}};
  EXPECT_EQ(parse_address_list(format_mailbox_list(mailboxes)), mailboxes);
}

TEST(ParseAddressList, LocalNamesOnlyWhenAccepted) {
  EXPECT_THROW(parse_address_list("root"), Failure);
  EXPECT_EQ(parse_address_list("root, Web <www-data>, \"a b\"", LocalNames::accepted),
            (Mailboxes{{"", "root"}, {"Web", "www-data"}, {"", "\"a b\""}}));
  EXPECT_THROW(parse_address_list("John Smith", LocalNames::accepted), Failure);
  EXPECT_THROW(parse_address_list("<root", LocalNames::accepted), Failure);
}

TEST(IsLocalOnly, ALocalPartWithoutDomain) {
  EXPECT_TRUE(is_local_only("root"));
  EXPECT_TRUE(is_local_only("\"a@b\""));
  EXPECT_FALSE(is_local_only("root@example.org"));
  EXPECT_FALSE(is_local_only("\"a b\"@example.org"));
}

TEST(NeedsSmtpUtf8, OnlyForNonAsciiAddresses) {
  EXPECT_FALSE(needs_smtputf8({"J\xC3\xBCrgen", "j@example.com"}));
  EXPECT_TRUE(needs_smtputf8({"", "j\xC3\xBCrgen@example.com"}));
  EXPECT_TRUE(needs_smtputf8({"",
                              "j@b\xC3\xBC"
                              "cher.de"}));
}

}  // namespace
}  // namespace smtpsend::mime
