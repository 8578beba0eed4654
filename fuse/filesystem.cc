// Filesystem: lookup, attributes, directories, names, and the commit thread.
// File content is in file_io.cc, rename in rename.cc, xattrs in xattrs.cc.
#include "fuse/filesystem.h"

#include <cerrno>
#include <chrono>

#include <spdlog/spdlog.h>

#include "fuse/attrs.h"
#include "fuse/filesystem_internal.h"
#include "fuse/paths.h"
#include "fuse/stats_json.h"

namespace kvbosfs {

namespace {

// Attributes of a new object of type+permissions `mode` in `parent`: owned by
// the caller (group of a set-group-ID parent, which a new directory inherits).
kvbos::Attributes NewAttrs(mode_t mode, dev_t rdev, const Caller& caller,
                           const kvbos::Attributes& parent) {
  kvbos::Attributes attrs;
  attrs.mode = mode;
  attrs.uid = caller.uid;
  attrs.gid = caller.gid;
  attrs.rdev = static_cast<uint32_t>(rdev);
  if (parent.mode & S_ISGID) {
    attrs.gid = parent.gid;
    if (S_ISDIR(mode)) attrs.mode |= S_ISGID;
  }
  attrs.atime_ns = attrs.mtime_ns = attrs.ctime_ns = NowNs();
  return attrs;
}

}  // namespace

Filesystem::Filesystem(kvbos::Engine* engine) : engine_(engine) {}

Filesystem::~Filesystem() {
  {
    std::lock_guard lock(commit_mu_);
    stop_commit_ = true;
  }
  commit_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

// Mount and unmount ---------------------------------------------------------

int Filesystem::Init(const Caller& owner, int commit_interval_ms) {
  root_owner_ = owner;
  if (engine_->read_only()) return 0;
  kvbos::Record root;
  kvbos::Status s = engine_->Get("", &root);
  if (s.IsNotFound()) {
    root = kvbos::Record();
    root.attrs = NewAttrs(S_IFDIR | 0755, 0, owner, kvbos::Attributes());
    kvbos::WriteBatch batch;
    batch.PutRecord("", root);
    s = engine_->Apply(batch);
    if (s.ok()) s = engine_->Sync();
  }
  if (!s.ok()) return Errno(s);
  if (commit_interval_ms > 0 && !committer_.joinable()) {
    committer_ = std::thread([this, commit_interval_ms] { CommitLoop(commit_interval_ms); });
  }
  engine_->StartBackgroundSnapshots();
  return 0;
}

int Filesystem::Shutdown() {
  {
    std::lock_guard lock(commit_mu_);
    stop_commit_ = true;
  }
  commit_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
  int err = WriteBackAll();
  int sync_err = Sync();
  // Unmounting leaves everything in the object store too (when there is one).
  int store_err = Errno(engine_->Snapshot());
  return err != 0 ? err : sync_err != 0 ? sync_err : store_err;
}

void Filesystem::CommitLoop(int interval_ms) {
  bool reported = false;
  std::unique_lock lock(commit_mu_);
  while (!stop_commit_) {
    commit_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return stop_commit_; });
    if (stop_commit_) break;
    lock.unlock();
    int err = WriteBackAll();
    if (err == 0 && engine_->Dirty()) err = Errno(engine_->Sync());
    if (err != 0 && !reported) {
      spdlog::error("background commit failed (errno {}); the file system may be read-only now", -err);
      reported = true;
    }
    lock.lock();
  }
}

int Filesystem::WriteBackAll() {
  int first = 0;
  std::shared_lock ns(ns_mu_);
  for (const auto& file : open_files_.All()) {
    std::unique_lock lock(file->mu);
    int err = WriteBackLocked(*file);
    if (first == 0) first = err;
  }
  return first;
}

int Filesystem::Sync() {
  const int err = WriteBackAll();
  const int sync_err = Errno(engine_->Sync());
  return err != 0 ? err : sync_err;
}

