#include "smtp/reply_parser.hpp"

#include <fmt/format.h>

#include <utility>

namespace smtpsend::smtp {
namespace {

// How much of an offending line an error message quotes.
constexpr std::size_t quoted_line_length = 60;

std::string quote(std::string_view line) {
  std::string text;
  for (char c : line.substr(0, quoted_line_length)) {
    const auto byte = static_cast<unsigned char>(c);
    text += (byte < 0x20 || byte >= 0x7f) ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  if (line.size() > quoted_line_length) {
    text += "...";
  }
  return "\"" + text + "\"";
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 5321 §4.2: the first digit of a reply code is 2 to 5 (1yz is not used by SMTP).
constexpr int lowest_reply_code = 200;
constexpr int highest_reply_code = 599;

}  // namespace

void ReplyParser::feed(std::string_view bytes) {
  if (failed_) {
    throw Failure(ErrorKind::protocol, "the server sent more data after a malformed reply");
  }
  try {
    consume(bytes);
  } catch (const Failure& failure) {
    failure_ = failure.error();
  }
}

void ReplyParser::consume(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const auto piece = bytes.substr(0, newline);
    // The CR of a CRLF is not part of the line; allow room for it before complaining.
    if (partial_line_.size() + piece.size() > max_reply_line_length + 1) {
      fail(fmt::format("the server sent a reply line longer than {} bytes (it starts {})",
                       max_reply_line_length, quote(partial_line_ + std::string(piece))));
    }
    partial_line_ += piece;
    if (newline == std::string_view::npos) {
      return;
    }
    bytes.remove_prefix(newline + 1);
    // CRLF is the line end (RFC 5321 §2.3.8); a bare LF is accepted because some servers send it.
    if (!partial_line_.empty() && partial_line_.back() == '\r') {
      partial_line_.pop_back();
    }
    if (partial_line_.size() > max_reply_line_length) {
      fail(fmt::format("the server sent a reply line longer than {} bytes (it starts {})",
                       max_reply_line_length, quote(partial_line_)));
    }
    std::string line = std::exchange(partial_line_, {});
    take_line(line);
  }
}

void ReplyParser::take_line(std::string_view line) {
  // RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
  //                             Reply-code [ SP textstring ] CRLF
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
    fail(fmt::format("the server sent a line that is not an SMTP reply: {}", quote(line)));
  }
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (code < lowest_reply_code || code > highest_reply_code) {
    fail(fmt::format("the server sent a reply code outside 200-599: {}", quote(line)));
  }
  bool last = true;
  if (line.size() > 3) {
    if (line[3] == '-') {
      last = false;
    } else if (line[3] != ' ') {
      fail(fmt::format("the server sent a reply code not followed by a space or '-': {}",
                       quote(line)));
    }
  }
  const std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};

  if (!reply_) {
    reply_.emplace();
    reply_->code = code;
    reply_bytes_ = 0;
  } else if (reply_->code != code) {
    fail(fmt::format("the server changed the reply code within one multi-line reply ({} then {})",
                     reply_->code, quote(line)));
  }
  if (reply_->lines.size() >= max_reply_lines) {
    fail(fmt::format("the server sent a reply of more than {} lines", max_reply_lines));
  }
  reply_bytes_ += text.size();
  if (reply_bytes_ > max_reply_size) {
    fail(fmt::format("the server sent a reply larger than {} bytes", max_reply_size));
  }
  reply_->lines.emplace_back(text);

  if (last) {
    reply_->enhanced = enhanced_status_code(reply_->code, reply_->lines.front());
    complete_.push_back(std::move(*reply_));
    reply_.reset();
  }
}

std::optional<Reply> ReplyParser::next() {
  if (complete_.empty()) {
    if (failure_) {
      throw Failure(*std::exchange(failure_, std::nullopt));
    }
    return std::nullopt;
  }
  Reply reply = std::move(complete_.front());
  complete_.pop_front();
  return reply;
}

bool ReplyParser::has_pending_input() const {
  return !partial_line_.empty() || reply_.has_value() || !complete_.empty();
}

void ReplyParser::fail(std::string message) {
  failed_ = true;
  partial_line_.clear();
  reply_.reset();
  throw Failure(ErrorKind::protocol, std::move(message));
}

}  // namespace smtpsend::smtp
