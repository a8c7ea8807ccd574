#include "config/config_file_keys.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "common/ascii.hpp"

namespace smtpsend::config::keys {

namespace {

// ---- value parsing ------------------------------------------------------------------------------

constexpr std::string_view blanks = " \t";

CheckedValue accept(std::string_view value) {
  return {std::string(value), {}};
}
CheckedValue reject(std::string_view allowed) {
  return {{}, std::string(allowed)};
}

bool has_blank(std::string_view value) {
  return value.find_first_of(blanks) != value.npos;
}

// Seconds, ports and bit counts: decimal digits only (msmtp's strtol would also take "0x1f").
std::optional<std::int64_t> positive_integer(std::string_view value) {
  if (value.empty() ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc{} || end != value.data() + value.size() || number < 1 ||
      number > std::numeric_limits<std::int32_t>::max()) {
    return std::nullopt;
  }
  return number;
}

// msmtp replaces a leading tilde in file names with $HOME; "~user" is not expanded by msmtp
// either, so it stays as written.
CheckedValue file_name(std::string_view value, const std::string& home) {
  if (value != "~" && !value.starts_with("~/")) {
    return accept(value);
  }
  if (home.empty()) {
    return reject("'~' cannot be expanded because no home directory is known; write the full path");
  }
  return accept(home + std::string(value.substr(1)));
}

// ---- checks, one per kind of value --------------------------------------------------------------

CheckedValue any_text(std::string_view value, const std::string& /*home*/) {
  return accept(value);
}

CheckedValue non_empty_text(std::string_view value, const std::string& /*home*/) {
  return value.empty() ? reject("a value is required") : accept(value);
}

CheckedValue host_name(std::string_view value, const std::string& /*home*/) {
  if (value.empty() || has_blank(value)) {
    return reject("a host name or IP address, without spaces");
  }
  return accept(value);
}

CheckedValue optional_host_name(std::string_view value, const std::string& home) {
  return value.empty() ? accept(value) : host_name(value, home);
}

CheckedValue ehlo_domain(std::string_view value, const std::string& /*home*/) {
  if (value.empty() || has_blank(value)) {
    return reject("the name to send in EHLO, without spaces (msmtp's %H, %C and %M may be used)");
  }
  return accept(value);
}

CheckedValue port_number(std::string_view value, const std::string& /*home*/) {
  constexpr std::int64_t highest_port = 65535;  // TCP ports are 16 bits (RFC 793 §3.1)
  const auto number = positive_integer(value);
  if (!number || *number > highest_port) {
    return reject("a port number from 1 to 65535");
  }
  return accept(value);
}

CheckedValue timeout_seconds(std::string_view value, const std::string& /*home*/) {
  if (value == "off" || positive_integer(value)) {
    return accept(value);
  }
  return reject("'off' or a positive number of seconds");
}

CheckedValue positive_seconds(std::string_view value, const std::string& /*home*/) {
  return positive_integer(value) ? accept(value) : reject("a positive number of seconds");
}

// msmtp's envelope-from: an address, possibly built from its substitutions (%U user, %H host,
// %C canonical host, %M /etc/mailname, %F the From header's address), or a shell wildcard
// pattern (*, ?, [...]) that picks this account for matching --from addresses.
CheckedValue envelope_from(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept(value);  // msmtp: an empty value unsets the address
  }
  const bool has_wildcard = value.find_first_of("*?[") != value.npos;
  const bool has_substitution = value.find('%') != value.npos;
  const auto at = value.rfind('@');
  const bool has_both_parts = at != value.npos && at > 0 && at + 1 < value.size();
  if (has_blank(value) || value.find_first_of("<>") != value.npos ||
      !(has_both_parts || has_wildcard || has_substitution)) {
    return reject(
        "an envelope-from address such as user@example.org (no display name or <>), a pattern "
        "with * or ? that matches sender addresses, or msmtp's %U/%H/%C/%M/%F substitutions");
  }
  return accept(value);
}

// The domain that local names (root, www-data) are qualified with; empty = none (msmtp: an
// empty value unsets it).
CheckedValue mail_domain(std::string_view value, const std::string& /*home*/) {
  if (has_blank(value) || value.find_first_of("@<>\",;") != value.npos) {
    return reject("a domain such as example.org, without '@' or spaces");
  }
  return accept(value);
}

// msmtp's mechanism names (msmtp manual, "auth"); smtpsend implements PLAIN (RFC 4616) and
// LOGIN, and "on" picks the better one the server offers.
constexpr std::array<std::string_view, 11> unsupported_sasl_mechanisms = {
    "scram-sha-256-plus", "scram-sha-1-plus", "scram-sha-256", "scram-sha-1",
    "cram-md5",           "digest-md5",       "gssapi",        "external",
    "oauthbearer",        "xoauth2",          "ntlm"};

CheckedValue auth_mechanism(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept("on");  // msmtp: an empty argument means "on"
  }
  if (value == "on" || value == "off" || value == "plain" || value == "login") {
    return accept(value);
  }
  if (std::find(unsupported_sasl_mechanisms.begin(), unsupported_sasl_mechanisms.end(), value) !=
      unsupported_sasl_mechanisms.end()) {
    return reject(
        "smtpsend supports the mechanisms plain and login only; write 'auth on' to use the "
        "better of those that the server offers");
  }
  return reject("on, off, plain or login");
}

