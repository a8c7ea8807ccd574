#include "config/config_file_keys.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "common/ascii.hpp"
#include "common/auth_mechanisms.hpp"

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

// msmtp's source_ip: the local address to connect from, an IPv4 or IPv6 address (not a name;
// inet_pton(3) decides); empty: the kernel's choice.
CheckedValue optional_ip_address(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept(value);
  }
  const std::string text(value);
  std::array<unsigned char, sizeof(in6_addr)> address{};
  if (::inet_pton(AF_INET, text.c_str(), address.data()) == 1 ||
      ::inet_pton(AF_INET6, text.c_str(), address.data()) == 1) {
    return accept(value);
  }
  return reject("an IPv4 or IPv6 address of this host, such as 192.0.2.1 or 2001:db8::1");
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

// Seconds, as a decimal number with at most one fraction part ("2.5"); what --timeout and
// --max-time take too, since a flag and its key are one setting.
std::optional<double> decimal_seconds(std::string_view value, double longest) {
  constexpr double shortest = 0.1;
  const auto point = value.find('.');
  const auto whole = value.substr(0, point);
  const auto fraction = point == value.npos ? std::string_view() : value.substr(point + 1);
  const auto digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || !digits(whole) ||
      (point != value.npos && (fraction.empty() || !digits(fraction))) || whole.size() > 9) {
    return std::nullopt;
  }
  const double seconds = std::stod(std::string(value));
  if (seconds < shortest || seconds > longest) {
    return std::nullopt;
  }
  return seconds;
}

constexpr double longest_timeout_seconds = 3600;     // an hour for one connect or reply
constexpr double longest_max_time_seconds = 86'400;  // a day for the whole run

CheckedValue timeout_seconds(std::string_view value, const std::string& /*home*/) {
  if (value == "off" || decimal_seconds(value, longest_timeout_seconds)) {
    return accept(value);
  }
  return reject("'off' or a number of seconds from 0.1 to 3600");
}

CheckedValue max_time_seconds(std::string_view value, const std::string& /*home*/) {
  if (value == "off" || decimal_seconds(value, longest_max_time_seconds)) {
    return accept(value);
  }
  return reject("'off' or a number of seconds from 0.1 to 86400");
}

// The sender: an address (a local name without '@' too, as sendmail callers pass "-f root"),
// "Name <address>" as -f/--from takes it, "<>" for the null reverse-path, msmtp's substitutions
// (%U user, %H host, %C canonical host, %M /etc/mailname, %F full name), or a shell wildcard
// pattern (*, ?, [...]) that picks this account for matching sender addresses. The address is
// checked where the message is made, by the parser that checks the recipients (a bad one is
// bad data, 65); here only what could never be one.
CheckedValue envelope_from(std::string_view value, const std::string& /*home*/) {
  const bool has_control = std::any_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (has_control) {
    return reject("an address on one line, such as user@example.org or 'Name <user@example.org>'");
  }
  return accept(value);  // msmtp: an empty value unsets the address
}

// The domain that local names (root, www-data) are qualified with; empty = none (msmtp: an
// empty value unsets it).
CheckedValue mail_domain(std::string_view value, const std::string& /*home*/) {
  if (has_blank(value) || value.find_first_of("@<>\",;") != value.npos) {
    return reject("a domain such as example.org, without '@' or spaces");
  }
  return accept(value);
}

// on (or auto, or empty, as msmtp reads it): the best mechanism the server offers; off: no
// authentication; else a mechanism by its IANA name, any case (msmtp writes "plain"), stored in
// IANA's spelling.
CheckedValue auth_mechanism(std::string_view value, const std::string& /*home*/) {
  if (value.empty() || value == "on" || value == "auto") {
    return accept("on");
  }
  if (value == "off") {
    return accept(value);
  }
  const AuthMechanismInfo* mechanism = find_auth_mechanism(value);
  if (mechanism == nullptr) {
    return reject("on, off, or a mechanism: " + implemented_auth_mechanisms());
  }
  if (!mechanism->implemented) {
    return reject("smtpsend implements the mechanisms " + implemented_auth_mechanisms() +
                  "; write 'auth on' to use the best of those that the server offers");
  }
  return accept(mechanism->name);
}

