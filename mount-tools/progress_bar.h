// ProgressBar: one line on a terminal ("fsck [#####     ] 48%  12/25"),
// redrawn in place; nothing at all when stderr is not a terminal, so logs
// and pipes stay clean.
//
// Thread-safety: none; one owner.
#pragma once

#include <cstdint>
#include <string>

namespace kvbos {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();  // ends the line if anything was drawn
  // Redraws for `done` of `total` units (at most ~10 times a second).
  void Update(uint64_t done, uint64_t total);

 private:
  const std::string label_;
  const bool enabled_;
  bool drawn_ = false;
  int64_t last_draw_ns_ = 0;
};

}  // namespace kvbos
