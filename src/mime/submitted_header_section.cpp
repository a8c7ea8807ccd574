#include "mime/submitted_header_section.hpp"

#include <utility>

#include "common/ascii.hpp"
#include "common/text.hpp"
#include "mime/syntax_helpers.hpp"

namespace smtpsend::mime {

namespace {

constexpr std::string_view crlf = "\r\n";
// The mbox separator line (RFC 4155 §2): "From " at the start of a line.
constexpr std::string_view mbox_from_line_start = "From ";

// RFC 5322 §3.6.8 ftext: printable US-ASCII other than ':'.
constexpr bool is_field_name_character(char c) {
  return c >= '!' && c <= '~' && c != ':';
}

struct FieldStart {
  std::string_view name;  // without the whitespace before the colon
  std::string_view body;  // everything after the colon
};

// The name and body of the field `line` starts, or nothing when it does not start one: a name of
// at least one ftext character, then any whitespace (RFC 5322 §4.5.1 obs-optional), then ':'.
std::optional<FieldStart> field_start(std::string_view line) {
  std::size_t name_end = 0;
  while (name_end < line.size() && is_field_name_character(line[name_end])) {
    ++name_end;
  }
  if (name_end == 0) {
    return std::nullopt;
  }
  std::size_t colon = name_end;
  while (colon < line.size() && syntax::is_wsp(line[colon])) {
    ++colon;
  }
  if (colon == line.size() || line[colon] != ':') {
    return std::nullopt;
  }
  return FieldStart{line.substr(0, name_end), line.substr(colon + 1)};
}

}  // namespace

bool is_field_start(std::string_view line) {
  return field_start(line).has_value();
}

bool may_become_field_start(std::string_view line_start) {
  std::size_t name_end = 0;
  while (name_end < line_start.size() && is_field_name_character(line_start[name_end])) {
    ++name_end;
  }
  if (name_end == 0) {
    return false;
  }
  std::size_t position = name_end;
  while (position < line_start.size() && syntax::is_wsp(line_start[position])) {
    ++position;
  }
  return position == line_start.size() || line_start[position] == ':';
}

bool is_mbox_from_line(std::string_view line) {
  return line.starts_with(mbox_from_line_start) && !is_field_start(line);
}

SubmittedHeaderSection::SubmittedHeaderSection(bool remove_bcc)
    : SubmittedHeaderSection(HeaderSectionRemovals{.bcc = remove_bcc}) {}

SubmittedHeaderSection::SubmittedHeaderSection(HeaderSectionRemovals removals)
    : removals_(removals) {}

SubmittedHeaderSection::LineRole SubmittedHeaderSection::add_line(std::string_view line) {
  const bool first_line = at_first_line_;
  at_first_line_ = false;
  if (line.empty()) {
    end_field();
    return LineRole::separator;
  }
  if (syntax::is_wsp(line.front())) {
    if (field_ == Field::none) {
      // Nothing to continue: the text starts with an indented line, so it has no header section.
      return LineRole::body;
    }
    if (field_ != Field::other) {
      field_body_ += line;  // RFC 5322 §2.2.3: unfolding removes the CRLF, not the whitespace
    }
    if (!removing_field()) {
      text_ += line;
      text_ += crlf;
    }
    return LineRole::header;
  }
  const std::optional<FieldStart> field = field_start(line);
  if (!field) {
    if (first_line && line.starts_with(mbox_from_line_start)) {
      // sendmail drops the mbox separator a caller may have copied along with the message; the
      // line after it is then taken as the first one.
      at_first_line_ = true;
      return LineRole::header;
    }
    end_field();
    return LineRole::body;
  }
  start_field(field->name, field->body);
  if (!removing_field()) {
    text_ += line;
    text_ += crlf;
  }
  return LineRole::header;
}

bool SubmittedHeaderSection::removing_field() const {
  switch (field_) {
    case Field::bcc:
    case Field::resent_bcc:
      return removals_.bcc;
    case Field::from:
      return removals_.from;
    case Field::to:
    case Field::cc:
      return removals_.to_and_cc;
    case Field::none:
    case Field::resent_to:
    case Field::resent_cc:
    case Field::other:
      return false;
  }
  return false;
}

void SubmittedHeaderSection::end_of_input() {
  end_field();
}

void SubmittedHeaderSection::start_field(std::string_view name, std::string_view body) {
  end_field();
  field_ = Field::other;
  if (equals_ignoring_ascii_case(name, "To")) {
    field_ = Field::to;
  } else if (equals_ignoring_ascii_case(name, "Cc")) {
    field_ = Field::cc;
  } else if (equals_ignoring_ascii_case(name, "Bcc")) {
    field_ = Field::bcc;
  } else if (equals_ignoring_ascii_case(name, "Resent-To")) {
    field_ = Field::resent_to;
  } else if (equals_ignoring_ascii_case(name, "Resent-Cc")) {
    field_ = Field::resent_cc;
  } else if (equals_ignoring_ascii_case(name, "Resent-Bcc")) {
    field_ = Field::resent_bcc;
  } else if (equals_ignoring_ascii_case(name, "From")) {
    field_ = Field::from;
  } else if (equals_ignoring_ascii_case(name, "Date")) {
    headers_.has_date = true;
  } else if (equals_ignoring_ascii_case(name, "Message-ID")) {
    headers_.has_message_id = true;
  }
  if (field_ != Field::other) {
    field_body_ = body;
  }
}

void SubmittedHeaderSection::end_field() {
  std::string body(trim_blanks(field_body_));
  switch (field_) {
    case Field::to:
      headers_.to.push_back(std::move(body));
      break;
    case Field::cc:
      headers_.cc.push_back(std::move(body));
      break;
    case Field::bcc:
      headers_.bcc.push_back(std::move(body));
      break;
    case Field::resent_to:
      headers_.resent_to.push_back(std::move(body));
      break;
    case Field::resent_cc:
      headers_.resent_cc.push_back(std::move(body));
      break;
    case Field::resent_bcc:
      headers_.resent_bcc.push_back(std::move(body));
      break;
    case Field::from:
      if (!headers_.from) {
        headers_.from = std::move(body);
      }
      break;
    case Field::none:
    case Field::other:
      break;
  }
  field_ = Field::none;
  field_body_.clear();
}

}  // namespace smtpsend::mime
