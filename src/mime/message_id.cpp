#include "mime/message_id.hpp"

#include <fmt/format.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "common/error.hpp"
#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

// id-right = dot-atom-text / no-fold-literal (RFC 5322 §3.6.4), ASCII only so that the header
// stays 7-bit whatever the envelope needs.
bool is_id_right(std::string_view domain) {
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    const std::string_view content = domain.substr(1, domain.size() - 2);
    return !content.empty() && std::all_of(content.begin(), content.end(), [](char c) {
      return c >= 33 && c <= 126 && c != '[' && c != ']' && c != '\\';
    });
  }
  return syntax::is_dot_atom_text(domain, syntax::is_ascii_atext);
}

}  // namespace

bool is_message_id(std::string_view value) {
  if (value.size() < 2 || value.front() != '<' || value.back() != '>') {
    return false;
  }
  const std::string_view id = value.substr(1, value.size() - 2);
  const auto at = id.find('@');
  return at != std::string_view::npos &&
         syntax::is_dot_atom_text(id.substr(0, at), syntax::is_ascii_atext) &&
         is_id_right(id.substr(at + 1));
}

std::string local_host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0 || !is_id_right(name)) {
    return "localhost";
  }
  return name;
}

std::string make_message_id(std::string_view domain, const RandomSource& random,
                            std::chrono::system_clock::time_point now) {
  if (!random) {
    throw Failure(ErrorKind::internal, "no random source for the Message-ID");
  }
  const std::string right = is_id_right(domain) ? std::string(domain) : local_host_name();
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(now));
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) {
    throw Failure(ErrorKind::internal, "cannot convert the time for the Message-ID");
  }
  // The time makes ids sortable and tells a reader when it was made; the 64 random bits make
  // collisions within one second as unlikely as guessing a nonce.
  return fmt::format("<{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}.{:016x}@{}>", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, random(),
                     right);
}

}  // namespace smtpsend::mime
