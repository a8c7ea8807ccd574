#include "common/temporary_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.hpp"

namespace smtpsend {

std::string temporary_directory() {
  const char* directory = std::getenv("TMPDIR");
  return directory != nullptr && *directory != '\0' ? directory : "/tmp";
}

UniqueFd create_temporary_file(std::string_view purpose) {
  const std::string directory = temporary_directory();
  const std::string path = directory + "/smtpsend.XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  // mkostemp creates the file with mode 0600 (POSIX asks for it of mkstemp; glibc does so).
  UniqueFd descriptor(::mkostemp(name.data(), O_CLOEXEC));
  if (!descriptor.valid()) {
    throw Failure(ErrorKind::os, std::string(purpose) + ": cannot create a temporary file in " +
                                     directory + ": " + std::strerror(errno));
  }
  ::unlink(name.data());  // gone from the directory at once: nothing is ever left behind
  return descriptor;
}

}  // namespace smtpsend
