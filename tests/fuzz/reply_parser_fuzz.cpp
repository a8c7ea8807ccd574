// libFuzzer target: smtp::ReplyParser on arbitrary server bytes (RFC 5321 §4.2).
//
// Checked: the parser only throws Failure; every reply it produces keeps the limits that
// reply_parser.hpp documents; and the replies (and whether the input is rejected) do not depend
// on how the bytes are split, which is what lets the session read in any chunk size.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "fuzz/fuzz_splits.hpp"
#include "smtp/reply.hpp"
#include "smtp/reply_parser.hpp"

namespace {

using smtpsend::Failure;
using smtpsend::smtp::Reply;
using smtpsend::smtp::ReplyParser;

struct ParseResult {
  std::vector<Reply> replies;
  bool rejected = false;
};

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "reply_parser_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

void check_reply(const Reply& reply) {
  namespace smtp = smtpsend::smtp;
  check(reply.code >= 200 && reply.code <= 599, "reply code within 200..599");
  check(!reply.lines.empty(), "a reply has at least one line");
  check(reply.lines.size() <= smtp::max_reply_lines, "at most max_reply_lines lines");
  std::size_t text_bytes = 0;
  for (const auto& line : reply.lines) {
    // The text follows "NNN-" or "NNN ", and the whole line is at most max_reply_line_length.
    check(line.size() + 4 <= smtp::max_reply_line_length, "line within max_reply_line_length");
    check(line.find('\n') == std::string_view::npos, "no LF inside a line's text");
    text_bytes += line.size();
  }
  check(text_bytes <= smtp::max_reply_size, "reply text within max_reply_size");
  check(reply.enhanced == smtp::enhanced_status_code(reply.code, reply.lines.front()),
        "enhanced status code taken from the first line");
  // What the trace shows must parse back to the same reply.
  ReplyParser again;
  for (const auto& wire : smtp::wire_lines(reply)) {
    again.feed(wire);
    again.feed("\r\n");
  }
  const auto reparsed = again.next();
  check(reparsed.has_value() && reparsed->code == reply.code && reparsed->lines == reply.lines,
        "wire_lines() re-parses to the same reply");
}

void take_all(ReplyParser& parser, ParseResult& result) {
  while (auto reply = parser.next()) {
    result.replies.push_back(std::move(*reply));
  }
}

ParseResult parse(const std::vector<std::string_view>& pieces) {
  ParseResult result;
  ReplyParser parser;
  try {
    for (const auto piece : pieces) {
      parser.feed(piece);
      take_all(parser, result);
    }
  } catch (const Failure& failure) {
    check(failure.error().kind == smtpsend::ErrorKind::protocol, "failures are protocol errors");
    result.rejected = true;
    take_all(parser, result);  // replies completed before the malformed line
    bool refused_more = false;
    try {
      parser.feed("250 OK\r\n");
    } catch (const Failure&) {
      refused_more = true;
    }
    check(refused_more, "no input accepted after a protocol error");
  }
  return result;
}

bool same_replies(const std::vector<Reply>& a, const std::vector<Reply>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].code != b[i].code || a[i].enhanced != b[i].enhanced || a[i].lines != b[i].lines) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const ParseResult whole = parse({input});
  for (const auto& reply : whole.replies) {
    check_reply(reply);
  }
  const ParseResult split = parse(smtpsend::fuzz::split_by_hash(input));
  check(split.rejected == whole.rejected, "rejection does not depend on the split");
  check(same_replies(split.replies, whole.replies), "replies do not depend on the split");

  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  const ParseResult byte_by_byte = parse(bytes);
  check(byte_by_byte.rejected == whole.rejected, "rejection is the same fed byte by byte");
  check(same_replies(byte_by_byte.replies, whole.replies), "same replies fed byte by byte");
  return 0;
}
