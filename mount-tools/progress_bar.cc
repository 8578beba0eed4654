#include "mount-tools/progress_bar.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace kvbos {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), enabled_(isatty(2) == 1) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputc('\n', stderr);
}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_ || total == 0) return;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  if (done < total && now - last_draw_ns_ < 100'000'000) return;
  last_draw_ns_ = now;
  constexpr int kWidth = 30;
  const uint64_t shown = done > total ? total : done;
  const int filled = static_cast<int>(shown * kWidth / total);
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%  %llu/%llu", label_.c_str(), filled,
               "##############################", kWidth - filled, "",
               static_cast<int>(shown * 100 / total), static_cast<unsigned long long>(shown),
               static_cast<unsigned long long>(total));
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace kvbos
