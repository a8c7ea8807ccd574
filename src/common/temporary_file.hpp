#pragma once
// A private temporary file for bytes that must be kept a while but not in memory: the message
// kept for the recipients past a server's limit (app/message_spool.hpp), an attachment read from
// a pipe (common/input_file.hpp). Created in $TMPDIR (else /tmp) with mode 0600 and unlinked at
// once: no other user can open it, and nothing is left behind whatever happens.

#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace smtpsend {

// $TMPDIR when set and not empty, else /tmp.
std::string temporary_directory();

// Creates and unlinks the file; its descriptor is open for reading and writing, with O_CLOEXEC.
// Throws Failure(os, "<purpose>: cannot create a temporary file in <directory>: <reason>").
UniqueFd create_temporary_file(std::string_view purpose);

}  // namespace smtpsend
