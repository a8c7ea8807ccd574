#include "mime/message_writer_stream.hpp"

#include <algorithm>
#include <utility>

namespace smtpsend::mime {

void PieceStream::add_text(std::string text) {
  if (text.empty()) {
    return;
  }
  size_ += text.size();
  // Neighbouring text pieces are one piece: fewer, larger appends.
  if (!pieces_.empty() && std::holds_alternative<std::string>(pieces_.back())) {
    std::get<std::string>(pieces_.back()) += text;
  } else {
    pieces_.emplace_back(std::move(text));
  }
}

void PieceStream::add_text_body(TextBody body) {
  if (body.encoded_size() == 0) {
    return;
  }
  size_ += body.encoded_size();
  pieces_.emplace_back(std::move(body));
}

void PieceStream::add_file(Base64FileBody body) {
  size_ += body.encoded_size();
  pieces_.emplace_back(std::move(body));
}

bool PieceStream::next(std::string& chunk) {
  const std::size_t start = chunk.size();
  while (current_ < pieces_.size()) {
    const std::size_t appended = chunk.size() - start;
    if (appended >= message_chunk_size) {
      break;
    }
    const std::size_t room = message_chunk_size - appended;
    auto& piece = pieces_[current_];
    if (auto* text = std::get_if<std::string>(&piece)) {
      const std::size_t count = std::min(room, text->size() - text_offset_);
      chunk.append(*text, text_offset_, count);
      text_offset_ += count;
      if (text_offset_ < text->size()) {
        continue;
      }
      // Sent text is not needed again.
      std::string().swap(*text);
      text_offset_ = 0;
      ++current_;
      continue;
    }
    const std::size_t before = chunk.size();
    auto* text_body = std::get_if<TextBody>(&piece);
    const bool complete = text_body != nullptr
                              ? text_body->append_encoded(chunk, room)
                              : std::get<Base64FileBody>(piece).append_encoded(chunk, room);
    if (complete) {
      ++current_;
    } else if (chunk.size() == before) {
      break;  // too little room left for a piece; the next call continues
    }
  }
  return chunk.size() > start;
}

}  // namespace smtpsend::mime
