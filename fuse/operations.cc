// One small handler per FUSE operation: unpack libfuse's arguments, call
// Filesystem, return its result.
//
// The mount runs with nullpath_ok (libfuse passes no path to operations on an
// open handle), so those operations work through fi->fh, which points at an
// OpenHandle: a file's FileHandle, or a directory's path (from opendir) and
// its listing in progress.
//
// Performance choices (request counts measured with -d; bench/README.md):
//   - readdir passes offsets to the filler: libfuse then sends each reply as
//     it fills instead of first copying the whole directory into a list of
//     malloc'd entries that it walks from the start for every request. The
//     handle keeps a DirCursor, so the next request resumes without a seek.
//   - open and create ask for no FLUSH (FOPEN_NOFLUSH): close(2) costs no
//     round trip. A handle's dirty record is written at RELEASE (which the
//     kernel sends without waiting), fsync, setattr, fsyncdir and by the commit
//     thread; until then the open-file table serves every other operation, so
//     nothing observable changes except that a failed record write is
//     reported by fsync (as with delayed allocation), not by close. Every
//     close(2) saves a synchronous round trip.
#include "fuse/operations.h"

#include "fuse/op_counters.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include <spdlog/spdlog.h>

namespace kvbosfs {

namespace {

MountContext* Context() { return static_cast<MountContext*>(fuse_get_context()->private_data); }
Filesystem* Fs() { return Context()->fs; }

Caller CallerOf() {
  const fuse_context* c = fuse_get_context();
  return Caller{c->uid, c->gid};
}

// What fi->fh points at for every open file and directory.
struct OpenHandle {
  FileHandle* file = nullptr;  // files: Filesystem's handle
  std::string dir_path;        // directories: the path opendir was given
  // Directories: the listing readdir resumes (made at offset 0, remade when a
  // request asks for an offset it is not at, e.g. after seekdir). It holds an
  // engine snapshot (up to one key block's index), so it is dropped as soon as
  // the listing ends; `end` then answers the request at the end offset.
  std::mutex dir_mu;
  std::unique_ptr<DirCursor> cursor;  // GUARDED_BY(dir_mu)
  uint64_t end = 0;                   // GUARDED_BY(dir_mu): offset past the last entry, 0 if unknown
  std::string name;                   // GUARDED_BY(dir_mu): NUL-terminated copy for the filler
};

OpenHandle* OpenHandleOf(const fuse_file_info* fi) {
  return fi != nullptr ? reinterpret_cast<OpenHandle*>(fi->fh) : nullptr;
}

// The file handle of fi, or null (no fi, or a directory).
FileHandle* HandleOf(const fuse_file_info* fi) {
  OpenHandle* h = OpenHandleOf(fi);
  return h != nullptr ? h->file : nullptr;
}

// The path to act on: `path`, or for a directory handle its opendir path.
const char* PathOf(const char* path, const fuse_file_info* fi) {
  if (path != nullptr) return path;
  OpenHandle* h = OpenHandleOf(fi);
  return h != nullptr && h->file == nullptr ? h->dir_path.c_str() : nullptr;
}

// Stores a new file handle in fi->fh.
void SetFileHandle(fuse_file_info* fi, FileHandle* fh) {
  auto* h = new OpenHandle;
  h->file = fh;
  fi->fh = reinterpret_cast<uint64_t>(h);
}

// Runs one operation, counted in `op`; no exception escapes into libfuse.
template <typename Fn>
int Guard(OpCounter& op, Fn&& fn) noexcept {
  op.Add();
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", op.name(), e.what());
  } catch (...) {
    spdlog::error("{}: unknown exception", op.name());
  }
  return -EIO;
}

// libfuse passes a null path for an open file that was unlinked; those
// operations then work on the handle, and others see ENOENT.
#define KVBOS_NEED_PATH(path) \
  do {                        \
    if ((path) == nullptr) return -ENOENT; \
  } while (0)

// True for the names libfuse gives unlinked open files (".fuse_hidden%08x%08x").
bool IsHiddenName(const char* path) {
  const char* base = std::strrchr(path, '/');
  return std::strncmp(base != nullptr ? base + 1 : path, ".fuse_hidden", 12) == 0;
}

// Copies `data` to a getxattr/listxattr buffer: size 0 asks for the length.
int CopyOut(const std::string& data, char* buf, size_t size) {
  if (size == 0) return static_cast<int>(data.size());
  if (data.size() > size) return -ERANGE;
  std::memcpy(buf, data.data(), data.size());
  return static_cast<int>(data.size());
}

void* OpInit(fuse_conn_info*, fuse_config* cfg) {
  // libfuse keeps an unlinked open file reachable by renaming it to
  // ".fuse_hidden*" (OpRename turns that into Filesystem::HideOpenFile).
  cfg->hard_remove = 0;
  cfg->nullpath_ok = 1;  // operations on handles need no path
  cfg->use_ino = 0;
  // entry_timeout and attr_timeout stay as given (-o), libfuse's default 1 s otherwise.
  MountContext* ctx = Context();
  ctx->init_error = Guard(KVBOS_OP("init"), [ctx] { return ctx->fs->Init(ctx->owner); });
  if (ctx->init_error != 0) {
    spdlog::error("cannot initialise the file system: {}", std::strerror(-ctx->init_error));
  }
  return ctx;
}

void OpDestroy(void* data) {
  auto* ctx = static_cast<MountContext*>(data);
  ctx->shutdown_error = Guard(KVBOS_OP("destroy"), [ctx] { return ctx->fs->Shutdown(); });
}

int OpGetattr(const char* path, struct stat* st, fuse_file_info* fi) {
  return Guard(KVBOS_OP("getattr"), [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->GetAttr(path != nullptr ? path : "", fh, st);
  });
}

int OpReadlink(const char* path, char* buf, size_t size) {
  return Guard(KVBOS_OP("readlink"), [&] {
    KVBOS_NEED_PATH(path);
    if (size == 0) return -EINVAL;
    std::string target;
    if (int err = Fs()->ReadLink(path, &target); err != 0) return err;
    const size_t n = std::min(target.size(), size - 1);
    std::memcpy(buf, target.data(), n);
    buf[n] = '\0';
    return 0;
  });
}

int OpMknod(const char* path, mode_t mode, dev_t rdev) {
  return Guard(KVBOS_OP("mknod"), [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->MkNod(path, mode, rdev, CallerOf());
  });
}

int OpMkdir(const char* path, mode_t mode) {
  return Guard(KVBOS_OP("mkdir"), [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->MkDir(path, mode, CallerOf());
  });
}

int OpUnlink(const char* path) {
  return Guard(KVBOS_OP("unlink"), [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->Unlink(path);
  });
}

int OpRmdir(const char* path) {
  return Guard(KVBOS_OP("rmdir"), [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->RmDir(path);
  });
}

int OpSymlink(const char* target, const char* path) {
  return Guard(KVBOS_OP("symlink"), [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->Symlink(target, path, CallerOf());
  });
}

int OpRename(const char* from, const char* to, unsigned int flags) {
  return Guard(KVBOS_OP("rename"), [&] {
    KVBOS_NEED_PATH(from);
    KVBOS_NEED_PATH(to);
    if (flags == 0 && IsHiddenName(to)) return Fs()->HideOpenFile(from, to);
    return Fs()->Rename(from, to, flags);
  });
}

int OpLink(const char* from, const char* to) {
  return Guard(KVBOS_OP("link"), [&] {
    KVBOS_NEED_PATH(from);
    KVBOS_NEED_PATH(to);
    return Fs()->Link(from, to);
  });
}

int OpChmod(const char* path, mode_t mode, fuse_file_info* fi) {
  return Guard(KVBOS_OP("chmod"), [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Chmod(path != nullptr ? path : "", fh, mode);
  });
}

int OpChown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  return Guard(KVBOS_OP("chown"), [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Chown(path != nullptr ? path : "", fh, uid, gid);
  });
}

