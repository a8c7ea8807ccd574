// The message body in the dialog: CRLF normalization and dot-stuffing however the body is split,
// the dot that ends it, and how much of it the trace shows.

#include <gtest/gtest.h>

#include <string>

#include "dialog_runner.hpp"
#include "smtp/body_trace.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {
namespace {

using dialog::cleartext_config;
using dialog::contains;
using dialog::envelope_to;
using dialog::RecordingSink;

// Drives a session to DATA's 354, streams `chunks`, and returns everything written after DATA.
std::string send_body_in_chunks(const std::vector<std::string_view>& chunks, trace::Sink& sink) {
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n", "250 Ok\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  session.receive("354 go\r\n");
  EXPECT_EQ(Step::need_body, session.next_step());
  std::string written;
  for (auto chunk : chunks) {
    session.body(chunk);
    written += session.take_output();
  }
  session.end_of_body();
  written += session.take_output();
  EXPECT_EQ(Step::write_then_read, session.next_step());
  EXPECT_EQ("dot", session.state_name());
  return written;
}

std::string send_body(std::string_view body) {
  trace::NullSink sink;
  return send_body_in_chunks({body}, sink);
}

TEST(SessionBody, BareLineEndsBecomeCrlfAndLeadingDotsAreDoubled) {
  const std::string_view body = "Subject: dots\n\n.hidden\r.\r\nlast line";
  const std::string_view expected = "Subject: dots\r\n\r\n..hidden\r\n..\r\nlast line\r\n.\r\n";
  EXPECT_EQ(expected, send_body(body));
}

TEST(SessionBody, SplitAtEveryPositionGivesTheSameBytes) {
  const std::string_view body = "A: b\r\n\r\n.one\n..two\r\r\n.\rend.\n.";
  const std::string expected = send_body(body);
  EXPECT_EQ("A: b\r\n\r\n..one\r\n...two\r\n\r\n..\r\nend.\r\n..\r\n.\r\n", expected);
  for (std::size_t split = 0; split <= body.size(); ++split) {
    trace::NullSink sink;
    EXPECT_EQ(expected, send_body_in_chunks({body.substr(0, split), body.substr(split)}, sink))
        << "split at " << split;
  }
}

TEST(SessionBody, OneByteChunksGiveTheSameBytes) {
  const std::string_view body = "x\r\n.y\n\r\n.\r";
  std::vector<std::string_view> chunks;
  for (std::size_t i = 0; i < body.size(); ++i) {
    chunks.push_back(body.substr(i, 1));
  }
  trace::NullSink sink;
  EXPECT_EQ(send_body(body), send_body_in_chunks(chunks, sink));
}

TEST(SessionBody, EmptyBodyIsJustTheDot) {
  EXPECT_EQ(".\r\n", send_body(""));
}

TEST(SessionBody, OutputStreamsWithoutWaitingForTheEnd) {
  trace::NullSink sink;
  dialog::HandDriven session(cleartext_config(), envelope_to({"bob@example.net"}), sink);
  for (const char* reply : {"220 mx\r\n", "250 mx\r\n", "250 Ok\r\n", "250 Ok\r\n"}) {
    session.receive(reply);
    session.take_output();
  }
  session.receive("354 go\r\n");
  session.body(std::string(100000, 'x') + "\n");
  EXPECT_EQ(100002u, session.take_output().size());
  session.body("more");
  EXPECT_EQ("more", session.take_output());
}

TEST(SessionBody, TraceShowsTheFirstLinesThenASummary) {
  std::string body;
  const std::size_t total_lines = max_traced_body_lines + 50;
  for (std::size_t i = 0; i < total_lines; ++i) {
    body += "line " + std::to_string(i) + "\n";
  }
  RecordingSink sink;
  send_body_in_chunks({body}, sink);
  const std::string trace = sink.text();
  EXPECT_TRUE(contains(trace, "C  line 0\n")) << trace;
  EXPECT_TRUE(contains(trace, "C  line 99\n"));
  EXPECT_FALSE(contains(trace, "line 100\n"));
  EXPECT_TRUE(contains(
      trace,
      "I  (50 more lines of the message, 500 bytes, not shown)\nI  state body -> dot\nC  .\n"))
      << trace;
}

TEST(SessionBody, TraceOfAShortBodyHasNoSummary) {
  RecordingSink sink;
  send_body_in_chunks({"a\nb"}, sink);
  const std::string trace = sink.text();
  EXPECT_TRUE(contains(trace, "C  a\nC  b\nI  state body -> dot\nC  .\n")) << trace;
  EXPECT_FALSE(contains(trace, "not shown"));
}

TEST(SessionBody, TraceIsTheSameWhateverTheChunks) {
  const std::string_view body = "Subject: x\n\n.dot\r\nend";
  RecordingSink whole;
  send_body_in_chunks({body}, whole);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < body.size(); ++i) {
    bytes.push_back(body.substr(i, 1));
  }
  RecordingSink bytewise;
  send_body_in_chunks(bytes, bytewise);
  EXPECT_EQ(whole.text(), bytewise.text());
  EXPECT_TRUE(contains(whole.text(), "C  ..dot\n"));
}

}  // namespace
}  // namespace smtpsend::smtp
