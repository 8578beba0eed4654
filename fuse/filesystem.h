// Filesystem: kvbosfs's semantics (paths to keys, attributes, open files,
// errno rules) over a kvbos::Engine, with no dependency on libfuse, so it is
// tested without a mount (fuse/filesystem_test.cc). fuse/operations.cc binds
// each FUSE operation to one method here.
//
// Conventions:
//   - Paths are absolute ("/a/b.txt", "/" is the root), as FUSE passes them.
//   - Methods return 0 (or a byte count) on success and a negative errno on
//     failure: ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ENAMETOOLONG (a
//     component longer than 255 bytes), ENOSPC, EROFS, EIO, EXDEV (a directory
//     too large to rename in one batch), EINVAL, ENOTSUP, ENODATA, EPERM.
//   - Methods that take `FileHandle* fh` act on the open file when fh is not
//     null (the path may then be empty: the file may have been unlinked).
//   - Times are nanoseconds since the epoch; "now" is CLOCK_REALTIME.
//
// Durability: a write is in memory until the file's key record is written
// (fsync, release, setattr, Sync, or the periodic commit), and persistent after
// the next engine Sync (fsync, Sync, the commit thread about once a second,
// Shutdown). The binding asks the kernel for no FLUSH at close(2) (see
// fuse/operations.cc), so a failure to write the record is reported by fsync,
// as on a local file system with delayed allocation, not by close.
//
// Thread-safety: every method may be called from many threads at once.
// Namespace changes (create, mkdir, unlink, rmdir, rename, symlink, mknod,
// setattr, xattr changes) are serialised by one reader-writer lock, which
// also keeps keys stable while an open file's record is written (shared).
// read, write and getattr never take it, so reads and writes of different
// files proceed in parallel; see fuse/open_files.h for the per-file locks.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "fuse/dir_cursor.h"
#include "fuse/open_files.h"

namespace kvbosfs {

// Who asks: owner of what a call creates.
struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
};

class Filesystem {
 public:
  // `engine` must outlive the Filesystem.
  explicit Filesystem(kvbos::Engine* engine);
  ~Filesystem();  // stops the commit thread (no final Sync: call Shutdown)
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;

  // Mount-time setup: writes the root directory's record (mode 040755, owned
  // by `owner`) if the pool has none, and, when `commit_interval_ms` > 0 and
  // the engine is writable, starts the commit thread (write-back of dirty open
  // files, then Sync when the engine is Dirty) and the engine's snapshots to
  // its object store. Call after fork (FUSE init).
  int Init(const Caller& owner, int commit_interval_ms = 1000);
  // Unmount: stops the commit thread, writes every dirty open file's record,
  // Syncs, and snapshots to the object store (if any). Returns the first error.
  int Shutdown();

  // Attributes -----------------------------------------------------------
  int GetAttr(std::string_view path, FileHandle* fh, struct stat* st);
  int Chmod(std::string_view path, FileHandle* fh, mode_t mode);
  // uid/gid of (uid_t)-1 leave that owner unchanged.
  int Chown(std::string_view path, FileHandle* fh, uid_t uid, gid_t gid);
  // times[0] atime, times[1] mtime; tv_nsec may be UTIME_NOW or UTIME_OMIT;
  // null times means both now.
  int Utimens(std::string_view path, FileHandle* fh, const struct timespec times[2]);
  // Sets the size (bytes); growing adds a hole. EISDIR on a directory.
  int Truncate(std::string_view path, FileHandle* fh, off_t size);
  // f_bsize 4096, blocks from the engine's capacity and use, f_namemax 255.
  int StatFs(struct statvfs* st);

  // Directories ----------------------------------------------------------
  // Starts a listing of the directory `path` (ENOENT, ENOTDIR): *out yields
  // ".", ".." and each child, in key order (see fuse/dir_cursor.h).
  int OpenDir(std::string_view path, std::unique_ptr<DirCursor>* out);
  // Calls emit(name, type bits of st_mode) for ".", ".." and each child, in
  // key order, until emit returns false. Never visits grandchildren.
  int ReadDir(std::string_view path, const std::function<bool(std::string_view, mode_t)>& emit);
  int MkDir(std::string_view path, mode_t mode, const Caller& caller);
  // ENOTEMPTY when the directory has any child; EBUSY for the root.
  int RmDir(std::string_view path);

  // Names ----------------------------------------------------------------
  // Regular files, FIFOs, sockets and device nodes (type bits in mode).
  int MkNod(std::string_view path, mode_t mode, dev_t rdev, const Caller& caller);
  int Symlink(std::string_view target, std::string_view path, const Caller& caller);
  int ReadLink(std::string_view path, std::string* target);
  // EISDIR on a directory. Open handles keep working; the name is gone.
  int Unlink(std::string_view path);
  // Atomic rename of a file or directory (one engine batch). flags:
  // RENAME_NOREPLACE (EEXIST if `to` exists), RENAME_EXCHANGE (swap; ENOENT if
  // `to` is absent). Replacing: file onto directory EISDIR, directory onto file
  // ENOTDIR, onto a non-empty directory ENOTEMPTY.
  int Rename(std::string_view from, std::string_view to, unsigned int flags);
  // For libfuse's hiding of unlinked open files, which renames such a file to
  // a hidden name ("dir/.fuse_hidden...") and unlinks that name after the last
  // release: when `path` is open, unlinks it at once (as Unlink does) and keeps
  // its open state reachable under `hidden_path`, in memory only, until the
  // last handle is released or `hidden_path` is unlinked. Nothing is stored
  // under the hidden name, so readdir never shows it and a crash leaves no
  // trace of it. When `path` is not open this is Rename(path, hidden_path, 0).
  int HideOpenFile(std::string_view path, std::string_view hidden_path);
  // Hard links are not supported: EPERM.
  int Link(std::string_view from, std::string_view to);

