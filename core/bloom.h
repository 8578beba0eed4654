// Bloom filter over the keys of a sealed key block, stored inside the block.
//
// Algorithm: k probes derived from one 64-bit hash by double hashing
// (Kirsch & Mitzenmacher, "Less Hashing, Same Performance", 2006; the same
// scheme as LevelDB's util/bloom.cc). ~10 bits per key, k = 7: about 1%
// false positives.
//
// Thread-safety: pure functions over caller-owned bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kvbos {

inline constexpr uint32_t kBloomBitsPerKey = 10;
inline constexpr uint32_t kBloomProbes = 7;

// Bytes of filter for `key_count` keys (at least 8).
uint32_t BloomBytes(uint32_t key_count);
// Sets the bits of every hash (from BloomHash) in `filter` of `bytes` bytes.
void BloomBuild(const std::vector<uint64_t>& hashes, uint8_t* filter, uint32_t bytes);
// False only when the key is certainly absent.
bool BloomMayContain(const uint8_t* filter, uint32_t bytes, uint64_t hash);
uint64_t BloomHash(std::string_view key);

}  // namespace kvbos