int OpTruncate(const char* path, off_t size, fuse_file_info* fi) {
  return Guard(KVBOS_OP("truncate"), [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Truncate(path != nullptr ? path : "", fh, size);
  });
}

int OpUtimens(const char* path, const struct timespec tv[2], fuse_file_info* fi) {
  return Guard(KVBOS_OP("utimens"), [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Utimens(path != nullptr ? path : "", fh, tv);
  });
}

int OpOpen(const char* path, fuse_file_info* fi) {
  return Guard(KVBOS_OP("open"), [&] {
    KVBOS_NEED_PATH(path);
    FileHandle* fh = nullptr;
    if (int err = Fs()->Open(path, fi->flags, &fh); err != 0) return err;
    SetFileHandle(fi, fh);
    fi->noflush = 1;  // see the file comment
    // The statistics file: its size is unknown to getattr; read it to EOF.
    if (!fh->file) fi->direct_io = 1;
    return 0;
  });
}

int OpCreate(const char* path, mode_t mode, fuse_file_info* fi) {
  return Guard(KVBOS_OP("create"), [&] {
    KVBOS_NEED_PATH(path);
    FileHandle* fh = nullptr;
    if (int err = Fs()->Create(path, mode, fi->flags, CallerOf(), &fh); err != 0) return err;
    SetFileHandle(fi, fh);
    fi->noflush = 1;  // see the file comment
    return 0;
  });
}

int OpRead(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  return Guard(KVBOS_OP("read"), [&] { return Fs()->Read(HandleOf(fi), buf, size, offset); });
}

int OpWrite(const char*, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  return Guard(KVBOS_OP("write"), [&] { return Fs()->Write(HandleOf(fi), buf, size, offset); });
}

int OpStatfs(const char*, struct statvfs* st) {
  return Guard(KVBOS_OP("statfs"), [&] { return Fs()->StatFs(st); });
}

int OpFlush(const char*, fuse_file_info* fi) {
  return Guard(KVBOS_OP("flush"), [&] { return Fs()->Flush(HandleOf(fi)); });
}

int OpRelease(const char*, fuse_file_info* fi) {
  return Guard(KVBOS_OP("release"), [&] {
    std::unique_ptr<OpenHandle> handle(OpenHandleOf(fi));
    return Fs()->Release(handle->file);
  });
}

