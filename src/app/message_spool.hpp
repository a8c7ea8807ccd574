#pragma once
// The bytes of a message kept while it streams out the first time, so that the same bytes (the
// same Date and Message-ID) can go again in a further transaction on the same connection: the
// recipients past the server's limit (RFC 5321 §4.5.3.1.10). A private, unlinked temporary
// file (common/temporary_file.hpp): constant memory, and nothing left behind whatever happens.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace smtpsend::app {

class MessageSpool {
 public:
  // Creates the file; Failure(os) when it cannot be created.
  MessageSpool();

  void append(std::string_view bytes);
  // Reading starts again from the first byte.
  void rewind();
  // Appends the next piece of the kept bytes to `chunk`; false at their end.
  bool read(std::string& chunk);

  std::uint64_t size() const { return size_; }

 private:
  UniqueFd fd_;
  std::uint64_t size_ = 0;
  std::uint64_t read_at_ = 0;
};

}  // namespace smtpsend::app