int Filesystem::SyncToStore() {
  if (int err = Sync(); err != 0) return err;
  return Errno(engine_->Snapshot());
}

nlohmann::json Filesystem::StatsJson() {
  const kvbos::EngineStats stats = engine_->Stats();
  return {{"engine", PoolStatsJson(stats)},
          {"store", StoreStatsJson(stats)},
          {"files",
           {{"bytes_read", bytes_read_.load(std::memory_order_relaxed)},
            {"bytes_written", bytes_written_.load(std::memory_order_relaxed)},
            {"open_files", open_files_.All().size()}}},
          {"operations", operation_counters_ ? operation_counters_() : nlohmann::json::object()}};
}

void Filesystem::StatsFileAttrs(struct stat* st) const {
  *st = {};
  st->st_mode = S_IFREG | 0444;
  st->st_nlink = 1;
  st->st_uid = root_owner_.uid;
  st->st_gid = root_owner_.gid;
  st->st_blksize = 4096;
  const int64_t now = NowNs();
  st->st_atim = st->st_mtim = st->st_ctim = timespec{now / 1000000000, now % 1000000000};
}

// Lookup --------------------------------------------------------------------

int Filesystem::Lookup(const std::string& key, Node* node) {
  int err = LookupChild(key, node);
  if (err != -ENOENT || key.empty()) return err;
  // ENOTDIR rather than ENOENT when an ancestor is a file. The parent is
  // usually a directory, and then one Get of its directory key settles it.
  const std::string parent = ParentKey(key);
  if (parent.empty()) return -ENOENT;
  kvbos::Record ancestor;
  if (engine_->Get(DirKey(parent), &ancestor).ok()) return -ENOENT;
  for (std::string up = parent; !up.empty(); up = ParentKey(up)) {
    if (engine_->Get(up, &ancestor).ok()) return S_ISDIR(ancestor.attrs.mode) ? -ENOENT : -ENOTDIR;
  }
  return -ENOENT;
}

int Filesystem::LookupChild(const std::string& key, Node* node) {
  node->key = key;
  if (key.empty()) {  // the root: its record key is "" itself
    node->record_key.clear();
    kvbos::Status s = engine_->Get("", &node->record);
    if (s.IsNotFound()) {  // a pool never mounted read-write: a stand-in root
      node->record = kvbos::Record();
      node->record.attrs.mode = S_IFDIR | 0755;
      node->record.attrs.uid = root_owner_.uid;
      node->record.attrs.gid = root_owner_.gid;
      return 0;
    }
    return Errno(s);
  }
  node->record_key = key;
  kvbos::Status s = engine_->Get(key, &node->record);
  if (s.ok() || !s.IsNotFound()) return Errno(s);
  node->record_key = DirKey(key);
  s = engine_->Get(node->record_key, &node->record);
  return s.IsNotFound() ? -ENOENT : Errno(s);
}

int Filesystem::LookupDir(const std::string& key, Node* node) {
  if (!key.empty()) {  // a directory's key is tried first: only directories are stored as "k/"
    node->key = key;
    node->record_key = DirKey(key);
    kvbos::Status s = engine_->Get(node->record_key, &node->record);
    if (s.ok() || !s.IsNotFound()) return Errno(s);
  }
  if (int err = Lookup(key, node); err != 0) return err;
  return node->is_dir() ? 0 : -ENOTDIR;
}

int Filesystem::PrepareNew(std::string_view path, std::string* key, Node* parent) {
  if (int err = CheckPath(path); err != 0) return err;
  *key = KeyOfPath(path);
  if (key->empty()) return -EEXIST;
  if (int err = LookupDir(ParentKey(*key), parent); err != 0) return err;
  Node existing;
  int err = LookupChild(*key, &existing);  // the parent is a directory: no ancestor walk
  if (err == 0) return -EEXIST;
  return err == -ENOENT ? 0 : err;
}

