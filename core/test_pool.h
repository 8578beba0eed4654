// Test helper: a fresh pool path on /dev/shm (or /tmp), removed afterwards.
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

namespace kvbos::testing {

class TempPoolPath {
 public:
  TempPoolPath() {
    static std::atomic<int> counter{0};
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    path_ = std::string(dir) + "/kvbos-test-" + std::to_string(getpid()) + "-" +
            std::to_string(counter++) + ".pool";
    unlink(path_.c_str());
  }
  ~TempPoolPath() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kvbos::testing