// msmtp's `tls on|off` and --tls's words: auto (implicit TLS on port 465, else STARTTLS),
// starttls, smtps, none. "on" is msmtp's: STARTTLS unless tls_starttls is off.
CheckedValue tls_mode(std::string_view value, const std::string& /*home*/) {
  if (value.empty()) {
    return accept("on");
  }
  const std::string lower = ascii_lower(value);
  for (const std::string_view word : {"on", "off", "auto", "starttls", "smtps", "none"}) {
    if (lower == word) {
      return accept(word);
    }
  }
  return reject("on, off, auto, starttls, smtps or none");
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
  // msmtp's older SHA-1 form: still taken, as colon-separated bytes (what the TLS code reads as
  // SHA-1); the handshake warns and prints the SHA-256 pin to write instead.
  if (hex->size() == 2 * sha1_bytes && !starts_with_ignoring_ascii_case(value, our_prefix)) {
    std::string bytes;
    for (std::size_t i = 0; i < hex->size(); i += 2) {
      bytes += (bytes.empty() ? "" : ":") + hex->substr(i, 2);
    }
    return accept(bytes);
  }
  if (hex->size() == 2 * md5_bytes) {
    return reject(
        "this is an MD5 fingerprint, which no longer identifies a certificate safely; write the "
        "certificate's SHA-256 fingerprint (32 hex bytes separated by colons, or sha256:HEX)");
  }
  return reject(allowed);
}

