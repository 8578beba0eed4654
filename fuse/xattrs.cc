// Filesystem: extended attributes. Only the "user." namespace is stored
// (others are ENOTSUP); each attribute is its own record under
// "\0x" + object key + '\0' + name (see fuse/paths.h), so rename and unlink
// move or drop them with the object.
#include <sys/xattr.h>

#include <cerrno>

#include "fuse/filesystem.h"
#include "fuse/filesystem_internal.h"
#include "fuse/paths.h"

namespace kvbosfs {

namespace {

constexpr size_t kMaxXattrValue = 64 * 1024;  // XATTR_SIZE_MAX

// 0 for a storable name ("user." and at least one more byte).
int CheckXattrName(std::string_view name) {
  if (name.size() > 255) return -ERANGE;
  if (!HasPrefix(name, "user.")) return -ENOTSUP;
  if (name.size() == 5) return -EINVAL;
  return 0;
}

}  // namespace

int Filesystem::SetXattr(std::string_view path, std::string_view name, std::string_view value,
                         int flags) {
  if (int err = CheckPath(path); err != 0) return err;
  if (int err = CheckXattrName(name); err != 0) return err;
  if (value.size() > kMaxXattrValue) return -E2BIG;
  if (engine_->read_only()) return -EROFS;
  std::unique_lock ns(ns_mu_);
  Node node;
  if (int err = Lookup(KeyOfPath(path), &node); err != 0) return err;
  const std::string key = XattrKey(node.record_key, name);
  kvbos::Record existing;
  kvbos::Status s = engine_->Get(key, &existing);
  if (!s.ok() && !s.IsNotFound()) return Errno(s);
  if ((flags & XATTR_CREATE) && s.ok()) return -EEXIST;
  if ((flags & XATTR_REPLACE) && s.IsNotFound()) return -ENODATA;
  std::vector<kvbos::Extent> extents;
  if (int err = Errno(engine_->AppendValue(value, 0, &extents)); err != 0) return err;
  kvbos::Attributes attrs;
  attrs.size = value.size();
  kvbos::Record record;
  kvbos::ExtentList list(std::move(extents));
  if (int err = Errno(engine_->MakeContentRecord(&list, attrs, &record));
      err != 0) {
    return err;
  }
  kvbos::WriteBatch batch;
  batch.PutRecord(key, record);
  return Errno(engine_->Apply(batch));
}

int Filesystem::GetXattr(std::string_view path, std::string_view name, std::string* value) {
  if (int err = CheckPath(path); err != 0) return err;
  if (int err = CheckXattrName(name); err != 0) return err;
  Node node;
  if (int err = Lookup(KeyOfPath(path), &node); err != 0) return err;
  kvbos::Record record;
  kvbos::Status s = engine_->Get(XattrKey(node.record_key, name), &record);
  if (s.IsNotFound()) return -ENODATA;
  if (!s.ok()) return Errno(s);
  kvbos::ExtentList extents;
  if (int err = Errno(engine_->LoadExtents(record, &extents)); err != 0) return err;
  value->assign(record.attrs.size, '\0');
  return Errno(engine_->ReadContent(extents, 0, value->size(), value->data()));
}

int Filesystem::ListXattr(std::string_view path, std::string* names) {
  if (int err = CheckPath(path); err != 0) return err;
  Node node;
  if (int err = Lookup(KeyOfPath(path), &node); err != 0) return err;
  const std::string prefix = XattrPrefix(node.record_key);
  names->clear();
  return Errno(engine_->Scan(prefix, [&](const kvbos::Record& r) {
    names->append(r.key, prefix.size());
    names->push_back('\0');
    return true;
  }));
}

int Filesystem::RemoveXattr(std::string_view path, std::string_view name) {
  if (int err = CheckPath(path); err != 0) return err;
  if (int err = CheckXattrName(name); err != 0) return err;
  if (engine_->read_only()) return -EROFS;
  std::unique_lock ns(ns_mu_);
  Node node;
  if (int err = Lookup(KeyOfPath(path), &node); err != 0) return err;
  const std::string key = XattrKey(node.record_key, name);
  kvbos::Record existing;
  kvbos::Status s = engine_->Get(key, &existing);
  if (s.IsNotFound()) return -ENODATA;
  if (!s.ok()) return Errno(s);
  return Errno(engine_->Delete(key));
}

}  // namespace kvbosfs
