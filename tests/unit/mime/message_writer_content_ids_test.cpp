#include "mime/message_writer_content_ids.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "mime/message.hpp"

namespace smtpsend::mime {
namespace {

using Ids = std::vector<std::string>;

FilePart inline_part(std::string path, std::string content_id = "") {
  return {std::move(path), "", "", std::move(content_id)};
}

TEST(ContentIds, DefaultIdIsTheFileNameMadeSafe) {
  EXPECT_EQ(content_id_of(inline_part("/img/logo.png")), "logo.png");
  EXPECT_EQ(content_id_of(inline_part("/img/Gr\xC3\xBC\xC3\x9F"
                                      "e.png")),
            "Gr__e.png");
  EXPECT_EQ(content_id_of(inline_part("/img/my logo (1).png")), "my_logo__1_.png");
  EXPECT_EQ(content_id_of(inline_part("/img/.hidden..x.")), "_hidden._x_");
  EXPECT_EQ(content_id_of({"/img/a.png", "", "shown name.png", ""}), "shown_name.png");
  for (const char* path : {"/img/logo.png", "/img/Gr\xC3\xBC.png", "/img/.a..b.", "/img/@@"}) {
    EXPECT_NO_THROW(validate_content_id(content_id_of(inline_part(path)))) << path;
  }
}

TEST(ContentIds, GivenIdLosesItsAngleBrackets) {
  EXPECT_EQ(content_id_of(inline_part("a.png", "<logo@example.com>")), "logo@example.com");
  EXPECT_EQ(content_id_of(inline_part("a.png", "logo")), "logo");
}

TEST(ContentIds, ValidIdsAreDotAtomsOptionallyJoinedByAt) {
  for (const char* id : {"logo", "logo.png", "logo@example.com", "a-b_c+d"}) {
    EXPECT_NO_THROW(validate_content_id(id)) << id;
  }
  for (const char* id :
       {"", "two words", "a@b@c", ".a", "a..b", "a@", "<a>", "a\"b", "caf\xC3\xA9"}) {
    try {
      validate_content_id(id);
      ADD_FAILURE() << "accepted '" << id << "'";
    } catch (const Failure& failure) {
      EXPECT_EQ(failure.error().kind, ErrorKind::usage);
    }
  }
}

// RFC 5322 §2.1.1: "Content-ID: <" ID ">" must fit in 998 octets, and cannot be folded.
TEST(ContentIds, IdTooLongForItsHeaderLineIsRefused) {
  EXPECT_NO_THROW(validate_content_id(std::string(984, 'x')));
  EXPECT_NO_THROW(validate_content_id(std::string(500, 'x') + "@" + std::string(483, 'y')));
  try {
    validate_content_id(std::string(985, 'x'));
    ADD_FAILURE() << "a 985-character content ID was accepted";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().kind, ErrorKind::usage);
    EXPECT_EQ(failure.error().message,
              "the content ID has 985 characters, but at most 984 fit on the Content-ID line "
              "(998 octets, RFC 5322 §2.1.1); give a shorter cid=");
  }
}

TEST(ContentIds, ReferencesInAttributesAndCssAreFoundAndDecoded) {
  const std::string html =
      "<img src=\"cid:logo\"><img SRC='CID:photo%40example.com'>"
      "<div style=\"background: url(cid:bg.png)\"></div><p>an acid:test and cid:</p>"
      "<img src=\"cid:logo\"><a href=\"cid:100%\">";
  EXPECT_EQ(find_content_id_references(html), (Ids{"logo", "photo@example.com", "bg.png", "100%"}));
}

TEST(ContentIds, UnresolvedAreThoseNoInlinePartProvides) {
  const std::string html =
      "<img src=\"cid:logo.png\"><img src=\"cid:chart\"><img src=\"cid:photo%40example.com\">"
      "<img src=\"cid:missing\"><img src=\"cid:Logo.png\">";
  const std::vector<FilePart> parts = {inline_part("/x/logo.png"),
                                       inline_part("/x/c.svg", "<chart>"),
                                       inline_part("/x/p.jpg", "photo@example.com")};
  EXPECT_EQ(unresolved_content_ids(html, parts), (Ids{"missing", "Logo.png"}));
  EXPECT_EQ(unresolved_content_ids("<p>no images</p>", {}), Ids{});
}

}  // namespace
}  // namespace smtpsend::mime
