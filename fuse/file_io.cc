// Filesystem: file content — open, create, read, write, truncate, and writing
// an open file's key record (flush, fsync, release).
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fuse/attrs.h"
#include "fuse/filesystem.h"
#include "fuse/filesystem_internal.h"
#include "fuse/paths.h"

namespace kvbosfs {

namespace {

// Truncates an open file's content to `size` bytes (or extends it with a
// hole). Caller holds file.mu exclusively.
void TruncateLocked(OpenFile& file, uint64_t size) {
  file.extents.TruncateTo(size);
  file.attrs.size = size;
  file.attrs.mtime_ns = file.attrs.ctime_ns = NowNs();
  file.dirty = true;
}

// Opens that find the stored record changed under them retry this often
// before reading the extents under the open-file table's mutex.
constexpr int kOpenAttempts = 4;

// True when two reads of a key's record found the same record.
bool SameStoredRecord(const kvbos::Record& a, const kvbos::Record& b) {
  return a.flags == b.flags && a.value_addr == b.value_addr && a.value_size == b.value_size &&
         a.value_checksum == b.value_checksum && a.attrs.size == b.attrs.size &&
         a.attrs.mtime_ns == b.attrs.mtime_ns && a.attrs.ctime_ns == b.attrs.ctime_ns;
}

}  // namespace

int Filesystem::WriteBackLocked(OpenFile& file) {
  if (!file.dirty || file.unlinked) return 0;
  kvbos::Record record;
  kvbos::Status s = engine_->MakeContentRecord(&file.extents, file.attrs, &record);
  if (!s.ok()) return Errno(s);
  kvbos::WriteBatch batch;
  batch.PutRecord(file.key, record);
  s = engine_->Apply(batch);
  if (!s.ok()) return Errno(s);
  file.dirty = false;
  return 0;
}

int Filesystem::Open(std::string_view path, int flags, FileHandle** out) {
  if (IsStatsPath(path)) {
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) return -EACCES;
    *out = new FileHandle{nullptr, flags, StatsJson().dump(2) + "\n"};
    return 0;
  }
  if (int err = CheckPath(path); err != 0) return err;
  const std::string key = KeyOfPath(path);
  if ((flags & O_TRUNC) && engine_->read_only()) return -EROFS;
  // A file with an extent list that is not open yet has the list read with no
  // lock held: with an object store that read may be a range GET, and neither
  // other opens nor namespace changes may wait for it. (An inline value's
  // extent comes from the record itself: no read, no dance.) Then, under the namespace
  // lock and the open-file table's mutex, the stored record is checked to be
  // the one read (a writer may have released the file, or a rename moved
  // another file here, in between); if it is not, read again.
  std::shared_lock ns(ns_mu_, std::defer_lock);
  std::shared_ptr<OpenFile> file;
  int err = 0;
  for (int attempt = 0;; attempt++) {
    Node node;
    bool prepared = false;
    kvbos::ExtentList extents;
    ns.lock();
    if (int e = Lookup(key, &node); e != 0) return e;
    if (node.is_dir()) return -EISDIR;
    if (!S_ISREG(node.record.attrs.mode)) return -EINVAL;
    if (node.record.has_extent_list() && attempt < kOpenAttempts &&
        open_files_.Find(key) == nullptr) {
      ns.unlock();
      if (int e = Errno(engine_->LoadExtents(node.record, &extents)); e != 0) return e;
      prepared = true;
      ns.lock();
    }
    err = open_files_.Acquire(key, [&](OpenFile* f) {
      Node now;
      if (int e = Lookup(key, &now); e != 0) return e;
      if (!S_ISREG(now.record.attrs.mode)) return now.is_dir() ? -EISDIR : -EINVAL;
      if (!prepared) {  // inline, open a moment ago, or out of attempts: load here
        f->attrs = now.record.attrs;
        return Errno(engine_->LoadExtents(now.record, &f->extents));
      }
      if (!SameStoredRecord(now.record, node.record)) return -EAGAIN;
      f->attrs = now.record.attrs;
      f->extents = std::move(extents);
      return 0;
    }, &file);
    if (err != -EAGAIN) break;
    ns.unlock();
  }
  if (err != 0) return err;
  if (flags & O_TRUNC) {
    std::unique_lock lock(file->mu);
    TruncateLocked(*file, 0);
    err = WriteBackLocked(*file);
  }
  if (err != 0) {
    open_files_.Release(file);
    return err;
  }
  *out = new FileHandle{std::move(file), flags, {}};
  return 0;
}

int Filesystem::Create(std::string_view path, mode_t mode, int flags, const Caller& caller,
                       FileHandle** out) {
  {
    std::unique_lock ns(ns_mu_);
    std::string key;
    Node parent;
    int err = PrepareNew(path, &key, &parent);
    if (err == 0) {
      kvbos::Record record;
      record.attrs.mode = S_IFREG | (mode & 07777);
      record.attrs.uid = caller.uid;
      record.attrs.gid = (parent.record.attrs.mode & S_ISGID) ? parent.record.attrs.gid : caller.gid;
      record.attrs.atime_ns = record.attrs.mtime_ns = record.attrs.ctime_ns = NowNs();
      kvbos::WriteBatch batch;
      if (int e = PutWithParent(key, record, &parent, &batch); e != 0) return e;
      std::shared_ptr<OpenFile> file;
      err = open_files_.Acquire(key, [&](OpenFile* f) {
        f->attrs = record.attrs;
        return 0;
      }, &file);
      if (err != 0) return err;
      *out = new FileHandle{std::move(file), flags, {}};
      return 0;
    }
    if (err != -EEXIST || (flags & O_EXCL)) return err;
  }
  return Open(path, flags & ~O_CREAT, out);  // it exists: open(2) without O_EXCL opens it
}