int OpFsync(const char*, int, fuse_file_info* fi) {
  return Guard(KVBOS_OP("fsync"), [&] { return Fs()->Fsync(HandleOf(fi)); });
}

int OpFsyncdir(const char*, int, fuse_file_info*) {
  return Guard(KVBOS_OP("fsyncdir"), [&] { return Fs()->Sync(); });
}

int OpSetxattr(const char* path, const char* name, const char* value, size_t size, int flags) {
  return Guard(KVBOS_OP("setxattr"), [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->SetXattr(path, name, std::string_view(value, size), flags);
  });
}

int OpGetxattr(const char* path, const char* name, char* value, size_t size) {
  return Guard(KVBOS_OP("getxattr"), [&] {
    KVBOS_NEED_PATH(path);
    std::string data;
    if (int err = Fs()->GetXattr(path, name, &data); err != 0) return err;
    return CopyOut(data, value, size);
  });
}

int OpListxattr(const char* path, char* list, size_t size) {
  return Guard(KVBOS_OP("listxattr"), [&] {
    KVBOS_NEED_PATH(path);
    std::string names;
    if (int err = Fs()->ListXattr(path, &names); err != 0) return err;
    return CopyOut(names, list, size);
  });
}

int OpRemovexattr(const char* path, const char* name) {
  return Guard(KVBOS_OP("removexattr"), [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->RemoveXattr(path, name);
  });
}

int OpOpendir(const char* path, fuse_file_info* fi) {
  return Guard(KVBOS_OP("opendir"), [&] {
    KVBOS_NEED_PATH(path);
    struct stat st;
    if (int err = Fs()->GetAttr(path, nullptr, &st); err != 0) return err;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    auto* h = new OpenHandle;
    h->dir_path = path;
    fi->fh = reinterpret_cast<uint64_t>(h);
    return 0;
  });
}

int OpReleasedir(const char*, fuse_file_info* fi) {
  return Guard(KVBOS_OP("releasedir"), [&] {
    delete OpenHandleOf(fi);
    return 0;
  });
}

// Entry i of a listing has offset i + 1 (the offset of the entry after it);
// a request at offset n resumes at the entry whose position() is n.
int OpReaddir(const char* path, void* buf, fuse_fill_dir_t filler, off_t offset,
              fuse_file_info* fi, fuse_readdir_flags) {
  return Guard(KVBOS_OP("readdir"), [&] {
    OpenHandle* h = OpenHandleOf(fi);
    path = PathOf(path, fi);
    KVBOS_NEED_PATH(path);
    if (h == nullptr || h->file != nullptr || offset < 0) return -EBADF;
    std::lock_guard lock(h->dir_mu);
    const auto want = static_cast<uint64_t>(offset);
    if (offset != 0 && !h->cursor && want == h->end) return 0;  // the listing has ended
    if (offset == 0 || !h->cursor || h->cursor->position() != want) {
      if (int err = Fs()->OpenDir(path, &h->cursor); err != 0) return err;
      while (h->cursor->Valid() && h->cursor->position() < want) h->cursor->Next();
    }
    struct stat st;
    std::memset(&st, 0, sizeof st);
    DirCursor& c = *h->cursor;
    for (; c.Valid(); c.Next()) {
      h->name.assign(c.name());
      st.st_mode = c.type();
      const auto next = static_cast<off_t>(c.position() + 1);
      if (filler(buf, h->name.c_str(), &st, next, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
    }
    if (int err = c.status(); err != 0) return err;
    if (!c.Valid()) {
      h->end = c.position();
      h->cursor.reset();
    }
    return 0;
  });
}

fuse_operations MakeOperations() {
  fuse_operations ops;
  std::memset(&ops, 0, sizeof ops);
  ops.getattr = OpGetattr;
  ops.readlink = OpReadlink;
  ops.mknod = OpMknod;
  ops.mkdir = OpMkdir;
  ops.unlink = OpUnlink;
  ops.rmdir = OpRmdir;
  ops.symlink = OpSymlink;
  ops.rename = OpRename;
  ops.link = OpLink;
  ops.chmod = OpChmod;
  ops.chown = OpChown;
  ops.truncate = OpTruncate;
  ops.open = OpOpen;
  ops.read = OpRead;
  ops.write = OpWrite;
  ops.statfs = OpStatfs;
  ops.flush = OpFlush;
  ops.release = OpRelease;
  ops.fsync = OpFsync;
  ops.setxattr = OpSetxattr;
  ops.getxattr = OpGetxattr;
  ops.listxattr = OpListxattr;
  ops.removexattr = OpRemovexattr;
  ops.opendir = OpOpendir;
  ops.readdir = OpReaddir;
  ops.releasedir = OpReleasedir;
  ops.fsyncdir = OpFsyncdir;
  ops.init = OpInit;
  ops.destroy = OpDestroy;
  ops.create = OpCreate;
  ops.utimens = OpUtimens;
  return ops;
}

}  // namespace

const fuse_operations& Operations() {
  static const fuse_operations ops = MakeOperations();
  return ops;
}

}  // namespace kvbosfs