// msmtp manual, "Configuration files": a command that accepts "on" treats an empty argument as
// "on".
CheckedValue on_off(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept("on");
  }
  return (value == "on" || value == "off") ? accept(value) : reject("on or off");
}

CheckedValue trust_file(std::string_view value, const std::string& home) {
  // "system" and an empty value both mean the system's trust store (account.cpp).
  return value == "system" ? accept(value) : file_name(value, home);
}

CheckedValue log_file(std::string_view value, const std::string& home) {
  return value == "-" ? accept(value) : file_name(value, home);  // "-": standard output
}

// Hex bytes separated by colons, as msmtp prints fingerprints ("AB:CD:..."); msmtp also takes
// spaces between them. Returns lowercase hex without separators, or nullopt.
std::optional<std::string> hex_bytes(std::string_view text) {
  std::string hex;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = ascii_lower(text[i]);
    const bool separator_position = i % 3 == 2;
    if (separator_position) {
      if (c != ':' && c != ' ') {
        return std::nullopt;
      }
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
      hex.push_back(c);
    } else {
      return std::nullopt;
    }
  }
  if (text.empty() || text.size() % 3 != 2) {
    return std::nullopt;
  }
  return hex;
}

CheckedValue certificate_fingerprint(std::string_view value, const std::string& /*home*/) {
  constexpr std::size_t sha256_bytes = 32;  // FIPS 180-4
  constexpr std::size_t sha1_bytes = 20;
  constexpr std::size_t md5_bytes = 16;
  constexpr std::string_view our_prefix = "sha256:";
  constexpr std::string_view allowed =
      "the SHA-256 fingerprint of the server's certificate, as 32 hex bytes separated by colons "
      "(AB:CD:...) or as sha256:HEX";
  if (value.empty()) {
    return accept(value);  // msmtp: an empty value unsets the pin
  }
  std::optional<std::string> hex;
  if (starts_with_ignoring_ascii_case(value, our_prefix)) {
    const auto digits = value.substr(our_prefix.size());
    const bool plain_hex =
        digits.size() == 2 * sha256_bytes && std::all_of(digits.begin(), digits.end(), [](char c) {
          const char lower = ascii_lower(c);
          return (lower >= '0' && lower <= '9') || (lower >= 'a' && lower <= 'f');
        });
    hex = plain_hex ? std::optional<std::string>(ascii_lower(digits)) : hex_bytes(digits);
  } else {
    hex = hex_bytes(value);
  }
  if (!hex) {
    return reject(allowed);
  }
  if (hex->size() == 2 * sha256_bytes) {
    return accept(std::string(our_prefix) + *hex);
  }
  if (hex->size() == 2 * sha1_bytes || hex->size() == 2 * md5_bytes) {
    return reject(
        "this is a SHA-1 or MD5 fingerprint, which no longer identifies a certificate safely; "
        "write the certificate's SHA-256 fingerprint (32 hex bytes separated by colons, or "
        "sha256:HEX)");
  }
  return reject(allowed);
}