// Several pins, separated by commas (a certificate and its successor during a renewal), each as
// certificate_fingerprint() takes it.
CheckedValue certificate_fingerprints(std::string_view value, const std::string& home) {
  std::string pins;
  while (true) {
    const auto comma = value.find(',');
    const auto start = value.substr(0, comma).find_first_not_of(blanks);
    const auto end = value.substr(0, comma).find_last_not_of(blanks);
    const auto pin =
        start == value.npos ? std::string_view() : value.substr(start, end - start + 1);
    if (pin.empty() && (comma != value.npos || !pins.empty())) {
      return reject("fingerprints separated by single commas");
    }
    CheckedValue checked = certificate_fingerprint(pin, home);
    if (!checked.problem.empty()) {
      return checked;
    }
    pins += (pins.empty() ? "" : ",") + checked.value;
    if (comma == value.npos) {
      return accept(pins);
    }
    value.remove_prefix(comma + 1);
  }
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

constexpr std::string_view server = "Server";
constexpr std::string_view authentication = "Authentication";
constexpr std::string_view message = "Message";
constexpr std::string_view diagnostics = "Diagnostics";

constexpr std::array key_table = {
    // Where mail goes and how (msmtp manual, "General commands").
    KeyRule{.name = "host",
            .role = KeyRole::single,
            .check = host_name,
            .flag = "--server",
            .value_name = "HOST[:PORT]",
            .group = server,
            .variable = "SMTPSEND_SERVER",
            .doc = "SMTP server host name or address; HOST:PORT or [IPv6]:PORT sets the port too"},
    KeyRule{.name = "port",
            .role = KeyRole::single,
            .check = port_number,
            .flag = "--port",
            .value_name = "N",
            .group = server,
            .variable = "SMTPSEND_PORT",
            .doc = "Server port (default 587; 465 with --tls=smtps; 25 with --tls=none)"},
    KeyRule{.name = "tls",
            .role = KeyRole::single,
            .check = tls_mode,
            .flag = "--tls",
            .value_name = "MODE",
            .group = server,
            .fallback = "auto",
            .doc = "auto: SMTPS on port 465, otherwise STARTTLS (required); starttls; smtps; "
                   "none (no encryption)"},
    KeyRule{.name = "tls_starttls",
            .role = KeyRole::single,
            .check = on_off,
            .doc = "with tls on: off means TLS from the first byte (SMTPS) instead of STARTTLS"},
    KeyRule{.name = "tls_trust_file",
            .role = KeyRole::single,
            .check = trust_file,
            .flag = "--tls-trust-file",
            .value_name = "FILE",
            .group = server,
            .fallback = "system",
            .doc = "Trust the CA certificates in this PEM file instead of the system store"},
    KeyRule{.name = "tls_certcheck",
            .role = KeyRole::single,
            .check = on_off,
            .flag = "--tls-insecure",
            .flag_value = "off",
            .group = server,
            .fallback = "on",
            .doc = "Do not verify the server's certificate (unsafe: allows interception)"},
    KeyRule{.name = "tls_priorities",
            .role = KeyRole::single,
            .check = any_text,
            .flag = "--tls-priorities",
            .value_name = "STRING",
            .group = server,
            .doc = "GnuTLS priority string to use instead of the default (TLS 1.2 or later)"},
    KeyRule{.name = "tls_fingerprint",
            .role = KeyRole::single,
            .check = certificate_fingerprints,
            .flag = "--tls-fingerprint",
            .value_name = "sha256:HEX",
            .group = server,
            .doc = "Trust only a certificate or public key with this SHA-256 fingerprint"},
    KeyRule{.name = "tls_cert_file",
            .role = KeyRole::single,
            .check = file_name,
            .flag = "--tls-cert",
            .value_name = "FILE",
            .group = server,
            .doc = "Present this client certificate (PEM) when the server asks for one"},
    KeyRule{.name = "tls_key_file",
            .role = KeyRole::single,
            .check = file_name,
            .flag = "--tls-key",
            .value_name = "FILE",
            .group = server,
            .doc = "Private key (PEM) of --tls-cert, when not in the same file"},
    KeyRule{.name = "tls_host_override",
            .role = KeyRole::single,
            .check = optional_host_name,
            .doc = "the name the server's certificate must carry, when not the host's"},
    KeyRule{.name = "tls_crl_file",
            .role = KeyRole::single,
            .check = file_name,
            .doc = "certificate revocation lists (PEM) the server's chain is checked against"},
    KeyRule{.name = "domain",
            .role = KeyRole::single,
            .check = ehlo_domain,
            .flag = "--ehlo",
            .value_name = "NAME",
            .group = server,
            .doc = "Name to announce in EHLO (default: this host's qualified name)"},
    KeyRule{.name = "timeout",
            .role = KeyRole::single,
            .check = timeout_seconds,
            .flag = "--timeout",
            .value_name = "SECONDS",
            .group = server,
            .sendmail_flags = "--timeout",
            .fallback = "off",
            .doc = "Lower every connect, write and reply time limit to SECONDS"},
    KeyRule{.name = "max_time",
            .role = KeyRole::single,
            .check = max_time_seconds,
            .flag = "--max-time",
            .value_name = "SECONDS",
            .group = server,
            .sendmail_flags = "--max-time",
            .fallback = "off",
            .doc = "Give up after this many seconds in all, whatever the server does"},
    KeyRule{.name = "partial_delivery",
            .role = KeyRole::single,
            .check = on_off,
            .flag = "--partial-delivery",
            .flag_value = "on",
            .group = server,
            .fallback = "off",
            .doc = "When the server refuses some recipients, deliver to the others (exit 0 with "
                   "a warning) instead of to nobody; lets BDAT follow the envelope without "
                   "waiting for the RCPT replies, saving a round trip"},
    KeyRule{.name = "connect_timeout",
            .role = KeyRole::single,
            .check = timeout_seconds,
            .doc = "the limit for each TCP connect attempt only, beside timeout's for the rest"},
    KeyRule{.name = "source_ip",
            .role = KeyRole::single,
            .check = optional_ip_address,
            .doc = "the local address to connect from"},
    KeyRule{.name = "protocol",
            .role = KeyRole::single,
            .check = protocol,
            .doc = "smtp, the only protocol spoken"},
    // Authentication.
    KeyRule{.name = "user",
            .role = KeyRole::single,
            .check = any_text,
            .flag = "--user",
            .value_name = "USER",
            .group = authentication,
            .variable = "SMTPSEND_USER",
            .doc = "Authenticate as USER (SMTP AUTH)"},
    KeyRule{.name = "passwordeval",
            .role = KeyRole::single,
            .check = non_empty_text,
            .flag = "--password-cmd,--oauth-token-cmd",
            .value_name = "CMD",
            .group = authentication,
            .doc = "Run CMD and use the first line of its output as the password, or as the "
                   "OAuth 2.0 token of --auth XOAUTH2 or OAUTHBEARER (run once more when the "
                   "server finds the token expired)",
            .secret = true},
    KeyRule{.name = "password",
            .role = KeyRole::single,
            .check = any_text,
            .variable = "SMTPSEND_PASSWORD",
            .doc = "the password itself",
            .secret = true},
    KeyRule{.name = "auth",
            .role = KeyRole::single,
            .check = auth_mechanism,
            .flag = "--auth",
            .value_name = "MECH",
            .group = authentication,
            .fallback = "on",
            .doc =
                "SASL mechanism: on (the strongest the server offers), or a name: SCRAM-SHA-256, "
                "CRAM-MD5, GSSAPI, EXTERNAL, XOAUTH2, ..."},
    KeyRule{.name = "ntlmdomain",
            .role = KeyRole::single,
            .check = any_text,
            .doc = "the domain NTLM authenticates the user in"},
    KeyRule{.name = "allow_plaintext_auth",
            .role = KeyRole::single,
            .check = on_off,
            .flag = "--allow-plaintext-auth",
            .flag_value = "on",
            .group = authentication,
            .fallback = "off",
            .doc = "Allow sending credentials over an unencrypted connection"},
    // The envelope, the message and its headers.
    KeyRule{.name = "from",
            .role = KeyRole::single,
            .check = envelope_from,
            .flag = "-f,--from",
            .value_name = "ADDR",
            .group = message,
            .sendmail_flags = "-f -r",
            .variable = "SMTPSEND_FROM",
            .doc = "Sender address (envelope and From: header)"},
    KeyRule{.name = "allow_from_override",
            .role = KeyRole::single,
            .check = on_off,
            .fallback = "on",
            .doc = "off: the account's from wins over -f/--from"},
    KeyRule{.name = "charset",
            .role = KeyRole::single,
            .check = charset_name,
            .flag = "--charset",
            .value_name = "NAME",
            .group = message,
            .fallback = "UTF-8",
            .doc = "Character set of --text and --html (default UTF-8)"},
    KeyRule{.name = "header",
            .role = KeyRole::repeatable,
            .check = header_field,
            .doc = "a header field added to every message"},
    KeyRule{.name = "dsn_notify",
            .role = KeyRole::single,
            .check = dsn_notify,
            .sendmail_flags = "-N",
            .doc = "when the server should report delivery (RFC 3461)"},
    KeyRule{.name = "dsn_return",
            .role = KeyRole::single,
            .check = dsn_return,
            .sendmail_flags = "-R",
            .doc = "what a delivery report returns: full or headers"},
    KeyRule{
        .name = "set_from_header",
        .role = KeyRole::single,
        .check = auto_on_off,
        .fallback = "auto",
        .doc = "sendmail mode: add From when missing (auto), always replace it (on), or not (off)"},
    KeyRule{.name = "set_date_header",
            .role = KeyRole::single,
            .check = auto_off,
            .fallback = "auto",
            .doc = "sendmail mode: add Date when missing (auto) or not (off)"},
    KeyRule{.name = "set_msgid_header",
            .role = KeyRole::single,
            .check = auto_off,
            .fallback = "auto",
            .doc = "sendmail mode: add Message-ID when missing (auto) or not (off)"},
    KeyRule{.name = "remove_bcc_headers",
            .role = KeyRole::single,
            .check = on_off,
            .fallback = "on",
            .doc = "sendmail mode: remove Bcc and Resent-Bcc fields"},
    KeyRule{.name = "undisclosed_recipients",
            .role = KeyRole::single,
            .check = on_off,
            .doc = "sendmail mode: on replaces To, Cc and Bcc with 'To: undisclosed-recipients:;'"},
    KeyRule{.name = "auto_from",
            .role = KeyRole::single,
            .check = on_off,  // deprecated by msmtp, still honoured
            .doc = "on: the sender is the user's name at maildomain, unless one is given"},
    KeyRule{.name = "maildomain",
            .role = KeyRole::single,
            .check = mail_domain,
            .doc = "the domain that qualifies local names and auto_from's sender"},
    KeyRule{.name = "aliases",
            .role = KeyRole::single,
            .check = file_name,
            .doc = "file of local names and the addresses they stand for"},
    // Logging and diagnostics.
    KeyRule{.name = "logfile",
            .role = KeyRole::single,
            .check = log_file,
            .doc = "file that gets one line per message sent or not"},
    KeyRule{.name = "logfile_time_format",
            .role = KeyRole::single,
            .check = any_text,
            .doc = "strftime(3) format of the log lines' date"},
    KeyRule{.name = "syslog",
            .role = KeyRole::single,
            .check = syslog_facility,
            .doc = "syslog facility for one line per message, or off"},
    KeyRule{.name = "trace_file",
            .role = KeyRole::single,
            .check = file_name,
            .flag = "--trace-file",
            .value_name = "FILE",
            .group = diagnostics,
            .doc = "Write the trace to FILE instead of stderr ('-': standard output)"},
    // Honoured only in the default file: which files sendmail mode's -C may name.
    KeyRule{.name = "alternate_config_files",
            .role = KeyRole::single,
            .check = any_text,
            .doc = "files sendmail mode's -C may name (in the default file only)"},
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
    KeyRule{"eval", KeyRole::refused, nullptr,
            "smtpsend does not run commands to produce configuration lines; write the setting, "
            "or use passwordeval for a password"},
    KeyRule{"from_full_name", KeyRole::refused_when_set, nullptr,
            "smtpsend does not add a display name from the configuration; give the From header "
            "in the message"},
    KeyRule{"set_to_header", KeyRole::refused, nullptr,
            "smtpsend does not rewrite the To header; use undisclosed_recipients on"},
    // msmtp's older spellings, refused with the current one to write instead.
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
