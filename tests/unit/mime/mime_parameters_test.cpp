#include "mime/mime_parameters.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "mime_test_decoders.hpp"

namespace smtpsend::mime {
namespace {

// The lines of a formatted field, each checked against RFC 5322's recommended 78 characters.
std::vector<std::string> short_lines(const std::string& field) {
  const auto lines = testing::split_crlf_lines(field);
  for (const auto& line : lines) {
    EXPECT_LE(line.size(), 78U) << line;
  }
  return lines;
}

std::string percent_decode(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      decoded += static_cast<char>(testing::hex_digit_value(text[i + 1]) * 16 +
                                   testing::hex_digit_value(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

// The unfolded parameter list after the field's value.
std::vector<std::string> parameters_of(const std::string& field) {
  std::string unfolded;
  for (const auto& line : testing::split_crlf_lines(field)) {
    unfolded += line;
  }
  std::vector<std::string> parameters;
  std::size_t start = unfolded.find(';');
  while (start != std::string::npos) {
    std::size_t end = unfolded.find(';', start + 1);
    std::string parameter =
        unfolded.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    parameter.erase(0, parameter.find_first_not_of(' '));
    parameters.push_back(parameter);
    start = end;
  }
  return parameters;
}

// The RFC 2231 value of `attribute`, from attribute*= or its numbered continuations.
std::string extended_value(const std::string& field, const std::string& attribute) {
  std::string joined;
  int expected_index = 0;
  for (const auto& parameter : parameters_of(field)) {
    if (parameter.starts_with(attribute + "*=")) {
      joined = parameter.substr(attribute.size() + 2);
    } else if (parameter.starts_with(attribute + "*" + std::to_string(expected_index) + "*=")) {
      joined += parameter.substr(parameter.find('=') + 1);
      ++expected_index;
    }
  }
  EXPECT_TRUE(joined.starts_with("UTF-8''")) << field;
  return percent_decode(joined.substr(7));
}

// The value of the plain attribute="..." with the encoded words inside decoded.
std::string fallback_value(const std::string& field, const std::string& attribute) {
  for (const auto& parameter : parameters_of(field)) {
    if (parameter.starts_with(attribute + "=\"")) {
      const std::string quoted = parameter.substr(attribute.size() + 2);
      std::string decoded;
      std::size_t start = 0;
      const std::string words = quoted.substr(0, quoted.size() - 1);
      while (start < words.size()) {
        std::size_t end = words.find(' ', start);
        end = end == std::string::npos ? words.size() : end;
        decoded += testing::decode_encoded_word(words.substr(start, end - start));
        start = end + 1;
      }
      return decoded;
    }
  }
  ADD_FAILURE() << "no " << attribute << "= in " << field;
  return {};
}

TEST(MimeParameters, TokenValuesAreBareAndOthersQuoted) {
  EXPECT_EQ(ParameterizedField("Content-Type", "multipart/related")
                .add("boundary", "=_0123456789abcdef")
                .add("type", "text/html")
                .format(),
            "Content-Type: multipart/related; boundary=\"=_0123456789abcdef\";\r\n"
            " type=\"text/html\"\r\n");
  EXPECT_EQ(ParameterizedField("Content-Type", "text/plain").add("charset", "UTF-8").format(),
            "Content-Type: text/plain; charset=UTF-8\r\n");
}

TEST(MimeParameters, NonAsciiPlainValueIsAnError) {
  ParameterizedField field("Content-Type", "text/plain");
  EXPECT_THROW(field.add("charset", "\xC3\xA4"), Failure);
}

TEST(MimeParameters, ShortAsciiFileNameIsQuotedWithEscapes) {
  EXPECT_EQ(ParameterizedField("Content-Disposition", "attachment")
                .add_file_name("filename", "my \"best\" report\\v2.pdf")
                .format(),
            "Content-Disposition: attachment; filename=\"my \\\"best\\\" report\\\\v2.pdf\"\r\n");
}

TEST(MimeParameters, NonAsciiFileNameHasEncodedWordsAndRfc2231Forms) {
  EXPECT_EQ(ParameterizedField("Content-Disposition", "attachment")
                .add_file_name("filename", "\xE2\x82\xAC.pdf")
                .format(),
            "Content-Disposition: attachment; filename=\"=?UTF-8?B?4oKsLnBkZg==?=\";\r\n"
            " filename*=UTF-8''%E2%82%AC.pdf\r\n");
}

TEST(MimeParameters, LongNonAsciiFileNameUsesContinuationsAtCharacterBoundaries) {
  std::string name;
  for (int i = 0; i < 30; ++i) {
    name +=
        "Gr\xC3\xBC\xC3\x9F"
        "e ";
  }
  name += "\xE2\x82\xAC.pdf";
  const std::string field = ParameterizedField("Content-Disposition", "attachment")
                                .add_file_name("filename", name)
                                .format();
  short_lines(field);
  EXPECT_NE(field.find("filename*0*=UTF-8''Gr%C3%BC%C3%9Fe%20"), std::string::npos) << field;
  EXPECT_NE(field.find("filename*1*="), std::string::npos);
  EXPECT_EQ(field.find("filename*="), std::string::npos);
  EXPECT_EQ(extended_value(field, "filename"), name);
  EXPECT_EQ(fallback_value(field, "filename"), name);
  // No segment ends inside a %XX escape or a UTF-8 character.
  for (const auto& parameter : parameters_of(field)) {
    if (parameter.starts_with("filename*")) {
      const std::string value = parameter.substr(parameter.find('=') + 1);
      EXPECT_NO_THROW(percent_decode(value));
      const std::string decoded =
          percent_decode(value.starts_with("UTF-8''") ? value.substr(7) : value);
      EXPECT_TRUE(decoded.empty() || (static_cast<unsigned char>(decoded.back()) & 0xC0) != 0xC0)
          << parameter;
    }
  }
}

TEST(MimeParameters, LongAsciiFileNameIsContinued) {
  const std::string name = std::string(150, 'a') + ".txt";
  const std::string field =
      ParameterizedField("Content-Disposition", "inline").add_file_name("filename", name).format();
  short_lines(field);
  EXPECT_EQ(extended_value(field, "filename"), name);
  EXPECT_EQ(fallback_value(field, "filename"), name);
}

TEST(MimeParameters, AsciiNameThatLooksEncodedIsNotLeftToBeDecoded) {
  const std::string name = "=?UTF-8?Q?x?=.txt";
  const std::string field = ParameterizedField("Content-Disposition", "attachment")
                                .add_file_name("filename", name)
                                .format();
  EXPECT_EQ(extended_value(field, "filename"), name);
  EXPECT_EQ(fallback_value(field, "filename"), name);
}

TEST(MimeParameters, LegacyNameHasNoRfc2231Form) {
  const std::string name = std::string(100, 'x') + "\xC3\xA4.png";
  const std::string field =
      ParameterizedField("Content-Type", "image/png").add_legacy_file_name("name", name).format();
  short_lines(field);
  EXPECT_EQ(field.find("*="), std::string::npos);
  EXPECT_EQ(fallback_value(field, "name"), name);
  EXPECT_EQ(ParameterizedField("Content-Type", "image/png")
                .add_legacy_file_name("name", "a.png")
                .format(),
            "Content-Type: image/png; name=\"a.png\"\r\n");
}

TEST(MimeParameters, PercentEncodingKeepsOnlyAttributeCharacters) {
  EXPECT_EQ(percent_encode_parameter_value("a b*'%\"=;\xE2\x82\xAC-_.~"),
            "a%20b%2A%27%25%22%3D%3B%E2%82%AC-_.~");
}

TEST(MimeParameters, TokenRecognition) {
  EXPECT_TRUE(is_mime_token("UTF-8"));
  EXPECT_FALSE(is_mime_token(""));
  EXPECT_FALSE(is_mime_token("a b"));
  EXPECT_FALSE(is_mime_token("a=b"));
  EXPECT_FALSE(is_mime_token("\xC3\xA4"));
}

}  // namespace
}  // namespace smtpsend::mime
