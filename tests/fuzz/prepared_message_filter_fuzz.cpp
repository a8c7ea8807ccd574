// libFuzzer target: mime::PreparedMessageFilter on arbitrary bytes, under the rules of
// --message (Bcc and Resent-Bcc removed), of sendmail mode (a lone "." ends the input, the header
// section also ends at a line that is not a field) and of both at once.
//
// Checked for every input: the output has only CRLF line ends, ends with one unless it is empty,
// and has no line over 998 octets; feeding the input whole, in pieces or byte by byte gives the
// same output (or the same NUL failure). For inputs whose lines all fit in 998 octets, the output
// is also what a direct reading of prepared_message_filter.hpp gives (model() below, line by
// line, with no chunking at all): an LF with the CRs before it is one line end ("\r\r\n" never
// makes an empty line); a bare CR is a space in the header section and a line end in the body;
// the header section ends at the first empty line (and, in sendmail mode, at the first line that
// cannot be a field); Bcc and Resent-Bcc fields, with their continuations, are left out of it;
// a lone "." line ends the input; a NUL byte before the end is a Failure(data).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
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

struct Filtered {
  std::string out;
  bool ended = false;
  bool nul = false;  // the filter threw Failure(data)
  std::size_t long_lines = 0;
  bool operator==(const Filtered&) const = default;
};

Filtered filter(const std::vector<std::string_view>& pieces,
                mime::PreparedMessageFilterRules rules) {
  mime::PreparedMessageFilter message_filter(rules);
  Filtered result;
  try {
    for (const auto piece : pieces) {
      message_filter.add(piece, result.out);
    }
    message_filter.finish(result.out);
  } catch (const smtpsend::Failure& failure) {
    check(failure.error().kind == smtpsend::ErrorKind::data, "only a NUL byte fails, as data");
    return Filtered{.nul = true};
  }
  result.ended = message_filter.ended();
  result.long_lines = message_filter.long_lines();
  return result;
}

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// RFC 5322 §3.6.8: a field name is printable ASCII other than ':'; then optional whitespace
// (§4.5.1) and ':'. With `partial`, the line may also stop before the colon.
bool looks_like_field(std::string_view line, bool partial) {
  std::size_t position = 0;
  while (position < line.size() && line[position] >= '!' && line[position] <= '~' &&
         line[position] != ':') {
    ++position;
  }
  if (position == 0) {
    return false;
  }
  while (position < line.size() && is_wsp(line[position])) {
    ++position;
  }
  return position == line.size() ? partial : line[position] == ':';
}

// A Bcc or Resent-Bcc field's first line (RFC 5322 §3.6.3, §3.6.6), the name in any case.
bool starts_hidden_field(std::string_view line) {
  for (const std::string_view name : {std::string_view("bcc"), std::string_view("resent-bcc")}) {
    if (line.size() < name.size()) {
      continue;
    }
    bool same = true;
    for (std::size_t i = 0; i < name.size(); ++i) {
      same = same && lower(line[i]) == name[i];
    }
    std::size_t position = name.size();
    while (same && position < line.size() && is_wsp(line[position])) {
      ++position;
    }
    if (same && position < line.size() && line[position] == ':') {
      return true;
    }
  }
  return false;
}

// The header, the lines and what ends them, read directly from the description, one logical line
// at a time. `all_lines_fit` is false when a line was longer than 998 octets: the breaking is not
// modelled, and only the invariants are checked then.
struct Model {
  Filtered result;
  bool all_lines_fit = true;
};

