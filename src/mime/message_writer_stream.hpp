#pragma once
// The serialized message as a sequence of pieces, each either text already in its final form
// (headers, boundaries), a text body encoded as it is pulled, or a file to be base64-encoded as
// it is read. Its size is known before anything is read; next() fills chunks of about 64 KiB
// from it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "mime/message.hpp"
#include "mime/message_writer_files.hpp"
#include "mime/message_writer_text.hpp"

namespace smtpsend::mime {

// The largest amount next() appends in one call: a file's base64 may run one line (78 octets)
// past it at the file's end.
inline constexpr std::size_t message_chunk_size = std::size_t{64} * 1024;

class PieceStream final : public MessageStream {
 public:
  void add_text(std::string text);
  void add_text_body(TextBody body);
  void add_file(Base64FileBody body);

  bool next(std::string& chunk) override;
  std::uint64_t size() const override { return size_; }
  // Every part is 7bit, quoted-printable or base64 (RFC 2045 §6).
  bool has_8bit() const override { return false; }

 private:
  using Piece = std::variant<std::string, TextBody, Base64FileBody>;

  std::vector<Piece> pieces_;
  std::size_t current_ = 0;
  std::size_t text_offset_ = 0;  // within the current text piece
  std::uint64_t size_ = 0;
};

}  // namespace smtpsend::mime
