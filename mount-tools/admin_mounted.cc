#include "mount-tools/admin_mounted.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "fuse/stats_json.h"

namespace kvbos {
namespace {

int Fail(const std::string& what, const std::string& problem) {
  std::cerr << "kvbos: " << what << ": " << problem << "\n";
  return 1;
}

std::string StatsPath(const std::string& dir) { return dir + "/" + kvbosfs::kStatsFileName; }

// Reads and parses the statistics file; on failure prints one line.
bool ReadStats(const std::string& dir, nlohmann::json* out) {
  std::ifstream in(StatsPath(dir));
  if (!in) {
    Fail(dir, errno == ENOENT ? "not a mounted kvbos file system (no " + std::string(kvbosfs::kStatsFileName) + ")"
                              : std::strerror(errno));
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  *out = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    Fail(StatsPath(dir), "does not hold kvbos statistics");
    return false;
  }
  return true;
}

// Text for people: every counter; with `previous` (seconds apart), rates too.
void PrintStats(const nlohmann::json& now, const nlohmann::json* previous, double seconds) {
  for (const auto& [section, values] : now.items()) {
    if (!values.is_object()) {
      std::cout << section << ": " << values.dump() << "\n";
      continue;
    }
    std::cout << section << ":\n";
    for (const auto& [name, value] : values.items()) {
      std::cout << "  " << name << std::string(name.size() < 24 ? 24 - name.size() : 1, ' ')
                << value.dump();
      if (previous != nullptr && value.is_number_unsigned() && previous->contains(section) &&
          (*previous)[section].contains(name) && seconds > 0) {
        const double delta = value.get<double>() - (*previous)[section][name].get<double>();
        if (delta > 0) std::cout << "  (" << static_cast<uint64_t>(delta / seconds) << "/s)";
      }
      std::cout << "\n";
    }
  }
}

}  // namespace

int MountStat(const std::string& dir, const OutputFormat& format, double watch_seconds) {
  nlohmann::json now;
  if (!ReadStats(dir, &now)) return 1;
  if (watch_seconds <= 0) {
    if (format.json) {
      std::cout << now.dump(2) << "\n";
    } else {
      PrintStats(now, nullptr, 0);
    }
    return 0;
  }
  for (;;) {
    std::this_thread::sleep_for(std::chrono::duration<double>(watch_seconds));
    nlohmann::json next;
    if (!ReadStats(dir, &next)) return 1;
    if (format.json) {
      std::cout << next.dump() << "\n" << std::flush;  // one document per line
    } else {
      std::cout << "\033[H\033[2J" << "kvbos stat " << dir << " (every " << watch_seconds
                << " s; Ctrl-C to stop)\n\n";
      PrintStats(next, &now, watch_seconds);
      std::cout << std::flush;
    }
    now = std::move(next);
  }
}

int MountSync(const std::string& dir) {
  const std::string path = StatsPath(dir);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(dir, errno == ENOENT ? "not a mounted kvbos file system (no " + std::string(kvbosfs::kStatsFileName) + ")"
                                     : std::strerror(errno));
  }
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) {
    return Fail(dir, std::string("sync to the object store failed: ") + std::strerror(err) +
                         " (the daemon's log says why)");
  }
  return 0;
}

}  // namespace kvbos
