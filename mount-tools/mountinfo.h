// Reading the kernel's table of mounts (/proc/self/mountinfo, proc(5)), to see
// whether a directory is mounted and by what, without touching the mount
// itself (a hung FUSE daemon cannot hang the reader).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kvbos::mount {

// One line of mountinfo, with the octal escapes (\040 for a space, ...) undone.
struct MountEntry {
  std::string target;   // mount point, e.g. /mnt/kvbos
  std::string fstype;   // e.g. fuse.kvbosfs
  std::string source;   // e.g. the pool path (kvbosfs sets fsname=POOL)
  std::string options;  // per-mount options, e.g. rw,nosuid,nodev,relatime
};

// Parses mountinfo text (the whole file); malformed lines are skipped.
std::vector<MountEntry> ParseMountInfo(std::string_view text);

// Reads and parses `path` (default: this process's mount namespace). An
// unreadable file gives an empty list.
std::vector<MountEntry> ReadMountInfo(const std::string& path = "/proc/self/mountinfo");

// Undoes mountinfo's octal escapes: "a\040b" -> "a b".
std::string UnescapeMountField(std::string_view field);

// The last (topmost) entry mounted on `target`, or nullptr.
const MountEntry* FindMount(const std::vector<MountEntry>& mounts, std::string_view target);

}  // namespace kvbos::mount
