// The man page and the README's option table must document every option --help lists, so they
// cannot drift apart; and --help must say what a few options do that surprised people.

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

std::string help_text();

TEST(Documentation, ManPageDocumentsEveryOptionInHelp) {
  const std::string help = help_text();
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

std::string help_text() {
  const char* argv[] = {"smtpsend", "--help"};
  return parse_command_line(2, argv).help_text;
}

// The rows of the README's table under "## Usage", from "| option | meaning |" to its end.
std::string readme_option_table() {
  std::istringstream readme(read_file(SMTPSEND_TEST_DATA_DIR "/../../README.md"));
  std::string table;
  std::string line;
  bool inside = false;
  while (std::getline(readme, line)) {
    if (line.rfind("| option | meaning |", 0) == 0) {
      inside = true;
    } else if (inside && line.rfind('|', 0) != 0) {
      break;
    }
    if (inside) {
      table += line + "\n";
    }
  }
  return table;
}

TEST(Documentation, ReadmeOptionTableListsEveryOptionInHelp) {
  const auto table = readme_option_table();
  ASSERT_FALSE(table.empty()) << "no \"| option | meaning |\" table in README.md";
  const auto in_help = long_options_in(help_text());
  const auto in_table = long_options_in(table);
  for (const auto& option : in_help) {
    EXPECT_TRUE(in_table.count(option)) << option << " is in --help but not in README.md's table";
  }
  for (const auto& option : in_table) {
    EXPECT_TRUE(in_help.count(option)) << option << " is in README.md's table but not in --help";
  }
}

// The line of --help that describes `option`, with its continuation lines.
std::string help_entry(const std::string& option) {
  const std::string help = help_text();
  const auto start = help.find(option + " ");
  if (start == std::string::npos) {
    return {};
  }
  auto end = help.find("\n  -", start);
  return help.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(Documentation, HelpSaysTraceFileDashIsStandardOutput) {
  EXPECT_NE(help_entry("--trace-file").find("'-': standard output"), std::string::npos)
      << help_entry("--trace-file");
}

TEST(Documentation, HelpSaysMessageRemovesBcc) {
  const auto entry = help_entry("--message");
  EXPECT_NE(entry.find("Bcc and Resent-Bcc fields removed"), std::string::npos) << entry;
  EXPECT_EQ(entry.find("as it is"), std::string::npos) << entry;
}

}  // namespace
}  // namespace smtpsend::cli