CheckedValue syslog_facility(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept("on");  // msmtp: on, or empty, means LOG_USER
  }
  static constexpr std::array<std::string_view, 12> accepted = {
      "on",         "off",        "LOG_USER",   "LOG_MAIL",   "LOG_LOCAL0", "LOG_LOCAL1",
      "LOG_LOCAL2", "LOG_LOCAL3", "LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7"};
  if (std::find(accepted.begin(), accepted.end(), value) != accepted.end()) {
    return accept(value);
  }
  return reject("on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7");
}

// msmtp reads an empty value of set_from_header as "auto" (its default), not as "on".
CheckedValue auto_on_off(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept("auto");
  }
  return (value == "auto" || value == "on" || value == "off") ? accept(value)
                                                              : reject("auto, on or off");
}

CheckedValue auto_off(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept("auto");
  }
  return (value == "auto" || value == "off") ? accept(value) : reject("auto or off");
}

// RFC 3461 §4.1: NOTIFY is NEVER, or any of SUCCESS, FAILURE and DELAY, each at most once.
CheckedValue dsn_notify(std::string_view value, const std::string& /*home*/) {
  constexpr std::string_view allowed =
      "off, never, or a comma-separated list (no spaces) of success, failure and delay";
  if (value == "off" || value == "never") {
    return accept(value);
  }
  if (value.empty()) {
    return reject(allowed);
  }
  std::vector<std::string_view> seen;
  std::string_view rest = value;
  while (true) {
    const auto comma = rest.find(',');
    const auto condition = rest.substr(0, comma);
    const bool known = condition == "success" || condition == "failure" || condition == "delay";
    if (!known || std::find(seen.begin(), seen.end(), condition) != seen.end()) {
      return reject(allowed);
    }
    seen.push_back(condition);
    if (comma == rest.npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return accept(value);
}

CheckedValue dsn_return(std::string_view value, const std::string& /*home*/) {
  return (value == "off" || value == "headers" || value == "full") ? accept(value)
                                                                   : reject("off, headers or full");
}

CheckedValue protocol(std::string_view value, const std::string& /*home*/) {
  if (value == "smtp") {
    return accept(value);
  }
  if (value == "lmtp") {
    return reject("smtpsend speaks SMTP only; LMTP (RFC 2033) is not supported");
  }
  return reject("smtp");
}

// RFC 2978 §2.3: a charset name is at most 40 of these characters.
CheckedValue charset_name(std::string_view value, const std::string& /*home*/) {
  constexpr std::size_t longest_charset_name = 40;
  constexpr std::string_view punctuation = "!#$%&'+-^_`{}~";
  const bool valid = !value.empty() && value.size() <= longest_charset_name &&
                     std::all_of(value.begin(), value.end(), [&](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || punctuation.find(c) != punctuation.npos;
                     });
  return valid ? accept(value) : reject("a charset name such as UTF-8 or ISO-8859-1");
}

// "Name: value". RFC 5322 §3.6.8: a field name is printable US-ASCII except the colon.
CheckedValue header_field(std::string_view value, const std::string& /*home*/) {
  const auto colon = value.find(':');
  const auto name = value.substr(0, colon == value.npos ? 0 : colon);
  const bool name_valid = !name.empty() && std::all_of(name.begin(), name.end(),
                                                       [](char c) { return c >= '!' && c <= '~'; });
  if (colon == value.npos || !name_valid) {
    return reject("a header field 'Name: value', the name without spaces");
  }
  return accept(value);
}

CheckedValue dh_prime_bits(std::string_view value, const std::string& /*home*/) {
  return (value.empty() || positive_integer(value)) ? accept(value)
                                                    : reject("a positive number of bits");
}

// ---- the table ----------------------------------------------------------------------------------

constexpr std::array key_table = {
    // Where mail goes and how (msmtp manual, "General commands").
    KeyRule{"host", KeyRole::single, host_name, {}},
    KeyRule{"port", KeyRole::single, port_number, {}},
    KeyRule{"timeout", KeyRole::single, timeout_seconds, {}},
    KeyRule{"protocol", KeyRole::single, protocol, {}},
    KeyRule{"domain", KeyRole::single, ehlo_domain, {}},
    // Authentication.
    KeyRule{"auth", KeyRole::single, auth_mechanism, {}},
    KeyRule{"user", KeyRole::single, any_text, {}},
    KeyRule{"password", KeyRole::single, any_text, {}},
    KeyRule{"passwordeval", KeyRole::single, non_empty_text, {}},
    // TLS.
    KeyRule{"tls", KeyRole::single, on_off, {}},
    KeyRule{"tls_starttls", KeyRole::single, on_off, {}},
    KeyRule{"tls_trust_file", KeyRole::single, trust_file, {}},
    KeyRule{"tls_fingerprint", KeyRole::single, certificate_fingerprint, {}},
    KeyRule{"tls_key_file", KeyRole::single, file_name, {}},
    KeyRule{"tls_cert_file", KeyRole::single, file_name, {}},
    KeyRule{"tls_certcheck", KeyRole::single, on_off, {}},
    KeyRule{"tls_priorities", KeyRole::single, any_text, {}},
    KeyRule{"tls_host_override", KeyRole::single, optional_host_name, {}},
    // Sendmail mode: envelope, headers, logging.
    KeyRule{"from", KeyRole::single, envelope_from, {}},
    KeyRule{"allow_from_override", KeyRole::single, on_off, {}},
    KeyRule{"dsn_notify", KeyRole::single, dsn_notify, {}},
    KeyRule{"dsn_return", KeyRole::single, dsn_return, {}},
    KeyRule{"set_from_header", KeyRole::single, auto_on_off, {}},
    KeyRule{"set_date_header", KeyRole::single, auto_off, {}},
    KeyRule{"set_msgid_header", KeyRole::single, auto_off, {}},
    KeyRule{"remove_bcc_headers", KeyRole::single, on_off, {}},
    KeyRule{"undisclosed_recipients", KeyRole::single, on_off, {}},
    KeyRule{"logfile", KeyRole::single, log_file, {}},
    KeyRule{"logfile_time_format", KeyRole::single, any_text, {}},
    KeyRule{"syslog", KeyRole::single, syslog_facility, {}},
    KeyRule{"aliases", KeyRole::single, file_name, {}},
    KeyRule{"maildomain", KeyRole::single, mail_domain, {}},
    KeyRule{"auto_from", KeyRole::single, on_off, {}},  // deprecated by msmtp, still honoured
    // Our own.
    KeyRule{"charset", KeyRole::single, charset_name, {}},
    KeyRule{"header", KeyRole::repeatable, header_field, {}},
    KeyRule{"max_time", KeyRole::single, positive_seconds, {}},
    KeyRule{"allow_plaintext_auth", KeyRole::single, on_off, {}},
    KeyRule{"partial_delivery", KeyRole::single, on_off, {}},
    KeyRule{"trace_file", KeyRole::single, file_name, {}},
    // Honoured only in the default file: which files sendmail mode's -C may name.
    KeyRule{"alternate_config_files", KeyRole::single, any_text, {}},
    // Accepted and ignored.
    KeyRule{"tls_min_dh_prime_bits", KeyRole::ignored, dh_prime_bits,
            "TLS 1.2 and later negotiate (EC)DHE groups of safe sizes, so a minimum prime size "
            "has nothing to act on; set tls_priorities to restrict key exchange"},
    KeyRule{"tls_force_sslv3", KeyRole::ignored, any_text,
            "SSL 3 is broken (RFC 7568) and never used; msmtp ignores this key too"},
    // Refused: ignoring them would change where mail goes or how it is protected. An empty
    // value of most of them switches the feature off in msmtp, which is what smtpsend does.
    KeyRule{"proxy_host", KeyRole::refused_when_set, nullptr,
            "smtpsend cannot send through a SOCKS proxy; run it under a wrapper such as torsocks"},
    KeyRule{"proxy_port", KeyRole::refused_when_set, nullptr,
            "smtpsend cannot send through a SOCKS proxy; run it under a wrapper such as torsocks"},
    KeyRule{"socket", KeyRole::refused_when_set, nullptr,
            "smtpsend connects over TCP only; give the server's host and port"},
    KeyRule{"source_ip", KeyRole::refused_when_set, nullptr,
            "smtpsend cannot choose the local address of its connection; remove the line"},
    KeyRule{"tls_crl_file", KeyRole::refused_when_set, nullptr,
            "smtpsend does not read certificate revocation lists; pin the server's certificate "
            "with tls_fingerprint if revocation matters"},
    KeyRule{"eval", KeyRole::refused, nullptr,
            "smtpsend does not run commands to produce configuration lines; write the setting, "
            "or use passwordeval for a password"},
    KeyRule{"ntlmdomain", KeyRole::refused_when_set, nullptr,
            "smtpsend does not implement NTLM authentication"},
    KeyRule{"from_full_name", KeyRole::refused_when_set, nullptr,
            "smtpsend does not add a display name from the configuration; give the From header "
            "in the message"},
    KeyRule{"set_to_header", KeyRole::refused, nullptr,
            "smtpsend does not rewrite the To header; use undisclosed_recipients on"},
    // msmtp's older spellings, refused with the current one to write instead.
    KeyRule{"connect_timeout", KeyRole::refused, nullptr, "an old msmtp name; write timeout"},
    KeyRule{"add_missing_from_header", KeyRole::refused, nullptr,
            "an old msmtp name; write set_from_header auto (or off)"},
    KeyRule{"add_missing_date_header", KeyRole::refused, nullptr,
            "an old msmtp name; write set_date_header auto (or off)"},
    KeyRule{"keepbcc", KeyRole::refused, nullptr,
            "an old msmtp name; write remove_bcc_headers off"},
    KeyRule{"tls_nocertcheck", KeyRole::refused, nullptr,
            "an old msmtp name; write tls_certcheck off"},
    KeyRule{"tls_nostarttls", KeyRole::refused, nullptr,
            "an old msmtp name; write tls_starttls off"},
};

constexpr std::size_t longest_key_name =
    std::max_element(key_table.begin(), key_table.end(), [](const KeyRule& a, const KeyRule& b) {
      return a.name.size() < b.name.size();
    })->name.size();

// Optimal string alignment distance (Levenshtein plus adjacent transpositions, so "hots" is one
// edit from "host"), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before_previous(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]);
      current[j] =
          std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && ascii_lower(a[i - 1]) == ascii_lower(b[j - 2]) &&
          ascii_lower(a[i - 2]) == ascii_lower(b[j - 1])) {
        current[j] = std::min(current[j], before_previous[j - 2] + 1);
      }
    }
    before_previous.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

}  // namespace

std::span<const KeyRule> key_rules() {
  return key_table;
}

const KeyRule* find_key_rule(std::string_view name) {
  const auto* found = std::find_if(key_table.begin(), key_table.end(),
                                   [&](const KeyRule& rule) { return rule.name == name; });
  return found == key_table.end() ? nullptr : found;
}

std::string_view closest_key_name(std::string_view unknown) {
  constexpr std::size_t farthest_suggestion = 2;  // edits; farther guesses mislead more than help
  if (unknown.size() > longest_key_name + farthest_suggestion) {
    return {};
  }
  std::string_view best;
  std::size_t best_distance = farthest_suggestion + 1;
  const auto consider = [&](std::string_view candidate) {
    const std::size_t length_gap = unknown.size() > candidate.size()
                                       ? unknown.size() - candidate.size()
                                       : candidate.size() - unknown.size();
    if (length_gap > farthest_suggestion) {
      return;
    }
    const std::size_t distance = edit_distance(unknown, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  };
  for (const auto& rule : key_table) {
    consider(rule.name);
  }
  // The words that open sections are misspelt too ("acount work").
  consider("account");
  consider("defaults");
  return best;
}

}  // namespace smtpsend::config::keys
