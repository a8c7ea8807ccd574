#pragma once
// Overwrites a secret's bytes before the memory is freed or reused, so that a password does not
// outlive its use in freed heap blocks, stack buffers or a core file. explicit_bzero is a write
// the compiler may not remove as dead (a plain memset before free may be).

#include <string.h>  // explicit_bzero (glibc 2.25)

#include <span>
#include <string>

namespace smtpsend {

inline void wipe(std::span<char> bytes) {
  ::explicit_bzero(bytes.data(), bytes.size());
}

// Zeroes every byte the string's buffer holds (not only its size), then empties it.
inline void wipe(std::string& secret) {
  secret.resize(secret.capacity());
  ::explicit_bzero(secret.data(), secret.size());
  secret.clear();
}

}  // namespace smtpsend
