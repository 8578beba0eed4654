#include "fuse/dir_cursor.h"

#include <sys/stat.h>

#include "fuse/filesystem_internal.h"
#include "fuse/paths.h"

namespace kvbosfs {

DirCursor::DirCursor(std::unique_ptr<kvbos::Iterator> it, std::string prefix)
    : it_(std::move(it)), prefix_(std::move(prefix)) {}

void DirCursor::Next() {
  if (!valid_) return;
  position_++;
  if (!in_children_) {
    if (position_ == 1) {
      name_ = "..";
      return;
    }
    in_children_ = true;
    it_->Seek(prefix_);
  } else if (is_subdir_) {
    it_->Seek(PastSubtree(prefix_ + std::string(name_)));
  } else {
    it_->Next();
  }
  Settle();
}

void DirCursor::Settle() {
  while (it_->Valid()) {
    const std::string& key = it_->record().key;
    if (!HasPrefix(key, prefix_)) break;
    const std::string_view rest = std::string_view(key).substr(prefix_.size());
    if (rest.empty()) {  // the directory's own record
      it_->Next();
      continue;
    }
    if (IsInternalKey(rest)) {  // only under the root: xattrs and other internal keys
      it_->Seek("\x01");
      continue;
    }
    const size_t slash = rest.find('/');
    is_subdir_ = slash != std::string_view::npos;
    name_ = rest.substr(0, slash);  // "c" of "c/..." or the whole name
    type_ = is_subdir_ ? S_IFDIR : (it_->record().attrs.mode & S_IFMT);
    return;
  }
  valid_ = false;
}

int DirCursor::status() const { return in_children_ ? Errno(it_->status()) : 0; }

}  // namespace kvbosfs
