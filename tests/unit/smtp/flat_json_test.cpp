#include "smtp/flat_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtpsend::smtp {
namespace {

bool refused(std::string_view text) {
  return !parse_flat_json_object(text).has_value();
}

TEST(FlatJson, ReadsRfc7628ErrorReport) {
  // RFC 7628 §4.3's error challenge, decoded.
  const auto object = parse_flat_json_object(
      R"({"status":"invalid_token","scope":"example_scope",)"
      R"("openid-configuration":"https://example.com/.well-known/openid-configuration"})");
  ASSERT_TRUE(object.has_value());
  ASSERT_EQ(3U, object->size());
  EXPECT_EQ("status", (*object)[0].name);
  EXPECT_EQ("invalid_token", (*object)[0].value);
  EXPECT_TRUE((*object)[0].is_string);
  EXPECT_EQ("example_scope", find_member(*object, "scope")->value);
  EXPECT_EQ("https://example.com/.well-known/openid-configuration",
            find_member(*object, "openid-configuration")->value);
  EXPECT_EQ(nullptr, find_member(*object, "schemes"));
}

TEST(FlatJson, ReadsGooglesReportWithItsTrailingLineFeed) {
  const auto object = parse_flat_json_object(
      "{\"status\":\"401\",\"schemes\":\"bearer mac\",\"scope\":\"https://mail.google.com/\"}\n");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ("401", find_member(*object, "status")->value);
  EXPECT_EQ("bearer mac", find_member(*object, "schemes")->value);
}

TEST(FlatJson, NumbersAndLiteralsKeepTheirText) {
  const auto object = parse_flat_json_object(
      R"( { "status" : 401 , "x": -1.5e+3, "y": 0, "t": true, "n": null } )");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ("401", find_member(*object, "status")->value);
  EXPECT_FALSE(find_member(*object, "status")->is_string);
  EXPECT_EQ("-1.5e+3", find_member(*object, "x")->value);
  EXPECT_EQ("0", find_member(*object, "y")->value);
  EXPECT_EQ("true", find_member(*object, "t")->value);
  EXPECT_EQ("null", find_member(*object, "n")->value);
}

TEST(FlatJson, EscapesAreResolved) {
  const auto object =
      parse_flat_json_object(R"({"a":"q\"b\\s\/n\nt\t","u":"\u00e9\u20AC","pair":"\ud83d\ude00"})");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ("q\"b\\s/n\nt\t", find_member(*object, "a")->value);
  EXPECT_EQ("\xC3\xA9\xE2\x82\xAC", find_member(*object, "u")->value);
  EXPECT_EQ("\xF0\x9F\x98\x80", find_member(*object, "pair")->value);
}

TEST(FlatJson, EmptyObjectHasNoMembers) {
  const auto object = parse_flat_json_object("{}");
  ASSERT_TRUE(object.has_value());
  EXPECT_TRUE(object->empty());
}

TEST(FlatJson, MalformedTextIsRefused) {
  for (const std::string_view text : {
           "",
           "not json",
           "{",
           R"({"status":"401")",
           R"({"status":"401",})",
           R"({"status" "401"})",
           R"({status:"401"})",
           R"({'status':'401'})",
           R"({"status":"401"} trailing)",
           R"({"status":"401"}{})",
           R"({"status":01})",
           R"({"status":1.})",
           R"({"status":-})",
           R"({"status":1e})",
           R"({"status":tru})",
           R"({"status":truex})",
           R"({"status":"a\x"})",
           R"({"status":"\u12"})",
           R"({"status":"\ud800"})",
           R"({"status":"\udc00"})",
           R"({"status":"\ud800\u0041"})",
           "{\"status\":\"line\nbreak\"}",
           R"({"status":"unterminated)",
           R"(["status","401"])",
       }) {
    EXPECT_TRUE(refused(text)) << text;
  }
}

TEST(FlatJson, NestedValuesAreRefused) {
  EXPECT_TRUE(refused(R"({"status":"401","error":{"code":"expired"}})"));
  EXPECT_TRUE(refused(R"({"status":"401","schemes":["bearer"]})"));
  EXPECT_TRUE(refused(R"({"a":{}})"));
}

TEST(FlatJson, DuplicateNamesAreRefused) {
  EXPECT_TRUE(refused(R"({"status":"200","status":"401"})"));
}

TEST(FlatJson, HugeInputIsRefused) {
  const std::string padding(max_flat_json_size, ' ');
  EXPECT_TRUE(refused("{}" + padding));
  const std::string value(max_flat_json_size, 'a');
  EXPECT_TRUE(refused("{\"scope\":\"" + value + "\"}"));
  // Just under the limit is fine.
  EXPECT_FALSE(refused("{\"scope\":\"" + std::string(max_flat_json_size - 12, 'a') + "\"}"));
}

TEST(FlatJson, TooManyMembersAreRefused) {
  std::string text = "{";
  for (std::size_t i = 0; i <= max_flat_json_members; ++i) {
    text += (i == 0 ? "" : ",") + ("\"k" + std::to_string(i) + "\":1");
  }
  text += "}";
  EXPECT_TRUE(refused(text));
  std::string fewer = "{";
  for (std::size_t i = 0; i < max_flat_json_members; ++i) {
    fewer += (i == 0 ? "" : ",") + ("\"k" + std::to_string(i) + "\":1");
  }
  fewer += "}";
  EXPECT_FALSE(refused(fewer));
}

}  // namespace
}  // namespace smtpsend::smtp
