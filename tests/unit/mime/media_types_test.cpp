#include "mime/media_types.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace smtpsend::mime {
namespace {

struct NameAndType {
  std::string_view file_name;
  std::string_view expected;
};

void expect_media_types(std::initializer_list<NameAndType> cases) {
  for (const auto& [file_name, expected] : cases) {
    EXPECT_EQ(media_type_for(file_name), expected) << "file name: \"" << file_name << "\"";
  }
}

TEST(MediaTypeTable, IsSortedByExtensionWithoutDuplicates) {
  const auto table = media_type_table();
  for (std::size_t i = 1; i < table.size(); ++i) {
    EXPECT_LT(table[i - 1].extension, table[i].extension) << "at row " << i;
  }
}

TEST(MediaTypeTable, HasAtLeastEightyEntries) {
  EXPECT_GE(media_type_table().size(), 80u);
}

TEST(MediaTypeTable, ExtensionsAreLowerCaseWithoutDotsAndTypesAreValid) {
  for (const auto& row : media_type_table()) {
    EXPECT_FALSE(row.extension.empty());
    for (char c : row.extension) {
      EXPECT_FALSE(c >= 'A' && c <= 'Z') << row.extension;
      EXPECT_NE(c, '.') << row.extension;
    }
    EXPECT_TRUE(is_valid_media_type(row.media_type)) << row.media_type;
  }
}

TEST(MediaTypeFor, DocumentsAndOfficeFormats) {
  expect_media_types({
      {"report.pdf", "application/pdf"},
      {"letter.doc", "application/msword"},
      {"letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"budget.xls", "application/vnd.ms-excel"},
      {"budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"slides.ppt", "application/vnd.ms-powerpoint"},
      {"slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"notes.odt", "application/vnd.oasis.opendocument.text"},
      {"sheet.ods", "application/vnd.oasis.opendocument.spreadsheet"},
      {"talk.odp", "application/vnd.oasis.opendocument.presentation"},
      {"old.rtf", "application/rtf"},
      {"book.epub", "application/epub+zip"},
  });
}

TEST(MediaTypeFor, TextAndStructuredData) {
  expect_media_types({
      {"readme.txt", "text/plain"},       {"build.log", "text/plain"},
      {"server.conf", "text/plain"},      {"data.csv", "text/csv"},
      {"index.html", "text/html"},        {"index.htm", "text/html"},
      {"style.css", "text/css"},          {"README.md", "text/markdown"},
      {"meeting.ics", "text/calendar"},   {"contact.vcf", "text/vcard"},
      {"app.js", "text/javascript"},      {"module.mjs", "text/javascript"},
      {"data.json", "application/json"},  {"feed.xml", "application/xml"},
      {"ci.yaml", "application/yaml"},    {"ci.yml", "application/yaml"},
      {"Cargo.toml", "application/toml"}, {"dump.sql", "application/sql"},
      {"fix.patch", "text/x-diff"},       {"fix.diff", "text/x-diff"},
      {"script.py", "text/x-python"},     {"install.sh", "application/x-sh"},
  });
}

TEST(MediaTypeFor, ArchivesAndBinaries) {
  expect_media_types({
      {"bundle.zip", "application/zip"},
      {"logs.gz", "application/gzip"},
      {"src.tgz", "application/gzip"},
      {"src.tar", "application/x-tar"},
      {"src.tar.bz2", "application/x-bzip2"},
      {"src.tar.xz", "application/x-xz"},
      {"src.tar.zst", "application/zstd"},
      {"backup.7z", "application/x-7z-compressed"},
      {"backup.rar", "application/vnd.rar"},
      {"setup.exe", "application/octet-stream"},
      {"plugin.dll", "application/octet-stream"},
      {"firmware.bin", "application/octet-stream"},
      {"module.wasm", "application/wasm"},
  });
}

TEST(MediaTypeFor, ImagesAudioVideoAndFonts) {
  expect_media_types({
      {"photo.png", "image/png"},
      {"photo.jpg", "image/jpeg"},
      {"photo.jpeg", "image/jpeg"},
      {"photo.jpe", "image/jpeg"},
      {"anim.gif", "image/gif"},
      {"photo.webp", "image/webp"},
      {"logo.svg", "image/svg+xml"},
      {"scan.tif", "image/tiff"},
      {"favicon.ico", "image/vnd.microsoft.icon"},
      {"photo.heic", "image/heic"},
      {"photo.avif", "image/avif"},
      {"song.mp3", "audio/mpeg"},
      {"voice.opus", "audio/ogg"},
      {"sound.wav", "audio/wav"},
      {"track.flac", "audio/flac"},
      {"memo.m4a", "audio/mp4"},
      {"tune.mid", "audio/midi"},
      {"clip.mp4", "video/mp4"},
      {"clip.webm", "video/webm"},
      {"clip.mov", "video/quicktime"},
      {"clip.mkv", "video/x-matroska"},
      {"clip.ogv", "video/ogg"},
      {"font.woff2", "font/woff2"},
      {"font.ttf", "font/ttf"},
  });
}

TEST(MediaTypeFor, MailAndSecurityFiles) {
  expect_media_types({
      {"forwarded.eml", "message/rfc822"},
      {"file.sig", "application/pgp-signature"},
      {"file.asc", "application/pgp-signature"},
      {"smime.p7s", "application/pkcs7-signature"},
      {"server.pem", "application/x-pem-file"},
      {"server.crt", "application/pkix-cert"},
      {"server.cer", "application/pkix-cert"},
  });
}

TEST(MediaTypeFor, IgnoresCaseOfTheExtension) {
  expect_media_types({
      {"SCAN.PDF", "application/pdf"},
      {"Photo.JpG", "image/jpeg"},
      {"Archive.TAR.GZ", "application/gzip"},
  });
}

TEST(MediaTypeFor, UsesOnlyTheLastExtension) {
  expect_media_types({
      {"archive.tar.gz", "application/gzip"},
      {"report.final.v2.pdf", "application/pdf"},
      {"photo.png.exe", "application/octet-stream"},
      {"notes.txt.unknown", "application/octet-stream"},
  });
}

TEST(MediaTypeFor, LooksOnlyAtTheBaseName) {
  expect_media_types({
      {"/home/ann/docs/report.pdf", "application/pdf"},
      {"./relative/dir.d/readme.txt", "text/plain"},
      {"dir.zip/README", "application/octet-stream"},
      {"some.dir/", "application/octet-stream"},
      {"../photo.png", "image/png"},
  });
}

TEST(MediaTypeFor, NamesWithoutAnExtensionAreOctetStream) {
  expect_media_types({
      {"", "application/octet-stream"},
      {"Makefile", "application/octet-stream"},
      {"trailing.", "application/octet-stream"},
      {".", "application/octet-stream"},
      {"..", "application/octet-stream"},
  });
}

TEST(MediaTypeFor, LeadingDotMarksAHiddenFileNotAnExtension) {
  expect_media_types({
      {".bashrc", "application/octet-stream"},
      {".txt", "application/octet-stream"},
      {"/home/ann/.pdf", "application/octet-stream"},
      {".config.json", "application/json"},
  });
}

TEST(MediaTypeFor, UnknownExtensionsAreOctetStream) {
  expect_media_types({
      {"data.xyzzy", "application/octet-stream"},
      {"file.pdf ", "application/octet-stream"},
      {"file.p\xc3\xa9", "application/octet-stream"},
  });
}

TEST(IsValidMediaType, AcceptsRestrictedNames) {
  for (std::string_view good :
       {"text/plain", "application/vnd.foo+json", "image/svg+xml", "application/vnd.ms-excel",
        "TEXT/PLAIN", "x-custom/x_thing", "application/prs.a!b#c$d&e^f", "3d/9model"}) {
    EXPECT_TRUE(is_valid_media_type(good)) << good;
  }
}

TEST(IsValidMediaType, RejectsMalformedOverrides) {
  for (std::string_view bad : {"",
                               "text",
                               "text/",
                               "/plain",
                               "/",
                               "te xt/plain",
                               "text/plain; charset=x",
                               "text/plain;charset=x",
                               " text/plain",
                               "text/plain ",
                               "text/plain/extra",
                               "text//plain",
                               "-text/plain",
                               "text/.plain",
                               "text/+json",
                               "text/pl@in",
                               "text/plain\r\n",
                               "t\xc3\xa9xt/plain",
                               "text/*",
                               "*/*"}) {
    EXPECT_FALSE(is_valid_media_type(bad)) << "\"" << bad << "\"";
  }
}

TEST(IsValidMediaType, LimitsEachNameTo127Characters) {
  const std::string longest(127, 'a');
  EXPECT_TRUE(is_valid_media_type(longest + "/" + longest));
  EXPECT_FALSE(is_valid_media_type(longest + "a/plain"));
  EXPECT_FALSE(is_valid_media_type("text/" + longest + "a"));
}

TEST(IsTextMediaType, TextTypesAreText) {
  for (std::string_view text : {"text/plain", "text/html", "text/csv", "Text/Calendar",
                                "text/x-diff", "text/plain; charset=utf-8", "text/javascript"}) {
    EXPECT_TRUE(is_text_media_type(text)) << text;
  }
}

TEST(IsTextMediaType, TextualApplicationTypesAreText) {
  for (std::string_view text :
       {"application/json", "application/xml", "application/yaml", "application/javascript",
        "application/sql", "application/toml", "application/x-sh", "application/x-pem-file",
        "application/vnd.api+json", "application/atom+xml", "image/svg+xml", "APPLICATION/JSON",
        "application/json ; charset=utf-8"}) {
    EXPECT_TRUE(is_text_media_type(text)) << text;
  }
}

TEST(IsTextMediaType, BinaryTypesAreNotText) {
  for (std::string_view binary :
       {"application/octet-stream", "application/pdf", "application/zip", "application/gzip",
        "application/epub+zip", "image/png", "audio/mpeg", "video/mp4", "font/woff2",
        "message/rfc822", "application/pgp-signature", "application/vnd.ms-excel", "text", "text/",
        "", "application/+json", "application/jsonx"}) {
    EXPECT_FALSE(is_text_media_type(binary)) << binary;
  }
}

TEST(IsTextMediaType, EveryTextTypeInTheTableIsText) {
  for (const auto& row : media_type_table()) {
    if (row.media_type.starts_with("text/")) {
      EXPECT_TRUE(is_text_media_type(row.media_type)) << row.media_type;
    }
  }
}

}  // namespace
}  // namespace smtpsend::mime
