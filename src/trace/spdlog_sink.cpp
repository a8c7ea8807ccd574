#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "common/error.hpp"
#include "trace/trace.hpp"
#include "trace/trace_file.hpp"

namespace smtpsend::trace {

namespace {

// Writes each formatted line to a descriptor with write(2): the descriptor that open_trace_file()
// opened, so the path is never opened a second time.
class DescriptorSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit DescriptorSink(TraceFile file) : file_(std::move(file)) {}
  ~DescriptorSink() override {
    if (file_.owned) {
      ::close(file_.descriptor);
    }
  }
  DescriptorSink(const DescriptorSink&) = delete;
  DescriptorSink& operator=(const DescriptorSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    const char* data = formatted.data();
    std::size_t left = formatted.size();
    while (left > 0) {
      const ssize_t written = ::write(file_.descriptor, data, left);
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written <= 0) {
        return;  // a trace that cannot be written must not change the outcome of the send
      }
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }
  void flush_() override {}

 private:
  TraceFile file_;
};

// A logger of its own, so the trace never mixes with the default logger's pattern.
std::shared_ptr<spdlog::logger> make_logger(std::optional<TraceFile> file) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (file) {
    sink = std::make_shared<DescriptorSink>(std::move(*file));
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_st>();
  }
  auto logger = std::make_shared<spdlog::logger>("trace", std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace

SpdlogSink::SpdlogSink(std::optional<TraceFile> file)
    : logger_(make_logger(std::move(file))), start_(std::chrono::steady_clock::now()) {}

SpdlogSink::~SpdlogSink() = default;

void SpdlogSink::line(Direction direction, std::string_view text, bool in_tls) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - start_)
                           .count();
  // Seconds since the trace began, to the millisecond: latencies read straight off the margin.
  logger_->info("[{:4}.{:03}] {} {}", elapsed / 1000000, (elapsed / 1000) % 1000,
                marker(direction, in_tls), escape_for_terminal(text));
}

std::string_view marker(Direction direction, bool in_tls) {
  switch (direction) {
    case Direction::client:
      return in_tls ? "~>" : "->";
    case Direction::server:
      return in_tls ? "<~" : "<-";
    case Direction::info:
      break;
  }
  return "**";
}

namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  unsigned int min_code = 0;
  unsigned int code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min_code = 0x80, code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min_code = 0x800, code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min_code = 0x10000, code = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0u) != 0x80u) {
      return 0;
    }
    code = (code << 6) | (next & 0x3Fu);
  }
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  return (code < min_code || code > 0x10FFFF || surrogate) ? 0 : length;
}

unsigned int decode_code_point(std::string_view sequence) {
  const auto lead = static_cast<unsigned char>(sequence[0]);
  unsigned int code = sequence.size() == 2   ? lead & 0x1Fu
                      : sequence.size() == 3 ? lead & 0x0Fu
                                             : lead & 0x07u;
  for (std::size_t k = 1; k < sequence.size(); ++k) {
    code = (code << 6) | (static_cast<unsigned char>(sequence[k]) & 0x3Fu);
  }
  return code;
}

// C1 controls (U+0080-U+009F: U+009B is CSI on some terminals) and the bidirectional overrides
// and isolates (U+202A-U+202E, U+2066-U+2069), which can make shown text lie about its order.
bool is_terminal_control(std::string_view sequence) {
  const unsigned int code = decode_code_point(sequence);
  return (code >= 0x80 && code <= 0x9F) || (code >= 0x202A && code <= 0x202E) ||
         (code >= 0x2066 && code <= 0x2069);
}

std::string code_point_hex(std::string_view sequence) {
  return fmt::format("{:04x}", decode_code_point(sequence));
}

}  // namespace

std::string escape_for_terminal(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\t' || (byte >= 0x20 && byte < 0x7F)) {
      out.push_back(static_cast<char>(byte));
      ++i;
      continue;
    }
    if (byte >= 0x80) {
      if (const auto length = utf8_sequence_length(text, i); length > 0) {
        if (is_terminal_control(text.substr(i, length))) {
          out += "\\u{";
          out += code_point_hex(text.substr(i, length));
          out += "}";
        } else {
          out.append(text.substr(i, length));
        }
        i += length;
        continue;
      }
    }
    out += "\\x";
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 0x0F]);
    ++i;
  }
  return out;
}

}  // namespace smtpsend::trace
