// Checksums of on-media structures: XXH3 64-bit (libxxhash), seed 0.
// Thread-safe; pure functions.
#pragma once

#include <xxhash.h>

#include <cstddef>
#include <cstdint>

namespace kvbos {

inline uint64_t Checksum64(const void* data, size_t size) { return XXH3_64bits(data, size); }

// The low 32 bits of Checksum64, for per-record checksums.
inline uint32_t Checksum32(const void* data, size_t size) {
  return static_cast<uint32_t>(XXH3_64bits(data, size));
}

}  // namespace kvbos
