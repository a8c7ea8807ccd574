#include "mime/submitted_header_section.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::mime {
namespace {

using LineRole = SubmittedHeaderSection::LineRole;

// The roles of `lines` given one after another, up to the first that is not `header`.
std::vector<LineRole> roles(SubmittedHeaderSection& section,
                            const std::vector<std::string_view>& lines) {
  std::vector<LineRole> result;
  for (const auto line : lines) {
    result.push_back(section.add_line(line));
    if (result.back() != LineRole::header) {
      return result;
    }
  }
  section.end_of_input();
  return result;
}

TEST(SubmittedHeaderSection, EmptyLineEndsItAndFieldsAreKeptInOrder) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"Subject: hi", "To: a@example.org", "", "body"}),
            (std::vector{LineRole::header, LineRole::header, LineRole::separator}));
  EXPECT_EQ(section.text(), "Subject: hi\r\nTo: a@example.org\r\n");
  EXPECT_EQ(section.headers().to, std::vector<std::string>{"a@example.org"});
}

TEST(SubmittedHeaderSection, RecipientFieldsAreUnfoldedTrimmedAndOnePerField) {
  SubmittedHeaderSection section(true);
  roles(section, {"To:  a@example.org,", "\tb@example.org ", "CC: c@example.org",
                  "to :d@example.org", "cc\t: e@example.org,", "  f@example.org", ""});
  EXPECT_EQ(section.headers().to,
            (std::vector<std::string>{"a@example.org,\tb@example.org", "d@example.org"}));
  EXPECT_EQ(section.headers().cc,
            (std::vector<std::string>{"c@example.org", "e@example.org,  f@example.org"}));
  EXPECT_TRUE(section.headers().bcc.empty());
}

TEST(SubmittedHeaderSection, BccFieldsAreLeftOutWithTheirContinuationsAndStillReported) {
  SubmittedHeaderSection section(true);
  roles(section, {"To: a@example.org", "Bcc: x@example.net,", " y@example.net", "Subject: s",
                  " continued", "bCC : z@example.net", ""});
  EXPECT_EQ(section.text(), "To: a@example.org\r\nSubject: s\r\n continued\r\n");
  EXPECT_EQ(section.headers().bcc,
            (std::vector<std::string>{"x@example.net, y@example.net", "z@example.net"}));
}

TEST(SubmittedHeaderSection, BccFieldsStayWhenNotToBeRemoved) {
  SubmittedHeaderSection section(false);
  roles(section, {"Bcc: x@example.net,", " y@example.net", ""});
  EXPECT_EQ(section.text(), "Bcc: x@example.net,\r\n y@example.net\r\n");
  EXPECT_EQ(section.headers().bcc, std::vector<std::string>{"x@example.net, y@example.net"});
}

TEST(SubmittedHeaderSection, FieldsThatOnlyLookLikeBccAreKept) {
  SubmittedHeaderSection section(true);
  roles(section, {"Bccx: 1", "X-Bcc: 2", "Resent-Bccx: 3", ""});
  EXPECT_EQ(section.text(), "Bccx: 1\r\nX-Bcc: 2\r\nResent-Bccx: 3\r\n");
  EXPECT_TRUE(section.headers().bcc.empty());
  EXPECT_TRUE(section.headers().resent_bcc.empty());
}

// RFC 5322 §3.6.6: Resent-Bcc hides its recipients like Bcc.
TEST(SubmittedHeaderSection, ResentBccFieldsAreLeftOutAndReported) {
  SubmittedHeaderSection section(true);
  roles(section, {"Resent-From: r@example.org", "Resent-Bcc: x@example.net,", " y@example.net",
                  "resent-bcc : z@example.net", "Subject: s", ""});
  EXPECT_EQ(section.text(), "Resent-From: r@example.org\r\nSubject: s\r\n");
  EXPECT_EQ(section.headers().resent_bcc,
            (std::vector<std::string>{"x@example.net, y@example.net", "z@example.net"}));
  EXPECT_TRUE(section.headers().bcc.empty());
}

TEST(SubmittedHeaderSection, ResentBccFieldsStayWhenNotToBeRemoved) {
  SubmittedHeaderSection section(false);
  roles(section, {"Resent-Bcc: x@example.net", ""});
  EXPECT_EQ(section.text(), "Resent-Bcc: x@example.net\r\n");
}

TEST(SubmittedHeaderSection, ResentToAndCcAreReportedApart) {
  SubmittedHeaderSection section(true);
  roles(section, {"To: a@example.org", "Resent-To: b@example.org", "RESENT-CC: c@example.org",
                  "Cc: d@example.org", ""});
  EXPECT_EQ(section.headers().to, std::vector<std::string>{"a@example.org"});
  EXPECT_EQ(section.headers().cc, std::vector<std::string>{"d@example.org"});
  EXPECT_EQ(section.headers().resent_to, std::vector<std::string>{"b@example.org"});
  EXPECT_EQ(section.headers().resent_cc, std::vector<std::string>{"c@example.org"});
  EXPECT_EQ(section.text(),
            "To: a@example.org\r\nResent-To: b@example.org\r\nRESENT-CC: c@example.org\r\n"
            "Cc: d@example.org\r\n");
}

