#include "mime/text_message.hpp"

#include "mime/message.hpp"

namespace smtpsend::mime {

// A text-only MessageSpec is written as a single text/plain part, so the message writer gives
// exactly this message; it needs no random source (there are no boundaries).
std::string render_text_message(const TextMessageSpec& spec) {
  MessageSpec message;
  message.from = spec.from;
  message.to = spec.to;
  message.cc = spec.cc;
  message.reply_to = spec.reply_to;
  message.subject = spec.subject;
  message.extra_headers = spec.extra_headers;
  message.text = spec.body;
  message.charset = spec.charset;
  message.date = spec.date;
  message.message_id = spec.message_id;

  const auto stream = open_message(message);
  std::string rendered;
  rendered.reserve(static_cast<std::size_t>(stream->size()));
  while (stream->next(rendered)) {
  }
  return rendered;
}

}  // namespace smtpsend::mime
