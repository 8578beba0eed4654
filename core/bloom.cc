#include "core/bloom.h"

#include <cstring>

#include "core/checksum.h"

namespace kvbos {

uint32_t BloomBytes(uint32_t key_count) {
  uint32_t bytes = (key_count * kBloomBitsPerKey + 7) / 8;
  return bytes < 8 ? 8 : bytes;
}

uint64_t BloomHash(std::string_view key) { return Checksum64(key.data(), key.size()); }

void BloomBuild(const std::vector<uint64_t>& hashes, uint8_t* filter, uint32_t bytes) {
  std::memset(filter, 0, bytes);
  const uint64_t bits = uint64_t{bytes} * 8;
  for (uint64_t h : hashes) {
    uint64_t delta = (h >> 33) | (h << 31);
    for (uint32_t i = 0; i < kBloomProbes; i++) {
      uint64_t bit = h % bits;
      filter[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
      h += delta;
    }
  }
}

bool BloomMayContain(const uint8_t* filter, uint32_t bytes, uint64_t h) {
  const uint64_t bits = uint64_t{bytes} * 8;
  uint64_t delta = (h >> 33) | (h << 31);
  for (uint32_t i = 0; i < kBloomProbes; i++) {
    uint64_t bit = h % bits;
    if ((filter[bit / 8] & (1u << (bit % 8))) == 0) return false;
    h += delta;
  }
  return true;
}

}  // namespace kvbos
