#include "mount-tools/mountinfo.h"

#include <fstream>
#include <sstream>

namespace kvbos::mount {
namespace {

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// Splits a line at spaces (mountinfo fields never contain raw spaces).
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == line.npos) end = line.size();
    if (end > pos) fields.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return fields;
}

}  // namespace

std::string UnescapeMountField(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && IsOctal(field[i + 1]) &&
        IsOctal(field[i + 2]) && IsOctal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<MountEntry> ParseMountInfo(std::string_view text) {
  // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
  // (1)(2)(3)   (4)   (5)      (6)      (7...)  - fstype source super-options
  std::vector<MountEntry> mounts;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == text.npos) end = text.size();
    const std::vector<std::string_view> f = Fields(text.substr(pos, end - pos));
    pos = end + 1;
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 6 || dash + 2 >= f.size()) continue;
    MountEntry e;
    e.target = UnescapeMountField(f[4]);
    e.options = std::string(f[5]);
    e.fstype = UnescapeMountField(f[dash + 1]);
    e.source = UnescapeMountField(f[dash + 2]);
    mounts.push_back(std::move(e));
  }
  return mounts;
}

std::vector<MountEntry> ReadMountInfo(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return ParseMountInfo(text.str());
}

const MountEntry* FindMount(const std::vector<MountEntry>& mounts, std::string_view target) {
  const MountEntry* found = nullptr;
  for (const MountEntry& e : mounts) {
    if (e.target == target) found = &e;
  }
  return found;
}

}  // namespace kvbos::mount
