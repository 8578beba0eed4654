#include "s3/dir_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace kvbos {
namespace {

// The Status for an OS error `err` while doing `what` on `path`.
Status ErrnoStatus(const char* what, const std::string& path, int err) {
  std::string msg = std::string(what) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return Status::NotFound(msg);
    case EACCES:
    case EPERM:
    case ENAMETOOLONG:
      return Status::InvalidArgument(msg);
    case EROFS:
      return Status::ReadOnly(msg);
    default:
      return Status::IOError(msg);
  }
}

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// fsyncs the directory `dir`, making its entries (new, renamed, removed) durable.
Status SyncDirectory(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync directory", dir, errno);
  return Status::Ok();
}

// Reads exactly `length` bytes at `offset` of `fd` into `out`; *got is the
// number of bytes read (less than `length` only at the end of the file).
Status ReadFully(int fd, const std::string& path, uint64_t offset, uint64_t length, char* out,
                 uint64_t* got) {
  *got = 0;
  while (*got < length) {
    ssize_t n = ::pread(fd, out + *got, length - *got, static_cast<off_t>(offset + *got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) break;
    *got += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status DirStore::Open(const std::string& directory, std::unique_ptr<DirStore>* store) {
  if (directory.empty() || directory[0] != '/') {
    return Status::InvalidArgument("object store directory must be an absolute path: " + directory);
  }
  struct stat st;
  if (::stat(directory.c_str(), &st) != 0) {
    return Status::InvalidArgument("object store directory " + directory + ": " +
                                   std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("object store " + directory + " is not a directory");
  }
  std::string root = directory;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  store->reset(new DirStore(root == "/" ? "" : root));
  return Status::Ok();
}

Status DirStore::PathOf(std::string_view name, std::string* path) const {
  if (name.empty() || name.front() == '/' || name.back() == '/') {
    return Status::InvalidArgument("malformed object name: " + std::string(name));
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == ".." || part.find('\0') != part.npos) {
      return Status::InvalidArgument("malformed object name: " + std::string(name));
    }
    start = end + 1;
  }
  *path = root_ + "/" + std::string(name);
  return Status::Ok();
}

Status DirStore::MakeParents(const std::string& path) const {
  // Walk down from the root; names are already validated, so every component
  // between root_ and the last '/' is a directory to have.
  size_t pos = root_.size() + 1;
  while (true) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) return Status::Ok();
    std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      KVBOS_RETURN_IF_ERROR(SyncDirectory(ParentOf(dir)));
    } else if (errno != EEXIST) {
      return ErrnoStatus("mkdir", dir, errno);
    }
    pos = slash + 1;
  }
}

Status DirStore::Put(std::string_view name, std::string_view bytes) {
  std::string path;
  KVBOS_RETURN_IF_ERROR(PathOf(name, &path));
  KVBOS_RETURN_IF_ERROR(MakeParents(path));
  const std::string dir = ParentOf(path);
  // A dot-name that no object can have ("." components are refused).
  std::string tmp = dir + "/.kvbos-put-XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("create temporary file in", dir, errno);
  Status s;
  size_t done = 0;
  while (s.ok() && done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno != EINTR) s = ErrnoStatus("write", tmp, errno);
    } else {
      done += static_cast<size_t>(n);
    }
  }
  if (s.ok() && ::fchmod(fd.get(), 0644) != 0) s = ErrnoStatus("chmod", tmp, errno);
  if (s.ok() && ::fsync(fd.get()) != 0) s = ErrnoStatus("fsync", tmp, errno);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = ErrnoStatus("rename to", path, errno);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDirectory(dir);
}

Status DirStore::Get(std::string_view name, std::string* bytes) {
  std::string path;
  KVBOS_RETURN_IF_ERROR(PathOf(name, &path));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::NotFound(path + " is not an object");
  bytes->resize(static_cast<size_t>(st.st_size));
  uint64_t got = 0;
  KVBOS_RETURN_IF_ERROR(ReadFully(fd.get(), path, 0, bytes->size(), bytes->data(), &got));
  // A replaced object is a new inode (rename), so the size cannot change
  // under an open descriptor; a shorter read means the file was truncated by
  // someone else.
  if (got != bytes->size()) {
    return Status::Corruption(path + ": read " + std::to_string(got) + " of " +
                              std::to_string(bytes->size()) + " bytes");
  }
  return Status::Ok();
}

Status DirStore::GetRange(std::string_view name, uint64_t offset, uint64_t length, char* out) {
  std::string path;
  KVBOS_RETURN_IF_ERROR(PathOf(name, &path));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  uint64_t got = 0;
  KVBOS_RETURN_IF_ERROR(ReadFully(fd.get(), path, offset, length, out, &got));
  if (got != length) {
    return Status::Corruption(path + " ends before byte " + std::to_string(offset + length) +
                              " (read " + std::to_string(got) + " of " + std::to_string(length) +
                              " bytes at " + std::to_string(offset) + ")");
  }
  return Status::Ok();
}

Status DirStore::Head(std::string_view name, uint64_t* size) {
  std::string path;
  KVBOS_RETURN_IF_ERROR(PathOf(name, &path));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::NotFound(path + " is not an object");
  *size = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

Status DirStore::Delete(std::string_view name) {
  std::string path;
  KVBOS_RETURN_IF_ERROR(PathOf(name, &path));
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return ErrnoStatus("unlink", path, errno);
  }
  return SyncDirectory(ParentOf(path));
}

std::string DirStore::Describe() const { return "file:" + (root_.empty() ? "/" : root_); }

}  // namespace kvbos
