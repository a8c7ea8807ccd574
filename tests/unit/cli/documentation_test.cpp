// The man page must document every option --help lists, so the two cannot drift apart.

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli/options.hpp"

namespace smtpsend::cli {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::set<std::string> long_options_in(const std::string& text) {
  std::set<std::string> found;
  // An option starts a word: "xn--bcher-kva" is a domain, not an option.
  const std::regex option(R"((^|[^A-Za-z0-9-])(--[a-z][a-z0-9-]*[a-z0-9]))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option);
       it != std::sregex_iterator(); ++it) {
    found.insert((*it)[2].str());
  }
  return found;
}

TEST(Documentation, ManPageDocumentsEveryOptionInHelp) {
  const char* argv[] = {"smtpsend", "--help"};
  const std::string help = parse_command_line(2, argv).help_text;
  // roff writes a hyphen in an option name as "\-".
  std::string man = read_file(SMTPSEND_TEST_DATA_DIR "/../../man/smtpsend.1");
  ASSERT_FALSE(man.empty()) << "man/smtpsend.1 not found";
  man = std::regex_replace(man, std::regex(R"(\\-)"), "-");

  const auto in_help = long_options_in(help);
  ASSERT_GE(in_help.size(), 20u) << help;
  const auto in_man = long_options_in(man);
  for (const auto& option : in_help) {
    EXPECT_TRUE(in_man.count(option)) << option << " is in --help but not in man/smtpsend.1";
  }
  for (const auto& option : in_man) {
    EXPECT_TRUE(in_help.count(option)) << option << " is in man/smtpsend.1 but not in --help";
  }
}

}  // namespace
}  // namespace smtpsend::cli