int Filesystem::Read(FileHandle* fh, char* buf, size_t size, off_t offset) {
  if (offset < 0) return -EINVAL;
  if (!fh->file) {  // the statistics file
    const std::string& text = fh->stats;
    if (static_cast<uint64_t>(offset) >= text.size()) return 0;
    const size_t n = std::min(size, text.size() - static_cast<size_t>(offset));
    std::memcpy(buf, text.data() + offset, n);
    return static_cast<int>(n);
  }
  OpenFile& file = *fh->file;
  const uint64_t off = static_cast<uint64_t>(offset);
  uint64_t n = 0;
  kvbos::ExtentList slice;
  {
    // Copy what the read needs and let go of the file: the bytes may come from
    // the object store, and writers (or a release) of this file must not wait.
    // The bytes of a copied extent never change (values are copy-on-write).
    std::shared_lock lock(file.mu);
    if (off >= file.attrs.size) return 0;
    n = std::min<uint64_t>(size, file.attrs.size - off);
    slice = file.extents.Slice(off, n);
  }
  if (int err = Errno(engine_->ReadContent(slice, off, n, buf)); err != 0) return err;
  bytes_read_.fetch_add(n, std::memory_order_relaxed);
  return static_cast<int>(n);
}

int Filesystem::Write(FileHandle* fh, const char* buf, size_t size, off_t offset) {
  if (offset < 0) return -EINVAL;
  if (!fh->file) return -EBADF;  // the statistics file is open read-only
  if (size == 0) return 0;
  OpenFile& file = *fh->file;
  std::unique_lock lock(file.mu);
  uint64_t off = static_cast<uint64_t>(offset);
  if (fh->flags & O_APPEND) off = file.attrs.size;
  std::vector<kvbos::Extent> extents;
  if (int err = Errno(engine_->AppendValue(std::string_view(buf, size), off, &extents)); err != 0) {
    return err;
  }
  for (const kvbos::Extent& e : extents) file.extents.Insert(e);
  file.attrs.size = std::max<uint64_t>(file.attrs.size, off + size);
  file.attrs.mtime_ns = file.attrs.ctime_ns = NowNs();
  file.dirty = true;
  bytes_written_.fetch_add(size, std::memory_order_relaxed);
  return static_cast<int>(size);
}

int Filesystem::Truncate(std::string_view path, FileHandle* fh, off_t size) {
  if (size < 0) return -EINVAL;
  if (fh != nullptr && !fh->file) return -EPERM;  // the statistics file
  std::string key;
  if (fh == nullptr) {
    if (int err = CheckPath(path); err != 0) return err;
    key = KeyOfPath(path);
  }
  if (engine_->read_only()) return -EROFS;
  std::unique_lock ns(ns_mu_);
  std::shared_ptr<OpenFile> file = fh != nullptr ? fh->file : open_files_.Find(key);
  if (file) {
    std::unique_lock lock(file->mu);
    TruncateLocked(*file, static_cast<uint64_t>(size));
    return WriteBackLocked(*file);
  }
  Node node;
  if (int err = Lookup(key, &node); err != 0) return err;
  if (node.is_dir()) return -EISDIR;
  if (!S_ISREG(node.record.attrs.mode)) return -EINVAL;
  kvbos::ExtentList extents;
  if (int err = Errno(engine_->LoadExtents(node.record, &extents)); err != 0) return err;
  extents.TruncateTo(static_cast<uint64_t>(size));
  kvbos::Attributes attrs = node.record.attrs;
  attrs.size = static_cast<uint64_t>(size);
  attrs.mtime_ns = attrs.ctime_ns = NowNs();
  kvbos::Record record;
  if (int err = Errno(engine_->MakeContentRecord(&extents, attrs, &record)); err != 0) return err;
  kvbos::WriteBatch batch;
  batch.PutRecord(node.record_key, record);
  return Errno(engine_->Apply(batch));
}

int Filesystem::Flush(FileHandle* fh) {
  if (!fh->file) return 0;  // the statistics file
  {
    std::shared_lock lock(fh->file->mu);
    if (!fh->file->dirty) return 0;  // nothing to write: take no exclusive lock
  }
  std::shared_lock ns(ns_mu_);
  std::unique_lock lock(fh->file->mu);
  return WriteBackLocked(*fh->file);
}

int Filesystem::Fsync(FileHandle* fh) {
  if (!fh->file) return SyncToStore();  // the statistics file: `kvbos sync`
  if (int err = Flush(fh); err != 0) return err;
  return Errno(engine_->Sync());
}

int Filesystem::Release(FileHandle* fh) {
  if (!fh->file) {  // the statistics file
    delete fh;
    return 0;
  }
  const int err = Flush(fh);
  open_files_.Release(fh->file);
  delete fh;
  return err;
}

}  // namespace kvbosfs
