#include "smtp/reply.hpp"

#include <cstddef>
#include <utility>

namespace smtpsend::smtp {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Consumes 1 to `max_digits` digits at `pos`; false when there are none.
bool skip_digits(std::string_view text, std::size_t& pos, std::size_t max_digits) {
  std::size_t start = pos;
  while (pos < text.size() && is_digit(text[pos]) && pos - start < max_digits) {
    ++pos;
  }
  return pos > start;
}

// RFC 3463 §2: subject and detail are 1 to 3 digits each.
constexpr std::size_t max_status_digits = 3;

}  // namespace

std::string enhanced_status_code(int code, std::string_view text) {
  if (text.size() < 5 || !is_digit(text[0]) || text[0] - '0' != code / 100) {
    return {};
  }
  // RFC 3463 §3.1-3.3: only success (2), persistent transient failure (4) and permanent failure
  // (5) exist as classes.
  if (text[0] != '2' && text[0] != '4' && text[0] != '5') {
    return {};
  }
  std::size_t pos = 1;
  if (text[pos++] != '.' || !skip_digits(text, pos, max_status_digits)) {
    return {};
  }
  if (pos >= text.size() || text[pos++] != '.' || !skip_digits(text, pos, max_status_digits)) {
    return {};
  }
  if (pos < text.size() && text[pos] != ' ') {
    return {};
  }
  return std::string(text.substr(0, pos));
}

ServerReply to_server_reply(const Reply& reply) {
  ServerReply result;
  result.code = reply.code;
  result.enhanced = reply.enhanced;
  for (std::size_t i = 0; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    if (!reply.enhanced.empty() && line.starts_with(reply.enhanced)) {
      line.remove_prefix(reply.enhanced.size());
      if (line.starts_with(' ')) {
        line.remove_prefix(1);
      }
    }
    if (i > 0) {
      result.text += '\n';
    }
    result.text += line;
  }
  return result;
}

ServerReply brief_reply(const Reply& reply, std::size_t max_text) {
  ServerReply full = to_server_reply(reply);
  std::string first = full.first_line();
  if (first.size() > max_text) {
    std::size_t cut = max_text;
    // Back over UTF-8 continuation bytes (10xxxxxx) so that no character is cut in half.
    while (cut > 0 && (static_cast<unsigned char>(first[cut]) & 0xC0U) == 0x80U) {
      --cut;
    }
    first.resize(cut);
  }
  full.text = std::move(first);
  return full;
}

std::string describe(const ServerReply& reply) {
  std::string text = std::to_string(reply.code);
  if (!reply.enhanced.empty()) {
    text += ' ';
    text += reply.enhanced;
  }
  if (!reply.text.empty()) {
    text += ' ';
    for (char c : reply.text) {
      text += c == '\n' ? ' ' : c;
    }
  }
  return text;
}

std::vector<std::string> wire_lines(const Reply& reply) {
  std::vector<std::string> lines;
  lines.reserve(reply.lines.size());
  const std::string code = std::to_string(reply.code);
  for (std::size_t i = 0; i < reply.lines.size(); ++i) {
    const bool last = i + 1 == reply.lines.size();
    if (last && reply.lines[i].empty()) {
      lines.push_back(code);
    } else {
      lines.push_back(code + (last ? ' ' : '-') + reply.lines[i]);
    }
  }
  return lines;
}

}  // namespace smtpsend::smtp
