#include "fuse/open_files.h"

namespace kvbosfs {

int OpenFileTable::Acquire(const std::string& key, const std::function<int(OpenFile*)>& load,
                           std::shared_ptr<OpenFile>* out) {
  std::lock_guard lock(mu_);
  auto it = files_.find(key);
  if (it == files_.end()) {
    auto file = std::make_shared<OpenFile>();
    file->key = key;
    if (int err = load(file.get()); err != 0) return err;
    it = files_.emplace(key, std::move(file)).first;
  }
  it->second->handles++;
  *out = it->second;
  return 0;
}

void OpenFileTable::Release(const std::shared_ptr<OpenFile>& file) {
  std::lock_guard lock(mu_);
  if (--file->handles > 0) return;
  auto it = files_.find(file->key);
  if (it != files_.end() && it->second == file) files_.erase(it);
}

std::shared_ptr<OpenFile> OpenFileTable::Find(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(key);
  return it == files_.end() ? nullptr : it->second;
}

void OpenFileTable::Detach(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = files_.find(key);
  if (it == files_.end()) return;
  {
    std::unique_lock file_lock(it->second->mu);
    it->second->unlinked = true;
  }
  files_.erase(it);
}

void OpenFileTable::Orphan(std::string_view key, const std::string& new_key) {
  std::lock_guard lock(mu_);
  auto it = files_.find(key);
  if (it == files_.end()) return;
  std::shared_ptr<OpenFile> file = std::move(it->second);
  files_.erase(it);
  {
    std::unique_lock file_lock(file->mu);
    file->unlinked = true;
  }
  file->key = new_key;
  files_[new_key] = std::move(file);
}

void OpenFileTable::Rekey(
    const std::function<std::optional<std::string>(const std::string&)>& new_key_of) {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<OpenFile>> moved;
  for (auto it = files_.begin(); it != files_.end();) {
    if (auto key = new_key_of(it->first)) {
      it->second->key = std::move(*key);
      moved.push_back(std::move(it->second));
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& file : moved) {
    std::string key = file->key;
    files_[key] = std::move(file);
  }
}

std::vector<std::shared_ptr<OpenFile>> OpenFileTable::All() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<OpenFile>> out;
  out.reserve(files_.size());
  for (const auto& [key, file] : files_) out.push_back(file);
  return out;
}

}  // namespace kvbosfs
