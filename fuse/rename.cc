// Filesystem::Rename: one engine batch that puts every moved record under its
// new key and tombstones every old key no longer used, so a crash leaves the
// old names or the new ones, never a mix. A directory's whole subtree (and
// its xattrs) moves in the batch; a batch too large for one key block fails
// with EXDEV, so mv(1) falls back to copying.
#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "fuse/attrs.h"
#include "fuse/filesystem.h"
#include "fuse/filesystem_internal.h"
#include "fuse/paths.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace kvbosfs {

// The records a rename writes: puts win over deletes of the same key.
struct Filesystem::RenamePlan {
  std::map<std::string, kvbos::Record> puts;
  std::set<std::string> deletes;

  kvbos::WriteBatch ToBatch() const {
    kvbos::WriteBatch batch;
    for (const auto& [key, record] : puts) batch.PutRecord(key, record);
    for (const auto& key : deletes) {
      if (puts.count(key) == 0) batch.Delete(key);
    }
    return batch;
  }
};

int Filesystem::AddMove(const Node& node, const std::string& to_key, RenamePlan* plan) {
  const int64_t now = NowNs();
  // Stored keys starting with `from` move to `to` + the rest of the key.
  auto move_prefix = [&](const std::string& from, const std::string& to, const std::string& own) {
    return engine_->Scan(from, [&](const kvbos::Record& r) {
      kvbos::Record moved = r;
      if (r.key == own) moved.attrs.ctime_ns = now;  // the renamed object itself
      plan->puts[to + r.key.substr(from.size())] = moved;
      plan->deletes.insert(r.key);
      return true;
    });
  };
  kvbos::Status s;
  if (node.is_dir()) {
    const std::string from = node.record_key, to = DirKey(to_key);
    s = move_prefix(from, to, from);
    if (s.ok()) s = move_prefix(XattrTreePrefix(from), XattrTreePrefix(to), std::string());
  } else {
    kvbos::Record moved = node.record;
    moved.attrs.ctime_ns = now;
    plan->puts[to_key] = moved;
    plan->deletes.insert(node.record_key);
    s = move_prefix(XattrPrefix(node.record_key), XattrPrefix(to_key), std::string());
  }
  return Errno(s);
}

int Filesystem::AddRemoval(const Node& node, RenamePlan* plan) {
  plan->deletes.insert(node.record_key);
  return Errno(engine_->Scan(XattrPrefix(node.record_key), [&](const kvbos::Record& r) {
    plan->deletes.insert(r.key);
    return true;
  }));
}

int Filesystem::Rename(std::string_view from, std::string_view to, unsigned int flags) {
  if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE | RENAME_EXCHANGE)) return -EINVAL;
  const bool exchange = flags & RENAME_EXCHANGE;
  if (exchange && (flags & RENAME_NOREPLACE)) return -EINVAL;
  if (int err = CheckPath(from); err != 0) return err;
  if (int err = CheckPath(to); err != 0) return err;
  const std::string from_key = KeyOfPath(from), to_key = KeyOfPath(to);
  if (from_key.empty() || to_key.empty()) return -EBUSY;  // the root
  if (engine_->read_only()) return -EROFS;

  std::unique_lock ns(ns_mu_);
  Node src, dst, from_parent, to_parent;
  if (int err = Lookup(from_key, &src); err != 0) return err;
  if (int err = LookupDir(ParentKey(to_key), &to_parent); err != 0) return err;
  if (from_key == to_key) return 0;
  if (src.is_dir() && HasPrefix(to_key, DirKey(from_key))) return -EINVAL;  // into itself
  int err = Lookup(to_key, &dst);
  if (err != 0 && err != -ENOENT) return err;
  const bool dst_exists = err == 0;
  if (exchange) {
    if (!dst_exists) return -ENOENT;
    if (dst.is_dir() && HasPrefix(from_key, DirKey(to_key))) return -EINVAL;
  } else if (dst_exists) {
    if (flags & RENAME_NOREPLACE) return -EEXIST;
    if (dst.is_dir() && !src.is_dir()) return -EISDIR;
    if (!dst.is_dir() && src.is_dir()) return -ENOTDIR;
    if (dst.is_dir()) {
      bool has_children = false;
      if ((err = HasChildren(dst.record_key, &has_children)) != 0) return err;
      if (has_children) return -ENOTEMPTY;
    }
  }
  if ((err = LookupDir(ParentKey(from_key), &from_parent)) != 0) return err;

  RenamePlan plan;
  if ((err = AddMove(src, to_key, &plan)) != 0) return err;
  if (exchange) {
    if ((err = AddMove(dst, from_key, &plan)) != 0) return err;
  } else if (dst_exists) {
    if ((err = AddRemoval(dst, &plan)) != 0) return err;
  }
  const int64_t now = NowNs();
  for (Node* parent : {&from_parent, &to_parent}) {
    parent->record.attrs.mtime_ns = parent->record.attrs.ctime_ns = now;
    plan.puts[parent->record_key] = parent->record;
  }
  if ((err = Errno(engine_->Apply(plan.ToBatch()))) != 0) return err;

  // Open files follow their names; a replaced file's handles become orphans.
  if (dst_exists && !exchange && !dst.is_dir()) open_files_.Detach(to_key);
  auto map_key = [](const Node& node, const std::string& key,
                    const std::string& new_base) -> std::optional<std::string> {
    if (!node.is_dir()) {
      if (key == node.key) return new_base;
      return std::nullopt;
    }
    if (HasPrefix(key, node.record_key)) return DirKey(new_base) + key.substr(node.record_key.size());
    return std::nullopt;
  };
  open_files_.Rekey([&](const std::string& key) -> std::optional<std::string> {
    if (auto moved = map_key(src, key, to_key)) return moved;
    if (exchange) return map_key(dst, key, from_key);
    return std::nullopt;
  });
  return 0;
}

}  // namespace kvbosfs
