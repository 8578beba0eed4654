// One small handler per FUSE operation: unpack libfuse's arguments, call
// Filesystem, return its result.
//
// The mount runs with nullpath_ok (libfuse passes no path to operations on an
// open handle), so those operations work through fi->fh, which points at an
// OpenHandle: a file's FileHandle, or a directory's path (from opendir).
#include "fuse/operations.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
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
  fi->fh = reinterpret_cast<uint64_t>(new OpenHandle{fh, std::string()});
}

// Runs one operation; no exception escapes into libfuse.
template <typename Fn>
int Guard(const char* op, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", op, e.what());
  } catch (...) {
    spdlog::error("{}: unknown exception", op);
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
  cfg->entry_timeout = 1.0;
  cfg->attr_timeout = 1.0;
  MountContext* ctx = Context();
  ctx->init_error = Guard("init", [ctx] { return ctx->fs->Init(ctx->owner); });
  if (ctx->init_error != 0) {
    spdlog::error("cannot initialise the file system: {}", std::strerror(-ctx->init_error));
  }
  return ctx;
}

void OpDestroy(void* data) {
  auto* ctx = static_cast<MountContext*>(data);
  ctx->shutdown_error = Guard("destroy", [ctx] { return ctx->fs->Shutdown(); });
}

int OpGetattr(const char* path, struct stat* st, fuse_file_info* fi) {
  return Guard("getattr", [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->GetAttr(path != nullptr ? path : "", fh, st);
  });
}

int OpReadlink(const char* path, char* buf, size_t size) {
  return Guard("readlink", [&] {
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
  return Guard("mknod", [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->MkNod(path, mode, rdev, CallerOf());
  });
}

int OpMkdir(const char* path, mode_t mode) {
  return Guard("mkdir", [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->MkDir(path, mode, CallerOf());
  });
}

int OpUnlink(const char* path) {
  return Guard("unlink", [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->Unlink(path);
  });
}

int OpRmdir(const char* path) {
  return Guard("rmdir", [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->RmDir(path);
  });
}

int OpSymlink(const char* target, const char* path) {
  return Guard("symlink", [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->Symlink(target, path, CallerOf());
  });
}

int OpRename(const char* from, const char* to, unsigned int flags) {
  return Guard("rename", [&] {
    KVBOS_NEED_PATH(from);
    KVBOS_NEED_PATH(to);
    if (flags == 0 && IsHiddenName(to)) return Fs()->HideOpenFile(from, to);
    return Fs()->Rename(from, to, flags);
  });
}

int OpLink(const char* from, const char* to) {
  return Guard("link", [&] {
    KVBOS_NEED_PATH(from);
    KVBOS_NEED_PATH(to);
    return Fs()->Link(from, to);
  });
}

int OpChmod(const char* path, mode_t mode, fuse_file_info* fi) {
  return Guard("chmod", [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Chmod(path != nullptr ? path : "", fh, mode);
  });
}

int OpChown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  return Guard("chown", [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Chown(path != nullptr ? path : "", fh, uid, gid);
  });
}

int OpTruncate(const char* path, off_t size, fuse_file_info* fi) {
  return Guard("truncate", [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Truncate(path != nullptr ? path : "", fh, size);
  });
}

int OpUtimens(const char* path, const struct timespec tv[2], fuse_file_info* fi) {
  return Guard("utimens", [&] {
    FileHandle* fh = HandleOf(fi);
    path = PathOf(path, fi);
    if (fh == nullptr) KVBOS_NEED_PATH(path);
    return Fs()->Utimens(path != nullptr ? path : "", fh, tv);
  });
}

int OpOpen(const char* path, fuse_file_info* fi) {
  return Guard("open", [&] {
    KVBOS_NEED_PATH(path);
    FileHandle* fh = nullptr;
    if (int err = Fs()->Open(path, fi->flags, &fh); err != 0) return err;
    SetFileHandle(fi, fh);
    return 0;
  });
}

int OpCreate(const char* path, mode_t mode, fuse_file_info* fi) {
  return Guard("create", [&] {
    KVBOS_NEED_PATH(path);
    FileHandle* fh = nullptr;
    if (int err = Fs()->Create(path, mode, fi->flags, CallerOf(), &fh); err != 0) return err;
    SetFileHandle(fi, fh);
    return 0;
  });
}

int OpRead(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  return Guard("read", [&] { return Fs()->Read(HandleOf(fi), buf, size, offset); });
}

int OpWrite(const char*, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  return Guard("write", [&] { return Fs()->Write(HandleOf(fi), buf, size, offset); });
}

int OpStatfs(const char*, struct statvfs* st) {
  return Guard("statfs", [&] { return Fs()->StatFs(st); });
}

int OpFlush(const char*, fuse_file_info* fi) {
  return Guard("flush", [&] { return Fs()->Flush(HandleOf(fi)); });
}

int OpRelease(const char*, fuse_file_info* fi) {
  return Guard("release", [&] {
    std::unique_ptr<OpenHandle> handle(OpenHandleOf(fi));
    return Fs()->Release(handle->file);
  });
}

int OpFsync(const char*, int, fuse_file_info* fi) {
  return Guard("fsync", [&] { return Fs()->Fsync(HandleOf(fi)); });
}

int OpFsyncdir(const char*, int, fuse_file_info*) {
  return Guard("fsyncdir", [&] { return Fs()->Sync(); });
}

int OpSetxattr(const char* path, const char* name, const char* value, size_t size, int flags) {
  return Guard("setxattr", [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->SetXattr(path, name, std::string_view(value, size), flags);
  });
}

int OpGetxattr(const char* path, const char* name, char* value, size_t size) {
  return Guard("getxattr", [&] {
    KVBOS_NEED_PATH(path);
    std::string data;
    if (int err = Fs()->GetXattr(path, name, &data); err != 0) return err;
    return CopyOut(data, value, size);
  });
}

int OpListxattr(const char* path, char* list, size_t size) {
  return Guard("listxattr", [&] {
    KVBOS_NEED_PATH(path);
    std::string names;
    if (int err = Fs()->ListXattr(path, &names); err != 0) return err;
    return CopyOut(names, list, size);
  });
}

int OpRemovexattr(const char* path, const char* name) {
  return Guard("removexattr", [&] {
    KVBOS_NEED_PATH(path);
    return Fs()->RemoveXattr(path, name);
  });
}

int OpOpendir(const char* path, fuse_file_info* fi) {
  return Guard("opendir", [&] {
    KVBOS_NEED_PATH(path);
    struct stat st;
    if (int err = Fs()->GetAttr(path, nullptr, &st); err != 0) return err;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    fi->fh = reinterpret_cast<uint64_t>(new OpenHandle{nullptr, path});
    return 0;
  });
}

int OpReleasedir(const char*, fuse_file_info* fi) {
  return Guard("releasedir", [&] {
    delete OpenHandleOf(fi);
    return 0;
  });
}

int OpReaddir(const char* path, void* buf, fuse_fill_dir_t filler, off_t, fuse_file_info* fi,
              fuse_readdir_flags) {
  return Guard("readdir", [&] {
    path = PathOf(path, fi);
    KVBOS_NEED_PATH(path);
    return Fs()->ReadDir(path, [&](std::string_view name, mode_t type) {
      struct stat st;
      std::memset(&st, 0, sizeof st);
      st.st_mode = type;
      return filler(buf, std::string(name).c_str(), &st, 0, static_cast<fuse_fill_dir_flags>(0)) == 0;
    });
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
