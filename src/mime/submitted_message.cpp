#include "mime/submitted_message.hpp"

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/error.hpp"
#include "common/input_file.hpp"
#include "mime/header_encoding.hpp"
#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

constexpr std::string_view crlf = "\r\n";
// Read in pieces this large: the filter may turn every bare LF into CRLF, so a piece of output
// stays within the 64 KiB that MessageStream::next() gives at most (message.hpp).
constexpr std::size_t submitted_read_size = std::size_t{32} * 1024;
constexpr std::size_t largest_piece = std::size_t{64} * 1024;

std::string describe_input(int descriptor) {
  return descriptor == STDIN_FILENO ? std::string("standard input")
                                    : "input descriptor " + std::to_string(descriptor);
}

// The fields sendmail adds when a message lacks them (RFC 5322 §3.6: From and Date are
// required), and those that replace removed ones, folded like every field we write.
std::string missing_fields(const SubmittedHeaders& headers, const SubmissionRules& rules) {
  std::string fields;
  if ((!headers.from || rules.replace_from) && !rules.from_field.empty()) {
    fields += format_header("From", rules.from_field);
  }
  if (rules.undisclosed_recipients) {
    // RFC 5322 §3.4: an empty group, the conventional way to say the recipients are not shown.
    fields += format_header("To", "undisclosed-recipients:;");
  }
  if (!headers.has_date && !rules.date_field.empty()) {
    fields += format_header("Date", rules.date_field);
  }
  if (!headers.has_message_id && !rules.message_id_field.empty()) {
    fields += format_header("Message-ID", rules.message_id_field);
  }
  return fields;
}

}  // namespace

SubmittedMessage::SubmittedMessage(int descriptor, const SubmissionRules& rules)
    : descriptor_(descriptor),
      input_name_(describe_input(descriptor)),
      filter_(PreparedMessageFilterRules{.remove_bcc = false,
                                         .dot_ends_input = rules.dot_ends_input,
                                         .header_ends_at_non_field = true}),
      read_buffer_(submitted_read_size, '\0') {
  opening_ = read_header_section(rules);
  header_section_read_ = true;
  if (input_ended_) {
    has_8bit_ = std::any_of(opening_.begin(), opening_.end(), syntax::is_non_ascii);
  }
}

std::string SubmittedMessage::read_header_section(const SubmissionRules& rules) {
  SubmittedHeaderSection section(
      HeaderSectionRemovals{.bcc = rules.remove_bcc || rules.undisclosed_recipients,
                            .from = rules.replace_from && !rules.from_field.empty(),
                            .to_and_cc = rules.undisclosed_recipients});
  std::string input;            // CRLF lines from the filter, header section first
  std::size_t examined = 0;     // the lines before this are in the header section
  std::size_t search_from = 0;  // no CRLF in input between `examined` and this
  auto role = SubmittedHeaderSection::LineRole::header;
  for (;;) {
    std::size_t line_end = 0;
    while (role == SubmittedHeaderSection::LineRole::header &&
           (line_end = input.find(crlf, search_from)) != std::string::npos) {
      role = section.add_line(std::string_view(input).substr(examined, line_end - examined));
      if (role == SubmittedHeaderSection::LineRole::header) {
        examined = line_end + crlf.size();
      }
      search_from = examined;
    }
    search_from = std::max(search_from, input.size());
    // Everything from `examined` on is header section until a line ends it.
    const std::size_t header_section_size =
        role == SubmittedHeaderSection::LineRole::header ? input.size() : examined;
    if (header_section_size > maximum_submitted_header_section) {
      throw Failure(ErrorKind::data,
                    "the header section of the message on " + input_name_ +
                        " is larger than 1 MiB; a message needs an empty line between its header "
                        "fields and its body");
    }
    if (role != SubmittedHeaderSection::LineRole::header) {
      break;
    }
    if (!read_piece(input)) {
      section.end_of_input();  // the filter ends the last line, so every line was examined
      break;
    }
  }
  headers_ = section.headers();
  std::string opening = section.text() + missing_fields(headers_, rules);
  if (role == SubmittedHeaderSection::LineRole::body) {
    opening += crlf;  // the empty line the message left out before its body
  }
  opening.append(input, examined);
  return opening;
}

bool SubmittedMessage::next(std::string& chunk) {
  if (opening_sent_ < opening_.size()) {
    const std::size_t count = std::min(largest_piece, opening_.size() - opening_sent_);
    chunk.append(opening_, opening_sent_, count);
    opening_sent_ += count;
    if (opening_sent_ == opening_.size()) {
      std::string().swap(opening_);  // up to 1 MiB that the body does not need
      opening_sent_ = 0;
    }
    return true;
  }
  const std::size_t start = chunk.size();
  // A piece of input may produce nothing (a lone "." split from its line end); read on until
  // something comes or the input ends. Each pass reads further, so this ends.
  while (chunk.size() == start && read_piece(chunk)) {
  }
  return chunk.size() > start;
}

bool SubmittedMessage::read_piece(std::string& out) {
  if (input_ended_) {
    return false;
  }
  const std::size_t got = read_some();
  const std::string message = "the message on " + input_name_;
  const std::string_view outcome = header_section_read_ ? "" : "; nothing was sent";
  if (got == 0) {
    filter_naming_message(message, outcome, [&] { filter_.finish(out); });
    input_ended_ = true;
    return true;
  }
  std::size_t taken = 0;
  filter_naming_message(message, outcome, [&] {
    taken = filter_.add(std::string_view(read_buffer_.data(), got), out);
  });
  if (filter_.ended()) {
    input_ended_ = true;
    unread(got - taken);
  }
  return true;
}

std::size_t SubmittedMessage::read_some() {
  return smtpsend::read_some(descriptor_, read_buffer_.data(), read_buffer_.size(),
                             "the message from " + input_name_);
}

void SubmittedMessage::unread(std::size_t count) {
  if (count == 0) {
    return;
  }
  // Fails with ESPIPE on a pipe or terminal, whose bytes cannot be put back; nothing else reads
  // them in this process, so that is no error.
  static_cast<void>(::lseek(descriptor_, -static_cast<off_t>(count), SEEK_CUR));
}

std::vector<std::string> SubmittedMessage::warnings() const {
  if (auto warning = filter_.long_lines_warning("the message on " + input_name_)) {
    return {std::move(*warning)};
  }
  return {};
}

std::unique_ptr<SubmittedMessage> read_submitted_message(int descriptor,
                                                         const SubmissionRules& rules) {
  // The constructor is private so that a message exists only once its header section is read.
  return std::unique_ptr<SubmittedMessage>(new SubmittedMessage(descriptor, rules));
}

}  // namespace smtpsend::mime
