// libFuzzer target: mime::PreparedMessageFilter on arbitrary bytes.
//
// Checked: the output has only CRLF line ends and ends with one unless it is empty; feeding the
// input whole, in pieces or byte by byte gives the same output; and the output is what a direct
// reading of prepared_message_filter.hpp gives (below, line by line, with no chunking at all):
// line ends normalized, a last unended line ended, and the Bcc field (with its continuation
// lines) left out of the header section only. In sendmail mode's setting (no Bcc removal, a lone
// "." ends the input) the output is the same normalization up to the first line holding only "."
// that ends in LF, CRLF or the end of the input, and the filter says it ended there.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_splits.hpp"
#include "mime/header_encoding.hpp"
#include "mime/prepared_message_filter.hpp"

namespace {

namespace mime = smtpsend::mime;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "prepared_message_filter_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

std::string filter(const std::vector<std::string_view>& pieces,
                   mime::PreparedMessageFilterRules rules = {}, bool* ended = nullptr) {
  mime::PreparedMessageFilter message_filter(rules);
  std::string out;
  for (const auto piece : pieces) {
    message_filter.add(piece, out);
  }
  message_filter.finish(out);
  if (ended != nullptr) {
    *ended = message_filter.ended();
  }
  return out;
}

// Sendmail mode without -i: lines normalized, up to the lone-dot line (which a bare CR does not
// end). Returns whether such a line was found.
bool model_until_dot(std::string_view input, std::string& out) {
  std::size_t start = 0;
  while (start < input.size()) {
    const std::size_t end = input.find_first_of("\r\n", start);
    const std::string_view line =
        input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const bool bare_cr = end != std::string_view::npos && input[end] == '\r' &&
                         (end + 1 == input.size() || input[end + 1] != '\n');
    if (line == "." && !bare_cr) {
      return true;
    }
    out += line;
    out += "\r\n";
    if (end == std::string_view::npos) {
      break;
    }
    start =
        end + ((input[end] == '\r' && end + 1 < input.size() && input[end + 1] == '\n') ? 2 : 1);
  }
  return false;
}

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The lines of `input` without their line ends: CRLF, LF and CR each end one.
std::vector<std::string_view> lines_of(std::string_view input) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < input.size()) {
    const std::size_t end = input.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      lines.push_back(input.substr(start));
      break;
    }
    lines.push_back(input.substr(start, end - start));
    start =
        end + ((input[end] == '\r' && end + 1 < input.size() && input[end + 1] == '\n') ? 2 : 1);
  }
  return lines;
}

// The first line of a Bcc field: "Bcc", in any case, optional whitespace, then ':' (RFC 5322
// §3.6.3, §4.5). The filter also drops "Bcc" followed by more whitespace than a line may hold
// (maximum_line_length), as no valid field looks like that; the model follows it.
bool starts_bcc_field(std::string_view line) {
  constexpr std::string_view name = "bcc";
  if (line.size() < name.size()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (lower(line[i]) != name[i]) {
      return false;
    }
  }
  std::size_t position = name.size();
  while (position < line.size() && is_wsp(line[position])) {
    ++position;
    if (position > mime::maximum_line_length) {
      return true;
    }
  }
  return position < line.size() && line[position] == ':';
}

std::string model(std::string_view input) {
  std::string out;
  bool in_header = true;
  bool dropping_field = false;
  for (const auto line : lines_of(input)) {
    if (in_header) {
      if (line.empty()) {
        in_header = false;  // RFC 5322 §2.1: the first empty line ends the header section
      } else if (!is_wsp(line.front())) {
        dropping_field = starts_bcc_field(line);
      }
      if (in_header && dropping_field) {
        continue;
      }
    }
    out += line;
    out += "\r\n";
  }
  return out;
}

void check_crlf_only(std::string_view out) {
  check(out.empty() || out.ends_with("\r\n"), "non-empty output ends with CRLF");
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r') {
      check(i + 1 < out.size() && out[i + 1] == '\n', "no bare CR in the output");
    } else if (out[i] == '\n') {
      check(i > 0 && out[i - 1] == '\r', "no bare LF in the output");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string whole = filter({input});
  check_crlf_only(whole);
  check(!input.empty() || whole.empty(), "an empty input gives an empty output");
  check(filter(smtpsend::fuzz::split_by_hash(input)) == whole, "split input, same output");

  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  check(filter(bytes) == whole, "byte-by-byte input, same output");
  check(whole == model(input), "the output is what prepared_message_filter.hpp describes");

  const mime::PreparedMessageFilterRules sendmail_rules{false, true};
  bool ended = false;
  const std::string until_dot = filter({input}, sendmail_rules, &ended);
  std::string expected;
  const bool dot_found = model_until_dot(input, expected);
  check(until_dot == expected, "sendmail mode: the output stops at the lone dot");
  check(ended == dot_found, "sendmail mode: ended() says whether a lone dot ended the input");
  check(filter(bytes, sendmail_rules) == until_dot, "sendmail mode: byte by byte, same output");
  return 0;
}