  // Files ----------------------------------------------------------------
  // Creates a regular file (or opens it when it exists and O_EXCL is not in
  // flags) and opens it. *out is owned by the caller until Release.
  int Create(std::string_view path, mode_t mode, int flags, const Caller& caller,
             FileHandle** out);
  // Opens an existing regular file; O_TRUNC truncates it to 0.
  int Open(std::string_view path, int flags, FileHandle** out);
  // Returns bytes read (short only at the end of the file; holes read zeros).
  int Read(FileHandle* fh, char* buf, size_t size, off_t offset);
  // Returns bytes written (all of them); O_APPEND writes at the end.
  int Write(FileHandle* fh, const char* buf, size_t size, off_t offset);
  // Writes the file's key record if it changed; no Sync.
  int Flush(FileHandle* fh);
  // Writes the key record, then Syncs: returns when data and record persist.
  int Fsync(FileHandle* fh);
  // Flushes, then drops the handle and deletes `fh`.
  int Release(FileHandle* fh);
  // Writes every dirty open file's record, then an engine Sync (fsyncdir,
  // unmount): everything written before the call persists.
  int Sync();
  // Sync, then a snapshot to the object store (Engine::Snapshot): fsync of
  // the statistics file, i.e. `kvbos sync`. EIO when the store cannot be
  // reached (the pool keeps everything); 0 at once without a store.
  int SyncToStore();

  // Live statistics (the file kStatsFileName at the root; fuse/stats_json.h):
  // the engine's and the store's counters, bytes read and written, and what
  // `operation_counters` (set by the binding before mounting: calls per FUSE
  // operation) returns. Thread-safe.
  nlohmann::json StatsJson();
  void SetOperationCounters(std::function<nlohmann::json()> operation_counters) {
    operation_counters_ = std::move(operation_counters);
  }

  // Extended attributes (only "user.*"; other namespaces ENOTSUP) ---------
  // flags: XATTR_CREATE (EEXIST if present), XATTR_REPLACE (ENODATA if absent).
  int SetXattr(std::string_view path, std::string_view name, std::string_view value, int flags);
  // ENODATA when absent.
  int GetXattr(std::string_view path, std::string_view name, std::string* value);
  // Names, each followed by '\0' (listxattr's format).
  int ListXattr(std::string_view path, std::string* names);
  int RemoveXattr(std::string_view path, std::string_view name);

 private:
  struct Node;
  struct RenamePlan;

  // Finds what `key` names (file key first, then directory key); ENOENT, or
  // ENOTDIR when an ancestor is a file.
  int Lookup(const std::string& key, Node* node);
  // Lookup for a key whose parent is known to be a directory: ENOENT without
  // looking at ancestors.
  int LookupChild(const std::string& key, Node* node);
  // Lookup, then checks that it is a directory (ENOTDIR when it is not); the
  // directory key is tried first.
  int LookupDir(const std::string& key, Node* node);
  // Checks `path` and that its parent is a directory and its name is free.
  int PrepareNew(std::string_view path, std::string* key, Node* parent);
  // Writes `record` under `key` and touches the parent's mtime/ctime, in one batch.
  int PutWithParent(const std::string& key, const kvbos::Record& record, Node* parent,
                    kvbos::WriteBatch* batch);
  // Unlink of `key` (a file): tombstones its record and xattrs, touches the
  // parent. Caller holds ns_mu_ exclusively; open state is the caller's job.
  int UnlinkLocked(const std::string& key);
  // True when the directory stored under `dir_key` has a child.
  int HasChildren(const std::string& dir_key, bool* has);
  // Applies `change` to the attributes of what fh/path names, writing a new
  // key record (an open file's record is written from its in-memory state).
  int ChangeAttrs(std::string_view path, FileHandle* fh,
                  const std::function<int(kvbos::Attributes*)>& change);
  // Writes an open file's record if dirty. Caller holds ns_mu_ (shared or
  // exclusive) and file.mu exclusively.
  int WriteBackLocked(OpenFile& file);
  // Writes every dirty open file's record (ns_mu_ shared).
  int WriteBackAll();
  // Builds the record/tombstone ops that move the object `node` to `to_key`.
  int AddMove(const Node& node, const std::string& to_key, RenamePlan* plan);
  // Adds tombstones for an object being replaced (and its xattrs).
  int AddRemoval(const Node& node, RenamePlan* plan);
  void CommitLoop(int interval_ms);
  // The attributes of the statistics file: read-only regular file, size 0
  // (it is read with direct I/O: its length is known only when opened).
  void StatsFileAttrs(struct stat* st) const;

  kvbos::Engine* const engine_;
  Caller root_owner_;  // owner of the stand-in root of a never-mounted pool
  OpenFileTable open_files_;
  std::shared_mutex ns_mu_;  // namespace lock (see the class comment)

  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  bool stop_commit_ = false;  // GUARDED_BY(commit_mu_)
  std::thread committer_;

  std::atomic<uint64_t> bytes_read_{0}, bytes_written_{0};
  std::function<nlohmann::json()> operation_counters_;  // set before mounting
};

}  // namespace kvbosfs
