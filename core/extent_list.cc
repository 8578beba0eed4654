#include "core/extent_list.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace kvbos {

void ExtentList::Insert(const Extent& e) {
  if (e.length == 0) return;
  const uint64_t start = e.file_offset, end = e.file_offset + e.length;
  std::vector<Extent> out;
  out.reserve(extents_.size() + 2);
  bool placed = false;
  auto place = [&] {
    // Merge with the previous pending extent when both file and address ranges
    // touch and the result stays inside one unit window.
    if (!out.empty() && e.pending() && out.back().pending()) {
      Extent& last = out.back();
      if (last.file_offset + last.length == start && last.addr + last.length == e.addr &&
          last.addr / kValueUnitBytes == (e.addr + e.length - 1) / kValueUnitBytes) {
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
      Extent head = old;
      head.length = start - old.file_offset;
      out.push_back(head);
    }
    if (!placed) place();
    if (old_end > end) {  // keep the tail
      const uint64_t skip = end - old.file_offset;
      Extent tail = old;
      tail.file_offset = end;
      tail.length = old_end - end;
      tail.addr = old.addr + skip;
      if (!old.pending()) tail.unit_offset = static_cast<uint32_t>(old.unit_offset + skip);
      out.push_back(tail);
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

ExtentList ExtentList::Slice(uint64_t offset, uint64_t length) const {
  const uint64_t end = offset + length;
  auto it = std::upper_bound(extents_.begin(), extents_.end(), offset,
                             [](uint64_t off, const Extent& e) { return off < e.file_offset; });
  if (it != extents_.begin() && std::prev(it)->file_offset + std::prev(it)->length > offset) --it;
  std::vector<Extent> out;
  for (; it != extents_.end() && it->file_offset < end; ++it) out.push_back(*it);
  return ExtentList(std::move(out));
}

uint64_t ExtentList::StoredBytes() const {
  uint64_t total = 0;
  for (const Extent& e : extents_) total += e.length;
  return total;
}

std::string ExtentList::Encode() const {
  std::string out(extents_.size() * kEncodedExtentBytes, '\0');
  char* p = out.data();
  for (const Extent& e : extents_) {  // little-endian hosts only
    const uint64_t words[3] = {e.file_offset, e.length, e.addr};
    const uint32_t unit[2] = {e.unit_offset, e.unit_length};
    std::memcpy(p, words, 24);
    std::memcpy(p + 24, unit, 8);
    std::memcpy(p + 32, &e.checksum, 8);
    p += kEncodedExtentBytes;
  }
  return out;
}

Status ExtentList::Decode(std::string_view bytes, ExtentList* out) {
  if (bytes.size() % kEncodedExtentBytes != 0) {
    return Status::Corruption("extent list size is not a multiple of 40");
  }
  std::vector<Extent> extents(bytes.size() / kEncodedExtentBytes);
  uint64_t prev_end = 0;
  for (size_t i = 0; i < extents.size(); i++) {
    const char* p = bytes.data() + i * kEncodedExtentBytes;
    uint64_t words[3];
    uint32_t unit[2];
    std::memcpy(words, p, 24);
    std::memcpy(unit, p + 24, 8);
    Extent& e = extents[i];
    e.file_offset = words[0], e.length = words[1], e.addr = words[2];
    e.unit_offset = unit[0], e.unit_length = unit[1];
    std::memcpy(&e.checksum, p + 32, 8);
    if (e.length == 0 || e.file_offset < prev_end || e.file_offset + e.length < e.file_offset) {
      return Status::Corruption("extent list is not sorted and non-overlapping");
    }
    if (e.unit_length == 0 || e.unit_length > kValueUnitBytes ||
        uint64_t{e.unit_offset} + e.length > e.unit_length || e.unit_offset > e.addr) {
      return Status::Corruption("extent list names an extent outside its checksummed unit");
    }
    prev_end = e.file_offset + e.length;
  }
  *out = ExtentList(std::move(extents));
  return Status::Ok();
}

}  // namespace kvbos