Model model(std::string_view input, mime::PreparedMessageFilterRules rules) {
  Model model;
  std::string& out = model.result.out;
  bool in_header = true;
  bool dropping = false;
  bool first_line = true;
  bool seen_field = false;
  std::string line;
  // Whether `text` (a whole line, or the start of one) belongs to the header section when a
  // line that is not a field ends it (sendmail mode).
  const auto header_line = [&](std::string_view text, bool complete) {
    if (text.empty()) {
      return true;
    }
    if (is_wsp(text.front())) {
      return seen_field;
    }
    if (first_line && text.starts_with("From ")) {
      return true;
    }
    return looks_like_field(text, !complete);
  };
  const auto end_line = [&](bool with_lf) {
    if (rules.dot_ends_input && with_lf && line == ".") {
      model.result.ended = true;
      return;
    }
    model.all_lines_fit = model.all_lines_fit && line.size() <= mime::maximum_line_length;
    if (in_header && line.empty()) {
      in_header = false;  // RFC 5322 §2.1
      out += "\r\n";
      return;
    }
    if (in_header) {
      if (rules.header_ends_at_non_field && !header_line(line, true)) {
        in_header = false;
      } else {
        const bool mbox = first_line && line.starts_with("From ") && !looks_like_field(line, false);
        first_line = mbox;
        seen_field = seen_field || (!mbox && !is_wsp(line.front()));
      }
    }
    bool keep = true;
    if (in_header) {
      if (!is_wsp(line.front())) {
        dropping = rules.remove_bcc && starts_hidden_field(line);
      }
      keep = !dropping;
    }
    if (keep) {
      out += line;
      out += "\r\n";
    }
    line.clear();
  };
  std::size_t position = 0;
  while (position < input.size() && !model.result.ended) {
    const char c = input[position];
    if (c == '\n') {
      end_line(true);
      ++position;
      continue;
    }
    if (c == '\r') {
      std::size_t run_end = position;
      while (run_end < input.size() && input[run_end] == '\r') {
        ++run_end;
      }
      if (run_end < input.size() && input[run_end] == '\n') {  // CRs then LF: one line end
        end_line(true);
        position = run_end + 1;
        continue;
      }
      // One bare CR: a space in the header section, a line end in the body.
      if (in_header && rules.header_ends_at_non_field && !header_line(line, false)) {
        in_header = false;
      }
      if (in_header) {
        line += ' ';
      } else {
        end_line(false);
      }
      ++position;
      continue;
    }
    if (c == '\0') {
      return Model{.result = Filtered{.nul = true}, .all_lines_fit = true};
    }
    line += c;
    ++position;
  }
  if (!model.result.ended && !line.empty()) {
    end_line(true);
  }
  return model;
}

void check_wire_form(std::string_view out) {
  check(out.empty() || out.ends_with("\r\n"), "non-empty output ends with CRLF");
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r') {
      check(i + 1 < out.size() && out[i + 1] == '\n', "no bare CR in the output");
      check(i - line_start <= mime::maximum_line_length, "no line over 998 octets");
      line_start = i + 2;
    } else if (out[i] == '\n') {
      check(i > 0 && out[i - 1] == '\r', "no bare LF in the output");
    }
  }
}

void check_rules(std::string_view input, const std::vector<std::string_view>& bytes,
                 mime::PreparedMessageFilterRules rules) {
  const Filtered whole = filter({input}, rules);
  check_wire_form(whole.out);
  check(filter(smtpsend::fuzz::split_by_hash(input), rules) == whole, "split input, same output");
  check(filter(bytes, rules) == whole, "byte-by-byte input, same output");
  const Model expected = model(input, rules);
  check(whole.nul == expected.result.nul, "a NUL byte before the end, and only that, fails");
  if (whole.nul) {
    return;
  }
  check(whole.ended == expected.result.ended, "ended() says whether a lone dot ended the input");
  check(whole.long_lines == 0 || !expected.all_lines_fit, "only lines over 998 octets are broken");
  if (expected.all_lines_fit) {
    check(whole.out == expected.result.out, "the output is what prepared_message_filter.hpp says");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  // --message; sendmail mode; and both at once.
  check_rules(input, bytes, {});
  check_rules(input, bytes,
              {.remove_bcc = false, .dot_ends_input = true, .header_ends_at_non_field = true});
  check_rules(input, bytes,
              {.remove_bcc = true, .dot_ends_input = true, .header_ends_at_non_field = true});
  check(!input.empty() || filter({input}, {}).out.empty(), "an empty input gives an empty output");
  return 0;
}
