// The settings table (config/config_file_keys.cpp) is the one description of every setting: its
// key, its flags in both modes, its environment variable and its help line. These tests fail
// when --help, the sendmail mode's --help, smtpsend(1) or smtpsend.conf(5) disagree with it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.hpp"
#include "cli/sendmail_args.hpp"
#include "common/error.hpp"
#include "config/config_file_keys.hpp"
#include "overrides.hpp"

namespace smtpsend::cli {
namespace {

using config::keys::key_rules;
using config::keys::KeyRole;
using config::keys::KeyRule;
using testing::resolve_overrides;

// ---- what the table says
// -------------------------------------------------------------------------

// "-f,--from" (native) or "-f -r" (sendmail mode) -> {"-f", "--from"}.
std::vector<std::string> spellings(std::string_view flags, char separator) {
  std::vector<std::string> names;
  std::string_view rest = flags;
  while (!rest.empty()) {
    const auto end = rest.find(separator);
    names.emplace_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  return names;
}

std::vector<std::string> native_spellings(const KeyRule& rule) {
  return spellings(rule.flag, ',');
}
std::vector<std::string> sendmail_spellings(const KeyRule& rule) {
  return spellings(rule.sendmail_flags, ' ');
}

// Values to try where a flag needs one; the first that the setting's check accepts is used.
const std::vector<std::string>& sample_values() {
  static const std::vector<std::string> samples{
      "5",
      "on",
      "never",
      "full",
      "m",
      "mail.example.org",
      "me@x.test",
      "UTF-8",
      "PLAIN",
      "/tmp/file",
      "X-A: b",
      "NAME=VALUE",
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
  return samples;
}

// A value `rule` accepts, as a flag would give it.
std::string accepted_value(const KeyRule& rule) {
  for (const auto& sample : sample_values()) {
    if (rule.check(sample, "/home/user").problem.empty()) {
      return sample;
    }
  }
  ADD_FAILURE() << "no sample value suits " << rule.name << "; add one to sample_values()";
  return {};
}

// ---- what --help says
// ----------------------------------------------------------------------------

Options parse_native(const std::vector<std::string>& arguments) {
  std::vector<const char*> argv{"smtpsend"};
  for (const auto& argument : arguments) {
    argv.push_back(argument.c_str());
  }
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

Options parse_sendmail(const std::vector<std::string>& arguments) {
  std::vector<const char*> argv{"sendmail"};
  for (const auto& argument : arguments) {
    argv.push_back(argument.c_str());
  }
  return parse_sendmail_command_line(static_cast<int>(argv.size()), argv.data());
}

// One row of native --help: "  -f,--from ADDR      Sender address ...".
struct HelpRow {
  std::vector<std::string> names;  // {"-f", "--from"}
  std::string value_name;          // "ADDR"; "" for a switch
  std::string description;
};

// The rows of native --help by group heading ("Server"), as CLI11 lays them out.
std::map<std::string, std::vector<HelpRow>> native_help_groups() {
  std::map<std::string, std::vector<HelpRow>> groups;
  std::istringstream help(parse_native({"--help"}).help_text);
  const std::regex heading(R"(^([A-Z][A-Za-z ]*):$)");
  const std::regex row(R"(^  (-[^ ]+)(?: ((?:[^ ]| (?! ))+?))?(?: \.\.\.)?(?:  +(.*))?$)");
  std::string group;
  std::string line;
  std::smatch match;
  while (std::getline(help, line)) {
    if (std::regex_match(line, match, heading)) {
      group = match[1];
    } else if (line.empty()) {
      continue;
    } else if (std::regex_match(line, match, row) && !group.empty()) {
      groups[group].push_back({spellings(match[1].str(), ','), match[2], match[3]});
    } else if (line.starts_with("    ") && !groups[group].empty()) {
      // CLI11 puts the description of a long row on the next line.
      auto& last = groups[group].back();
      last.description = line.substr(line.find_first_not_of(' '));
    }
  }
  return groups;
}

// The groups of native --help whose flags may set settings.
constexpr std::string_view setting_groups[] = {"Message", "Server", "Authentication",
                                               "Diagnostics"};

// ---- what the man pages say
// ----------------------------------------------------------------------

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string read_man_page(const std::string& name) {
  std::ifstream in(SMTPSEND_TEST_DATA_DIR "/../../man/" + name);
  std::stringstream content;
  content << in.rdbuf();
  // roff writes a hyphen in an option name as "\-", "\&" is an empty character, and "\fB"
  // (bold) to "\fP" (previous) change the font.
  std::string text = replace_all(content.str(), "\\-", "-");
  text = replace_all(text, "\\&", "");
  for (const std::string_view font : {"\\fB", "\\fI", "\\fR", "\\fP"}) {
    text = replace_all(text, font, "");
  }
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

// The lines of section `name` (.SH NAME), up to the next .SH.
std::vector<std::string> section(const std::string& page, std::string_view name) {
  std::vector<std::string> lines;
  bool inside = false;
  for (const auto& line : lines_of(page)) {
    if (line.starts_with(".SH ")) {
      std::string title = line.substr(4);
      title.erase(std::remove(title.begin(), title.end(), '"'), title.end());
      inside = title == name;
    } else if (inside) {
      lines.push_back(line);
    }
  }
  return lines;
}

// A tagged paragraph (.TP): its tag line and the lines of its text.
struct ManEntry {
  std::string tag;
  std::string text;
};

std::vector<ManEntry> entries(const std::vector<std::string>& lines) {
  std::vector<ManEntry> found;
  bool in_entry = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line == ".TP" && i + 1 < lines.size()) {
      found.push_back({lines[i + 1], {}});
      in_entry = true;
      ++i;
    } else if (line.starts_with(".SS") || line.starts_with(".SH") || line == ".PP" ||
               line.starts_with(".IP")) {
      in_entry = false;
    } else if (in_entry) {
      found.back().text += line + "\n";
    }
  }
  return found;
}

// The first word a tag shows: ".BR tls \" on|off\"" -> "tls".
std::string first_word_of_tag(const std::string& tag) {
  std::string text = tag;
  for (const std::string_view font : {"\\fB", "\\fI", "\\fR", "\\fP"}) {
    text = replace_all(text, font, "");
  }
  if (text.starts_with(".")) {
    const auto space = text.find(' ');
    text = space == std::string::npos ? std::string() : text.substr(space + 1);
  }
  text.erase(std::remove(text.begin(), text.end(), '"'), text.end());
  const auto start = text.find_first_not_of(' ');
  if (start == std::string::npos) {
    return {};
  }
  return text.substr(start, text.find_first_of(" ,", start) - start);
}

// Whether `text` names `word` as a word of its own: "--tls" is not in "--tls-insecure", and
// "-f" is not in "--from".
bool names(const std::string& text, const std::string& word) {
  const auto is_word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  };
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !is_word_char(text[at - 1]);
    const auto end = at + word.size();
    const bool ends = end == text.size() || !is_word_char(text[end]);
    if (starts && ends) {
      return true;
    }
  }
  return false;
}

bool any_tag_names(const std::vector<ManEntry>& list, const std::string& word) {
  return std::any_of(list.begin(), list.end(),
                     [&](const ManEntry& entry) { return names(entry.tag, word); });
}

// ---- (a) and (b): native --help -----------------------------------------------------------------

TEST(SettingsTable, EveryFlagIsInNativeHelpInItsGroupWithItsValueNameAndHelpLine) {
  const auto groups = native_help_groups();
  for (const auto& rule : key_rules()) {
    if (rule.flag.empty()) {
      continue;
    }
    const auto group = groups.find(std::string(rule.group));
    ASSERT_TRUE(group != groups.end())
        << rule.name << ": no group '" << rule.group << "' in --help";
    const auto names = native_spellings(rule);
    const auto row =
        std::find_if(group->second.begin(), group->second.end(),
                     [&](const HelpRow& candidate) { return candidate.names == names; });
    ASSERT_TRUE(row != group->second.end())
        << rule.flag << " (" << rule.name << ") is not in --help's " << rule.group << " group";
    EXPECT_EQ(row->value_name, rule.flag_value.empty() ? rule.value_name : "") << rule.flag;
    EXPECT_EQ(row->description, rule.doc) << rule.flag;
  }
}

TEST(SettingsTable, EveryFlagIsGivenByOneEntryOnly) {
  std::map<std::string, std::string_view> native_owner;
  std::map<std::string, std::string_view> sendmail_owner;
  for (const auto& rule : key_rules()) {
    if (!rule.flag.empty()) {
      for (const auto& name : native_spellings(rule)) {
        const auto [at, inserted] = native_owner.emplace(name, rule.name);
        EXPECT_TRUE(inserted) << name << " sets both " << at->second << " and " << rule.name;
      }
    }
    if (!rule.sendmail_flags.empty()) {
      for (const auto& name : sendmail_spellings(rule)) {
        const auto [at, inserted] = sendmail_owner.emplace(name, rule.name);
        EXPECT_TRUE(inserted) << name << " sets both " << at->second << " and " << rule.name;
      }
    }
  }
}

// A flag gives exactly its entry's key, with the value given (or the switch's value), named by
// its long spelling (the one given, when it has two); and config/ takes that value.
TEST(SettingsTable, EveryNativeFlagGivesAnOverrideOfItsKey) {
  for (const auto& rule : key_rules()) {
    if (rule.flag.empty()) {
      continue;
    }
    const auto names = native_spellings(rule);
    for (const auto& name : names) {
      const bool is_switch = !rule.flag_value.empty();
      const std::string value = is_switch ? std::string(rule.flag_value) : accepted_value(rule);
      const auto options = is_switch ? parse_native({name}) : parse_native({name, value});
      // Named by the long spelling given ("--oauth-token-cmd" of passwordeval's two), or by the
      // long one when a short one was given ("-f" -> "--from").
      const std::string origin = name.starts_with("--") ? name : names.back();
      const std::vector<config::Override> expected{{std::string(rule.name), value, origin}};
      EXPECT_EQ(options.settings.overrides, expected) << name;
      EXPECT_EQ(resolve_overrides(options.settings.overrides).origin(rule.name), origin);
    }
  }
}

// Settings reach config/ only as overrides: a flag of --help that gives one must be the flag of
// that key's entry. A flag added by hand that sets a setting would fail here.
TEST(SettingsTable, NoOtherNativeFlagGivesAnOverride) {
  const auto groups = native_help_groups();
  for (const auto& [group, rows] : groups) {
    for (const auto& row : rows) {
      for (const auto& name : row.names) {
        std::vector<std::vector<std::string>> attempts;
        if (row.value_name.empty()) {
          attempts.push_back({name});
        } else {
          for (const auto& sample : sample_values()) {
            attempts.push_back({name, sample});
          }
        }
        for (const auto& arguments : attempts) {
          std::optional<Options> options;
          try {
            options = parse_native(arguments);
          } catch (const Failure&) {
            continue;  // this value does not suit this flag
          }
          for (const auto& given : options->settings.overrides) {
            const KeyRule* rule = config::keys::find_key_rule(given.key);
            ASSERT_NE(rule, nullptr) << name << " sets an unknown key " << given.key;
            const auto flags = native_spellings(*rule);
            EXPECT_TRUE(std::find(flags.begin(), flags.end(), name) != flags.end())
                << name << " (in --help's " << group << " group) sets " << given.key
                << ", whose table entry does not name it";
          }
          break;  // one value the flag takes is enough
        }
      }
    }
  }
  for (const auto& group : setting_groups) {
    EXPECT_TRUE(groups.count(std::string(group))) << group << " is not a group of --help";
  }
}

// ---- (c): sendmail mode ------------------------------------------------------------------------

TEST(SettingsTable, EverySendmailFlagIsInSendmailHelpAndGivesAnOverrideOfItsKey) {
  const std::string help = parse_sendmail({"--help"}).help_text;
  for (const auto& rule : key_rules()) {
    if (rule.sendmail_flags.empty()) {
      continue;
    }
    for (const auto& name : sendmail_spellings(rule)) {
      // "-f ADDR" or "--timeout=SECONDS": listed with the value it takes.
      const std::regex listed("(^|[ ,])" + name + "[ =][A-Z]");
      EXPECT_TRUE(std::regex_search(help, listed)) << name << " is not in:\n" << help;

      bool taken = false;
      for (const auto& sample : sample_values()) {
        if (!rule.check(sample, "/home/user").problem.empty()) {
          continue;
        }
        std::optional<Options> options;
        try {
          options = parse_sendmail({name, sample, "rcpt@x.test"});
        } catch (const Failure&) {
          continue;  // sendmail's own reading of the flag refuses this value
        }
        taken = true;
        const auto given = testing::find_override(options->settings.overrides, rule.name);
        ASSERT_TRUE(given.has_value()) << name << " " << sample << " gives no " << rule.name;
        EXPECT_EQ(given->origin, name);
        EXPECT_EQ(resolve_overrides(options->settings.overrides).origin(rule.name), name);
        break;
      }
      EXPECT_TRUE(taken) << name << " took none of the sample values of " << rule.name;
    }
  }
}

// Each listed flag of sendmail mode that gives an override is named by its key's entry.
TEST(SettingsTable, NoOtherSendmailFlagGivesAnOverride) {
  const std::string help = parse_sendmail({"--help"}).help_text;
  const auto options_start = help.find("Options:\n");
  const auto options_end = help.find("\n\n", options_start);
  ASSERT_NE(options_start, std::string::npos) << help;
  const std::string listed = help.substr(options_start, options_end - options_start);
  const std::regex flag(R"((?:^|[ ,])(--?[A-Za-z][A-Za-z-]*)(?:([ =])([A-Z][A-Z=]*))?)");
  for (auto it = std::sregex_iterator(listed.begin(), listed.end(), flag);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    if (name == "--help") {
      continue;
    }
    std::vector<std::vector<std::string>> attempts;
    if ((*it)[3].matched) {
      for (const auto& sample : sample_values()) {
        attempts.push_back({name, sample, "rcpt@x.test"});
      }
    } else {
      attempts.push_back({name, "rcpt@x.test"});
    }
    for (const auto& arguments : attempts) {
      std::optional<Options> options;
      try {
        options = parse_sendmail(arguments);
      } catch (const Failure&) {
        continue;
      }
      for (const auto& given : options->settings.overrides) {
        const KeyRule* rule = config::keys::find_key_rule(given.key);
        ASSERT_NE(rule, nullptr) << name << " sets an unknown key " << given.key;
        const auto flags = sendmail_spellings(*rule);
        EXPECT_TRUE(std::find(flags.begin(), flags.end(), name) != flags.end())
            << name << " sets " << given.key << ", whose table entry does not name it";
      }
      break;  // one value the flag takes is enough
    }
  }
}

// ---- (d): smtpsend.conf(5) ----------------------------------------------------------------------

// Every key has its entry under KEYS, which names the key's flags (both modes) and its variable;
// the keys that are ignored or refused are named where the page says so.
TEST(SettingsTable, EveryKeyIsDescribedInTheConfigurationManPage) {
  const std::string page = read_man_page("smtpsend.conf.5");
  ASSERT_FALSE(page.empty()) << "man/smtpsend.conf.5 not found";
  const auto keys = entries(section(page, "KEYS"));
  const auto compatibility = section(page, "COMPATIBILITY WITH MSMTP");
  std::string compatibility_text;
  for (const auto& line : compatibility) {
    compatibility_text += line + "\n";
  }
  for (const auto& rule : key_rules()) {
    const std::string key(rule.name);
    if (rule.role == KeyRole::single || rule.role == KeyRole::repeatable) {
      const auto entry = std::find_if(keys.begin(), keys.end(), [&](const ManEntry& candidate) {
        return first_word_of_tag(candidate.tag) == key;
      });
      ASSERT_TRUE(entry != keys.end()) << key << " has no entry under KEYS in smtpsend.conf.5";
      const std::string text = entry->tag + "\n" + entry->text;
      std::vector<std::string> other_names;
      if (!rule.flag.empty()) {
        other_names = native_spellings(rule);
      }
      if (!rule.sendmail_flags.empty()) {
        const auto more = sendmail_spellings(rule);
        other_names.insert(other_names.end(), more.begin(), more.end());
      }
      if (!rule.variable.empty()) {
        other_names.emplace_back(rule.variable);
      }
      for (const auto& name : other_names) {
        EXPECT_TRUE(names(text, name)) << "the entry of " << key << " does not name " << name;
      }
    } else {
      EXPECT_TRUE(names(compatibility_text, key))
          << key << " is " << (rule.role == KeyRole::ignored ? "ignored" : "refused")
          << " but COMPATIBILITY WITH MSMTP in smtpsend.conf.5 does not say so";
    }
  }
}

// What PRECEDENCE lists as the environment's variables is what the table has.
TEST(SettingsTable, ConfigurationManPageListsEveryVariableInPrecedence) {
  std::string precedence;
  for (const auto& line : section(read_man_page("smtpsend.conf.5"), "PRECEDENCE")) {
    precedence += line + "\n";
  }
  ASSERT_FALSE(precedence.empty()) << "no PRECEDENCE section in smtpsend.conf.5";
  for (const auto& rule : key_rules()) {
    if (!rule.variable.empty()) {
      EXPECT_TRUE(names(precedence, std::string(rule.variable))) << rule.variable;
    }
  }
}

// ---- (e) and (f): smtpsend(1)
// --------------------------------------------------------------------

TEST(SettingsTable, EveryFlagHasAnEntryInTheManPage) {
  const std::string page = read_man_page("smtpsend.1");
  ASSERT_FALSE(page.empty()) << "man/smtpsend.1 not found";
  const auto options = entries(section(page, "OPTIONS"));
  const auto sendmail_mode = entries(section(page, "SENDMAIL MODE"));
  for (const auto& rule : key_rules()) {
    if (!rule.flag.empty()) {
      for (const auto& name : native_spellings(rule)) {
        EXPECT_TRUE(any_tag_names(options, name))
            << name << " (" << rule.name << ") has no entry under OPTIONS in smtpsend.1";
      }
    }
    if (!rule.sendmail_flags.empty()) {
      for (const auto& name : sendmail_spellings(rule)) {
        EXPECT_TRUE(any_tag_names(sendmail_mode, name))
            << name << " (" << rule.name << ") has no entry under SENDMAIL MODE in smtpsend.1";
      }
    }
  }
}

TEST(SettingsTable, EveryVariableHasAnEntryUnderEnvironmentInTheManPage) {
  const auto environment = entries(section(read_man_page("smtpsend.1"), "ENVIRONMENT"));
  ASSERT_FALSE(environment.empty()) << "no ENVIRONMENT section in smtpsend.1";
  for (const auto& rule : key_rules()) {
    if (rule.variable.empty()) {
      continue;
    }
    const std::string variable(rule.variable);
    const auto entry =
        std::find_if(environment.begin(), environment.end(),
                     [&](const ManEntry& candidate) { return names(candidate.tag, variable); });
    ASSERT_TRUE(entry != environment.end())
        << variable << " is not under ENVIRONMENT in smtpsend.1";
    // The entry says which flag it stands in for, and which key of the file.
    if (!rule.flag.empty()) {
      EXPECT_TRUE(names(entry->text, native_spellings(rule).back())) << variable;
    }
    EXPECT_TRUE(names(entry->text, std::string(rule.name))) << variable;
  }
}

// The checks above read the pages with these helpers: they must see what is there.
TEST(SettingsTable, ManPageReadingFindsWhatIsWritten) {
  const auto list = entries({".SH KEYS", ".TP", ".BR tls \" on|off\"", "text --tls here", ".PP",
                             "after", ".TP", ".BI host \" NAME\"", "the host"});
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(first_word_of_tag(list[0].tag), "tls");
  EXPECT_EQ(list[0].text, "text --tls here\n");
  EXPECT_EQ(first_word_of_tag(list[1].tag), "host");
  EXPECT_TRUE(names("a --tls b", "--tls"));
  EXPECT_FALSE(names("a --tls-insecure b", "--tls"));
  EXPECT_FALSE(names("--from", "-f"));
  EXPECT_TRUE(names(".RB ( -f ,", "-f"));
  EXPECT_FALSE(names("tls_starttls", "tls"));
}

}  // namespace
}  // namespace smtpsend::cli