int Filesystem::PutWithParent(const std::string& key, const kvbos::Record& record, Node* parent,
                              kvbos::WriteBatch* batch) {
  batch->PutRecord(key, record);
  parent->record.attrs.mtime_ns = parent->record.attrs.ctime_ns = NowNs();
  batch->PutRecord(parent->record_key, parent->record);
  return Errno(engine_->Apply(*batch));
}

int Filesystem::HasChildren(const std::string& dir_key, bool* has) {
  auto it = engine_->NewIterator();
  it->Seek(dir_key);
  while (it->Valid() && it->record().key == dir_key) it->Next();  // the directory itself
  if (dir_key.empty()) {
    while (it->Valid() && IsInternalKey(it->record().key)) it->Seek("\x01");
  }
  *has = it->Valid() && HasPrefix(it->record().key, dir_key);
  return Errno(it->status());
}

// Attributes ----------------------------------------------------------------

int Filesystem::GetAttr(std::string_view path, FileHandle* fh, struct stat* st) {
  if (fh != nullptr ? !fh->file : IsStatsPath(path)) {
    StatsFileAttrs(st);
    return 0;
  }
  std::shared_ptr<OpenFile> file;
  std::string key;
  if (fh != nullptr) {
    file = fh->file;
  } else {
    if (int err = CheckPath(path); err != 0) return err;
    key = KeyOfPath(path);
    file = open_files_.Find(key);
  }
  if (file) {
    std::shared_lock lock(file->mu);
    FillStat(file->attrs, st);
    return 0;
  }
  Node node;
  if (int err = Lookup(key, &node); err != 0) return err;
  FillStat(node.record.attrs, st);
  return 0;
}

int Filesystem::ChangeAttrs(std::string_view path, FileHandle* fh,
                            const std::function<int(kvbos::Attributes*)>& change) {
  std::string key;
  if (fh != nullptr && !fh->file) return -EPERM;  // the statistics file
  if (fh == nullptr) {
    if (int err = CheckPath(path); err != 0) return err;
    key = KeyOfPath(path);
  }
  if (engine_->read_only()) return -EROFS;
  std::unique_lock ns(ns_mu_);
  std::shared_ptr<OpenFile> file = fh != nullptr ? fh->file : open_files_.Find(key);
  if (file) {
    std::unique_lock lock(file->mu);
    if (int err = change(&file->attrs); err != 0) return err;
    file->dirty = true;
    return WriteBackLocked(*file);
  }
  Node node;
  if (int err = Lookup(key, &node); err != 0) return err;
  if (int err = change(&node.record.attrs); err != 0) return err;
  kvbos::WriteBatch batch;
  batch.PutRecord(node.record_key, node.record);
  return Errno(engine_->Apply(batch));
}

int Filesystem::Chmod(std::string_view path, FileHandle* fh, mode_t mode) {
  return ChangeAttrs(path, fh, [mode](kvbos::Attributes* a) {
    a->mode = (a->mode & S_IFMT) | (mode & 07777);
    a->ctime_ns = NowNs();
    return 0;
  });
}

int Filesystem::Chown(std::string_view path, FileHandle* fh, uid_t uid, gid_t gid) {
  return ChangeAttrs(path, fh, [uid, gid](kvbos::Attributes* a) {
    if (uid != static_cast<uid_t>(-1)) a->uid = uid;
    if (gid != static_cast<gid_t>(-1)) a->gid = gid;
    a->ctime_ns = NowNs();
    return 0;
  });
}

int Filesystem::Utimens(std::string_view path, FileHandle* fh, const struct timespec times[2]) {
  return ChangeAttrs(path, fh, [times](kvbos::Attributes* a) {
    const int64_t now = NowNs();
    auto pick = [now, times](int i, int64_t* field) {
      if (times == nullptr || times[i].tv_nsec == UTIME_NOW) {
        *field = now;
      } else if (times[i].tv_nsec != UTIME_OMIT) {
        *field = TimespecToNs(times[i]);
      }
    };
    pick(0, &a->atime_ns);
    pick(1, &a->mtime_ns);
    a->ctime_ns = now;
    return 0;
  });
}

