#include "core/extent_list.h"

#include <cstring>

namespace kvbos {

void ExtentList::Insert(const Extent& e) {
  if (e.length == 0) return;
  const uint64_t start = e.file_offset, end = e.file_offset + e.length;
  std::vector<Extent> out;
  out.reserve(extents_.size() + 2);
  bool placed = false;
  auto place = [&] {
    // Merge with the previous extent when both file and address ranges touch.
    if (!out.empty()) {
      Extent& last = out.back();
      if (last.file_offset + last.length == start && last.addr + last.length == e.addr) {
        last.length += e.length;
        placed = true;
        return;
      }
    }
    out.push_back(e);
    placed = true;
  };
  for (const Extent& old : extents_) {
    const uint64_t old_end = old.file_offset + old.length;
    if (old_end <= start) {  // wholly before
      out.push_back(old);
      continue;
    }
    if (old.file_offset >= end) {  // wholly after
      if (!placed) place();
      out.push_back(old);
      continue;
    }
    if (old.file_offset < start) {  // keep the head of an overlapped extent
      out.push_back({old.file_offset, start - old.file_offset, old.addr});
    }
    if (!placed) place();
    if (old_end > end) {  // keep the tail
      const uint64_t skip = end - old.file_offset;
      out.push_back({end, old_end - end, old.addr + skip});
    }
  }
  if (!placed) place();
  extents_ = std::move(out);
}

void ExtentList::TruncateTo(uint64_t size) {
  while (!extents_.empty()) {
    Extent& last = extents_.back();
    if (last.file_offset >= size) {
      extents_.pop_back();
    } else {
      if (last.file_offset + last.length > size) last.length = size - last.file_offset;
      break;
    }
  }
}

uint64_t ExtentList::StoredBytes() const {
  uint64_t total = 0;
  for (const Extent& e : extents_) total += e.length;
  return total;
}

std::string ExtentList::Encode() const {
  std::string out(extents_.size() * 24, '\0');
  char* p = out.data();
  for (const Extent& e : extents_) {
    const uint64_t words[3] = {e.file_offset, e.length, e.addr};  // little-endian hosts only
    std::memcpy(p, words, 24);
    p += 24;
  }
  return out;
}

Status ExtentList::Decode(std::string_view bytes, ExtentList* out) {
  if (bytes.size() % 24 != 0) return Status::Corruption("extent list size is not a multiple of 24");
  std::vector<Extent> extents(bytes.size() / 24);
  uint64_t prev_end = 0;
  for (size_t i = 0; i < extents.size(); i++) {
    uint64_t words[3];
    std::memcpy(words, bytes.data() + i * 24, 24);
    extents[i] = {words[0], words[1], words[2]};
    if (words[1] == 0 || words[0] < prev_end || words[0] + words[1] < words[0]) {
      return Status::Corruption("extent list is not sorted and non-overlapping");
    }
    prev_end = words[0] + words[1];
  }
  *out = ExtentList(std::move(extents));
  return Status::Ok();
}

}  // namespace kvbos