TEST(SubmittedHeaderSection, FromDateAndMessageIdAreNoticedInAnyCase) {
  SubmittedHeaderSection section(true);
  EXPECT_FALSE(section.headers().from.has_value());
  roles(section, {"FROM: Ann <ann@example.org>", "from: second@example.org",
                  "date: Mon, 2 Mar 2026 10:00:00 +0000", "MESSAGE-id: <1@example.org>"});
  EXPECT_EQ(section.headers().from, "Ann <ann@example.org>");
  EXPECT_TRUE(section.headers().has_date);
  EXPECT_TRUE(section.headers().has_message_id);
}

TEST(SubmittedHeaderSection, NoDateOrMessageIdWhenAbsent) {
  SubmittedHeaderSection section(true);
  roles(section, {"Subject: x", "X-Date: y", "Message-ID-Note: z", ""});
  EXPECT_FALSE(section.headers().has_date);
  EXPECT_FALSE(section.headers().has_message_id);
  EXPECT_FALSE(section.headers().from.has_value());
}

// Postfix's rule: text that forgot the empty line starts the body.
TEST(SubmittedHeaderSection, LineThatIsNotAFieldStartsTheBody) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"To: a@example.org", "Hello,", "more"}),
            (std::vector{LineRole::header, LineRole::body}));
  EXPECT_EQ(section.text(), "To: a@example.org\r\n");
  EXPECT_EQ(section.headers().to, std::vector<std::string>{"a@example.org"});
}

TEST(SubmittedHeaderSection, FieldNamesAreOfPrintableAsciiOnly) {
  for (const std::string_view line :
       {": no name", "Two words: x", "Gr\u00FC\u00DFe: x", "X-Ctl\x01: x", "NoColon"}) {
    SubmittedHeaderSection section(true);
    EXPECT_EQ(roles(section, {"Subject: s", line}), (std::vector{LineRole::header, LineRole::body}))
        << line;
  }
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"X-Odd!#$%&'*+-/=?^_`{|}~\"(),.;<>@[\\]: x"}),
            std::vector{LineRole::header});
}

TEST(SubmittedHeaderSection, FirstLineEmptyMeansNoHeaderSection) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"", "To: not a field here"}), std::vector{LineRole::separator});
  EXPECT_EQ(section.text(), "");
  EXPECT_TRUE(section.headers().to.empty());
}

TEST(SubmittedHeaderSection, FirstLineNotAFieldMeansNoHeaderSection) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"Backup finished.", "To: not a field here"}),
            std::vector{LineRole::body});
  EXPECT_EQ(section.text(), "");
}

TEST(SubmittedHeaderSection, IndentedFirstLineHasNothingToContinue) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"  indented text"}), std::vector{LineRole::body});
  EXPECT_EQ(section.text(), "");
}

TEST(SubmittedHeaderSection, MboxFromLineAtTheStartIsDropped) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(
      roles(section, {"From jane@example.org Mon Mar  2 10:00:00 2026", "To: a@example.org", ""}),
      (std::vector{LineRole::header, LineRole::header, LineRole::separator}));
  EXPECT_EQ(section.text(), "To: a@example.org\r\n");
  EXPECT_FALSE(section.headers().from.has_value());
}

TEST(SubmittedHeaderSection, LineAfterTheMboxLineIsTakenAsTheFirst) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"From jane@example.org Mon Mar  2 10:00:00 2026", "text"}),
            (std::vector{LineRole::header, LineRole::body}));
  EXPECT_EQ(section.text(), "");
}

TEST(SubmittedHeaderSection, FromFieldWithWhitespaceBeforeItsColonIsAField) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"From : ann@example.org", ""}),
            (std::vector{LineRole::header, LineRole::separator}));
  EXPECT_EQ(section.headers().from, "ann@example.org");
  EXPECT_EQ(section.text(), "From : ann@example.org\r\n");
}

TEST(SubmittedHeaderSection, MboxLineLaterOnStartsTheBody) {
  SubmittedHeaderSection section(true);
  EXPECT_EQ(roles(section, {"To: a@example.org", "From jane@example.org Mon Mar  2 2026"}),
            (std::vector{LineRole::header, LineRole::body}));
}

TEST(SubmittedHeaderSection, EndOfInputCompletesTheLastField) {
  SubmittedHeaderSection section(true);
  roles(section, {"Subject: s", "Cc: c@example.org,", " d@example.org"});
  EXPECT_EQ(section.headers().cc, std::vector<std::string>{"c@example.org, d@example.org"});
  EXPECT_EQ(section.text(), "Subject: s\r\nCc: c@example.org,\r\n d@example.org\r\n");
}

TEST(SubmittedHeaderSection, EmptyFieldBodiesAreReported) {
  SubmittedHeaderSection section(true);
  roles(section, {"To:", "Bcc:   ", ""});
  EXPECT_EQ(section.headers().to, std::vector<std::string>{""});
  EXPECT_EQ(section.headers().bcc, std::vector<std::string>{""});
  EXPECT_EQ(section.text(), "To:\r\n");
}

}  // namespace
}  // namespace smtpsend::mime