int Filesystem::StatFs(struct statvfs* st) {
  constexpr uint64_t kBlock = 4096;
  const kvbos::EngineStats stats = engine_->Stats();
  const uint64_t used = std::min(stats.used, stats.capacity);
  *st = {};
  st->f_bsize = kBlock;
  st->f_frsize = kBlock;
  st->f_blocks = stats.capacity / kBlock;
  st->f_bfree = (stats.capacity - used) / kBlock;
  st->f_bavail = st->f_bfree;
  st->f_files = st->f_blocks;  // no inode table: one name per free block is a fair guess
  st->f_ffree = st->f_bfree;
  st->f_favail = st->f_bfree;
  st->f_namemax = kMaxNameLength;
  if (engine_->read_only()) st->f_flag |= ST_RDONLY;
  return 0;
}

// Directories ---------------------------------------------------------------

int Filesystem::OpenDir(std::string_view path, std::unique_ptr<DirCursor>* out) {
  if (int err = CheckPath(path); err != 0) return err;
  Node dir;
  if (int err = LookupDir(KeyOfPath(path), &dir); err != 0) return err;
  *out = std::make_unique<DirCursor>(engine_->NewIterator(), dir.record_key);
  return 0;
}

int Filesystem::ReadDir(std::string_view path,
                        const std::function<bool(std::string_view, mode_t)>& emit) {
  std::unique_ptr<DirCursor> cursor;
  if (int err = OpenDir(path, &cursor); err != 0) return err;
  for (; cursor->Valid(); cursor->Next()) {
    if (!emit(cursor->name(), cursor->type())) return 0;
  }
  return cursor->status();
}

int Filesystem::MkDir(std::string_view path, mode_t mode, const Caller& caller) {
  std::unique_lock ns(ns_mu_);
  std::string key;
  Node parent;
  if (int err = PrepareNew(path, &key, &parent); err != 0) return err;
  kvbos::Record record;
  record.attrs = NewAttrs(S_IFDIR | (mode & 07777), 0, caller, parent.record.attrs);
  kvbos::WriteBatch batch;
  return PutWithParent(DirKey(key), record, &parent, &batch);
}

int Filesystem::RmDir(std::string_view path) {
  if (int err = CheckPath(path); err != 0) return err;
  const std::string key = KeyOfPath(path);
  if (key.empty()) return -EBUSY;
  std::unique_lock ns(ns_mu_);
  Node node;
  if (int err = LookupDir(key, &node); err != 0) return err;
  bool has_children = false;
  if (int err = HasChildren(node.record_key, &has_children); err != 0) return err;
  if (has_children) return -ENOTEMPTY;
  Node parent;
  if (int err = LookupDir(ParentKey(key), &parent); err != 0) return err;
  kvbos::WriteBatch batch;
  batch.Delete(node.record_key);
  kvbos::Status s = engine_->Scan(XattrPrefix(node.record_key), [&](const kvbos::Record& r) {
    batch.Delete(r.key);
    return true;
  });
  if (!s.ok()) return Errno(s);
  parent.record.attrs.mtime_ns = parent.record.attrs.ctime_ns = NowNs();
  batch.PutRecord(parent.record_key, parent.record);
  return Errno(engine_->Apply(batch));
}

// Names ---------------------------------------------------------------------

int Filesystem::MkNod(std::string_view path, mode_t mode, dev_t rdev, const Caller& caller) {
  if (S_ISDIR(mode)) return -EINVAL;
  if ((mode & S_IFMT) == 0) mode |= S_IFREG;
  std::unique_lock ns(ns_mu_);
  std::string key;
  Node parent;
  if (int err = PrepareNew(path, &key, &parent); err != 0) return err;
  kvbos::Record record;
  record.attrs = NewAttrs(mode, S_ISCHR(mode) || S_ISBLK(mode) ? rdev : 0, caller, parent.record.attrs);
  kvbos::WriteBatch batch;
  return PutWithParent(key, record, &parent, &batch);
}

