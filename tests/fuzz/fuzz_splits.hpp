#pragma once
// Splits for the fuzz targets: the code under test must give the same result whatever the
// chunking of its input, so each target also feeds the input in pieces. The piece sizes come
// from a hash of the input, so a reproducer replays exactly, and a small change to the input
// explores other splits.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace smtpsend::fuzz {

// FNV-1a (64 bit): a fixed, dependency-free hash, so splits never depend on the platform.
inline std::uint64_t fnv1a(std::string_view bytes) {
  constexpr std::uint64_t offset_basis = 14695981039346656037ULL;
  constexpr std::uint64_t prime = 1099511628211ULL;
  std::uint64_t hash = offset_basis;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= prime;
  }
  return hash;
}

// Pieces of `bytes` (covering it in order, none empty) whose sizes follow a generator seeded by
// the hash: sometimes single bytes, sometimes a few, sometimes large runs, mixing all three.
inline std::vector<std::string_view> split_by_hash(std::string_view bytes) {
  std::uint64_t state = fnv1a(bytes) | 1;
  // xorshift64: cheap and good enough to vary piece sizes.
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  constexpr std::uint64_t largest_piece_limit = 4096;
  const std::uint64_t limit = std::uint64_t{1} << (next() % 13);  // 1 .. 4096
  std::vector<std::string_view> pieces;
  while (!bytes.empty()) {
    const std::uint64_t wanted = 1 + next() % std::min(limit, largest_piece_limit);
    const std::size_t size = std::min<std::size_t>(bytes.size(), static_cast<std::size_t>(wanted));
    pieces.push_back(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
  return pieces;
}

}  // namespace smtpsend::fuzz
