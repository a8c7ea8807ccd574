#include "config/settings.hpp"

#include <cstdlib>

#include "common/error.hpp"
#include "config/config_file_keys.hpp"

namespace smtpsend::config {

namespace {

// The order of the layers for this run: lower wins.
int rank_of(Layer layer, bool account_chosen) {
  switch (layer) {
    case Layer::command_line:
      return 0;
    case Layer::environment:
      return account_chosen ? 2 : 1;
    case Layer::file:
      return account_chosen ? 1 : 2;
    case Layer::fallback:
      return 3;
  }
  return 3;
}

// A value from outside the file goes through the same check as the file's.
std::string checked(const keys::KeyRule& rule, const std::string& value, ErrorKind kind,
                    const std::string& origin, const std::string& home) {
  const keys::CheckedValue result = rule.check(value, home);
  if (result.problem.empty()) {
    return result.value;
  }
  // A secret is never quoted back.
  const std::string shown = rule.secret ? std::string() : "'" + value + "' ";
  throw Failure(kind, "invalid value " + shown + "for " + origin + ": " + result.problem);
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

const SettingValue* Settings::find(std::string_view key) const {
  const auto found = values_.find(key);
  return found == values_.end() ? nullptr : &found->second;
}

std::string Settings::text(std::string_view key) const {
  const SettingValue* value = find(key);
  return value == nullptr ? std::string() : value->text;
}

std::string Settings::origin(std::string_view key) const {
  const SettingValue* value = find(key);
  return value == nullptr ? std::string() : value->origin;
}

std::string Settings::as_written(std::string_view key) const {
  const SettingValue* value = find(key);
  if (value == nullptr) {
    return std::string(key);
  }
  const keys::KeyRule* rule = keys::find_key_rule(key);
  const bool shows_value = rule == nullptr || !rule->secret;
  switch (value->layer) {
    case Layer::command_line:
      return rule != nullptr && !rule->flag_value.empty() ? value->origin
             : shows_value                                ? value->origin + " " + value->text
                                                          : value->origin;
    case Layer::environment:
      return value->origin;
    case Layer::file:
      return std::string(key) + (shows_value ? " " + value->text : "") + " at " + value->origin;
    case Layer::fallback:
      return std::string(key) + (shows_value ? " " + value->text : "") + " by default";
  }
  return std::string(key);
}

void Settings::set(std::string key, SettingValue value) {
  values_[std::move(key)] = std::move(value);
}

Settings resolve_settings(const std::vector<Override>& overrides, const Environment& environment,
                          const AccountSettings* file, bool account_chosen,
                          const std::string& home) {
  Settings settings;
  const auto offer = [&](const std::string& key, SettingValue candidate) {
    candidate.rank = rank_of(candidate.layer, account_chosen);
    const SettingValue* current = settings.find(key);
    if (current == nullptr || candidate.rank < current->rank) {
      settings.set(key, std::move(candidate));
    }
  };
  for (const keys::KeyRule& rule : keys::key_rules()) {
    if (rule.role != keys::KeyRole::single) {
      continue;
    }
    const std::string key(rule.name);
    if (!rule.fallback.empty()) {
      offer(key, {std::string(rule.fallback), Layer::fallback, "default"});
    }
    if (file != nullptr) {
      if (const auto found = file->settings.find(key); found != file->settings.end()) {
        offer(key, {found->second.value, Layer::file, describe(found->second.origin)});
      }
    }
    if (!rule.variable.empty()) {
      const std::string variable(rule.variable);
      // An empty variable is as good as unset: `SMTPSEND_SERVER= smtpsend` clears it.
      if (auto value = environment(variable); value && !value->empty()) {
        const std::string origin = "env " + variable;
        offer(key,
              {checked(rule, *value, ErrorKind::config, origin, home), Layer::environment, origin});
      }
    }
  }
  // Later flags replace earlier ones, as in the file.
  for (const Override& given : overrides) {
    const keys::KeyRule* rule = keys::find_key_rule(given.key);
    if (rule == nullptr || rule->check == nullptr) {
      throw Failure(ErrorKind::internal, "the command line set an unknown setting " + given.key);
    }
    SettingValue value{checked(*rule, given.value, ErrorKind::usage, given.origin, home),
                       Layer::command_line, given.origin};
    value.rank = rank_of(Layer::command_line, account_chosen);
    settings.set(given.key, std::move(value));
  }
  return settings;
}

}  // namespace smtpsend::config
