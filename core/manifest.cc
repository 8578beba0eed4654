#include "core/manifest.h"

#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "core/checksum.h"
#include "core/hex.h"

namespace kvbos {
namespace {

uint64_t ChecksumOf(const Manifest& m) { return Checksum64(&m, offsetof(Manifest, checksum)); }

// Ok(true) when manifest `sequence` exists.
Status Exists(ObjectStore* store, uint64_t sequence, bool* exists) {
  uint64_t size = 0;
  Status s = store->Head(ManifestName(sequence), &size);
  *exists = s.ok();
  return s.IsNotFound() ? Status::Ok() : s;
}

}  // namespace

std::string ManifestName(uint64_t sequence) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "manifest/%020" PRIu64, sequence);
  return buf;
}

std::string KeyBlockObjectName(Address block) { return "keys/" + Hex(block); }

Status PutManifest(ObjectStore* store, Manifest m) {
  std::memcpy(m.magic, kManifestMagic, sizeof m.magic);
  m.format_version = kManifestFormatVersion;
  m.manifest_size = sizeof m;
  m.checksum = ChecksumOf(m);
  return store->Put(ManifestName(m.sequence),
                    std::string_view(reinterpret_cast<const char*>(&m), sizeof m));
}

Status GetManifest(ObjectStore* store, uint64_t sequence, Manifest* m) {
  std::string bytes;
  KVBOS_RETURN_IF_ERROR(store->Get(ManifestName(sequence), &bytes));
  const std::string where = ManifestName(sequence) + " in " + store->Describe();
  if (bytes.size() != sizeof(Manifest)) {
    return Status::Corruption(where + ": " + std::to_string(bytes.size()) +
                              " bytes, a manifest has " + std::to_string(sizeof(Manifest)));
  }
  std::memcpy(m, bytes.data(), sizeof *m);
  if (std::memcmp(m->magic, kManifestMagic, sizeof m->magic) != 0) {
    return Status::Corruption(where + ": not a kvbos manifest");
  }
  if (m->format_version != kManifestFormatVersion) {
    return Status::VersionMismatch(where + ": manifest format " + std::to_string(m->format_version) +
                                   ", this kvbos reads " + std::to_string(kManifestFormatVersion));
  }
  if (m->checksum != ChecksumOf(*m) || m->sequence != sequence) {
    return Status::Corruption(where + ": checksum mismatch");
  }
  return Status::Ok();
}

Status FindNewestManifest(ObjectStore* store, uint64_t hint, uint64_t* newest) {
  uint64_t present = hint, step = 1;
  uint64_t absent = 0;
  while (absent == 0) {
    bool exists = false;
    KVBOS_RETURN_IF_ERROR(Exists(store, present + step, &exists));
    if (exists) {
      present += step;
      step *= 2;
    } else {
      absent = present + step;
    }
  }
  // present exists (or is the hint / 0), absent does not: bisect between them.
  while (absent - present > 1) {
    const uint64_t mid = present + (absent - present) / 2;
    bool exists = false;
    KVBOS_RETURN_IF_ERROR(Exists(store, mid, &exists));
    (exists ? present : absent) = mid;
  }
  *newest = present;
  return Status::Ok();
}

}  // namespace kvbos
