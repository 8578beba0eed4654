#include "fuse/paths.h"

#include "fuse/stats_json.h"

#include <cerrno>

namespace kvbosfs {

namespace {
constexpr std::string_view kXattrTag("\0x", 2);
}  // namespace

bool IsStatsPath(std::string_view path) {
  return path.size() > 1 && path[0] == '/' && path.substr(1) == kStatsFileName;
}

int CheckPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return -EINVAL;
  if (IsStatsPath(path)) return -EPERM;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end - start > kMaxNameLength) return -ENAMETOOLONG;
    start = end + 1;
  }
  return 0;
}

std::string KeyOfPath(std::string_view path) {
  std::string_view key = path.substr(1);
  while (!key.empty() && key.back() == '/') key.remove_suffix(1);
  return std::string(key);
}

std::string DirKey(std::string_view key) {
  if (key.empty()) return std::string();
  std::string out(key);
  out += '/';
  return out;
}

std::string ParentKey(std::string_view key) {
  const size_t slash = key.rfind('/');
  if (slash == std::string_view::npos) return std::string();
  return std::string(key.substr(0, slash));
}

bool IsInternalKey(std::string_view key) { return !key.empty() && key[0] == '\0'; }

std::string PastSubtree(std::string_view child) {
  std::string out(child);
  out += '0';
  return out;
}

std::string XattrKey(std::string_view object_key, std::string_view name) {
  std::string out = XattrPrefix(object_key);
  out += name;
  return out;
}

std::string XattrPrefix(std::string_view object_key) {
  std::string out = XattrTreePrefix(object_key);
  out += '\0';
  return out;
}

std::string XattrTreePrefix(std::string_view key_prefix) {
  std::string out(kXattrTag);
  out += key_prefix;
  return out;
}

}  // namespace kvbosfs