int Filesystem::Symlink(std::string_view target, std::string_view path, const Caller& caller) {
  if (target.empty()) return -ENOENT;
  if (target.size() >= 4096) return -ENAMETOOLONG;
  std::unique_lock ns(ns_mu_);
  std::string key;
  Node parent;
  if (int err = PrepareNew(path, &key, &parent); err != 0) return err;
  std::vector<kvbos::Extent> extents;
  kvbos::Status s = engine_->AppendValue(target, 0, &extents);
  if (!s.ok()) return Errno(s);
  kvbos::Attributes attrs = NewAttrs(S_IFLNK | 0777, 0, caller, parent.record.attrs);
  attrs.size = target.size();
  kvbos::Record record;
  kvbos::ExtentList list(std::move(extents));
  s = engine_->MakeContentRecord(&list, attrs, &record);
  if (!s.ok()) return Errno(s);
  kvbos::WriteBatch batch;
  return PutWithParent(key, record, &parent, &batch);
}

int Filesystem::ReadLink(std::string_view path, std::string* target) {
  if (int err = CheckPath(path); err != 0) return err;
  Node node;
  if (int err = Lookup(KeyOfPath(path), &node); err != 0) return err;
  if (!S_ISLNK(node.record.attrs.mode)) return -EINVAL;
  kvbos::ExtentList extents;
  kvbos::Status s = engine_->LoadExtents(node.record, &extents);
  if (!s.ok()) return Errno(s);
  target->assign(node.record.attrs.size, '\0');
  return Errno(engine_->ReadContent(extents, 0, target->size(), target->data()));
}

int Filesystem::UnlinkLocked(const std::string& key) {
  Node node;
  if (int err = Lookup(key, &node); err != 0) return err;
  if (node.is_dir()) return -EISDIR;
  Node parent;
  if (int err = LookupDir(ParentKey(key), &parent); err != 0) return err;
  kvbos::WriteBatch batch;
  batch.Delete(node.record_key);
  kvbos::Status s = engine_->Scan(XattrPrefix(node.record_key), [&](const kvbos::Record& r) {
    batch.Delete(r.key);
    return true;
  });
  if (!s.ok()) return Errno(s);
  parent.record.attrs.mtime_ns = parent.record.attrs.ctime_ns = NowNs();
  batch.PutRecord(parent.record_key, parent.record);
  return Errno(engine_->Apply(batch));
}

int Filesystem::Unlink(std::string_view path) {
  if (int err = CheckPath(path); err != 0) return err;
  const std::string key = KeyOfPath(path);
  if (key.empty()) return -EISDIR;
  std::unique_lock ns(ns_mu_);
  int err = UnlinkLocked(key);
  if (err == -ENOENT) {  // perhaps a hidden name of an unlinked open file
    if (auto file = open_files_.Find(key)) {
      std::shared_lock lock(file->mu);
      if (file->unlinked) err = 0;
    }
  }
  if (err == 0) open_files_.Detach(key);
  return err;
}

int Filesystem::HideOpenFile(std::string_view path, std::string_view hidden_path) {
  if (int err = CheckPath(path); err != 0) return err;
  if (int err = CheckPath(hidden_path); err != 0) return err;
  const std::string key = KeyOfPath(path), hidden_key = KeyOfPath(hidden_path);
  {
    std::unique_lock ns(ns_mu_);
    if (open_files_.Find(key)) {
      if (int err = UnlinkLocked(key); err != 0) return err;
      open_files_.Orphan(key, hidden_key);
      return 0;
    }
  }
  return Rename(path, hidden_path, 0);
}

int Filesystem::Link(std::string_view, std::string_view) { return -EPERM; }

}  // namespace kvbosfs
