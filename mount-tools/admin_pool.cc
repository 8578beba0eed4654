#include "mount-tools/admin_pool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/fsck.h"
#include "fuse/filesystem.h"
#include "fuse/stats_json.h"
#include "mount-tools/progress_bar.h"

namespace kvbos {
namespace {

int Fail(const std::string& what, const std::string& problem) {
  std::cerr << "kvbos: " << what << ": " << problem << "\n";
  return 1;
}

// An open pool and the object store it was opened with (the engine keeps a
// pointer to the store: it is declared first so that it outlives the engine).
struct OpenedPool {
  std::unique_ptr<ObjectStore> store;
  std::unique_ptr<Engine> engine;
};

// Opens the object store `options` name (null without store=); on failure
// prints one line and returns false.
bool OpenStore(const StoreOptions& options, std::unique_ptr<ObjectStore>* store) {
  StoreConfig config;
  Status s = ParseStoreConfig(options, &config);
  if (s.ok()) s = OpenObjectStore(config, store);
  if (!s.ok()) Fail("store", s.message());
  return s.ok();
}

// Opens `target`; on failure prints one line and returns false.
bool OpenPool(const PoolTarget& target, bool read_only, OpenedPool* opened) {
  if (!OpenStore(target.store, &opened->store)) return false;
  Status s;
  OpenOptions options;
  options.read_only = read_only;
  options.store = opened->store.get();
  options.snapshot_interval_ms = 0;  // snapshots only when put/rm end (Filesystem::Shutdown)
  s = Engine::Open(target.pool, options, &opened->engine);
  if (s.ok()) return true;
  if (s.code() == Status::Code::kBusy && s.message().find("another kvbos process") != std::string::npos) {
    Fail(target.pool, "the pool is in use (mounted?): use `kvbos stat MOUNTPOINT`, or unmount it first");
  } else {
    Fail(target.pool, s.ToString());
  }
  return false;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) v /= 1024, u++;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// "a/b.txt" -> "/a/b.txt", the path the file system layer takes.
std::string PathOfKey(const std::string& key) {
  std::string k = key;
  while (!k.empty() && k.front() == '/') k.erase(0, 1);
  while (k.size() > 1 && k.back() == '/') k.pop_back();
  return "/" + k;
}

std::string FormatTime(int64_t ns) {
  const time_t t = static_cast<time_t>(ns / 1000000000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int PoolStat(const PoolTarget& target, const OutputFormat& format) {
  const std::string& pool = target.pool;
  OpenedPool opened;
  if (!OpenPool(target, /*read_only=*/true, &opened)) return 1;
  Engine* engine = opened.engine.get();
  const EngineStats stats = engine->Stats();
  uint64_t keys = 0, live_bytes = 0, unknown = 0;
  Status s = engine->Scan("", [&](const Record& r) {
    if (r.key.empty()) return true;  // the root directory
    keys++;
    ExtentList extents;
    if (engine->LoadExtents(r, &extents).ok()) {
      live_bytes += extents.StoredBytes() + (r.has_extent_list() ? r.value_size : 0);
    } else {
      unknown++;
    }
    return true;
  });
  if (!s.ok()) return Fail(pool, s.ToString());
  const uint64_t garbage = stats.value_bytes > live_bytes ? stats.value_bytes - live_bytes : 0;
  nlohmann::json out = {{"pool", pool},
                        {"keys", keys},
                        {"live_value_bytes", live_bytes},
                        {"garbage_bytes", garbage},
                        {"engine", kvbosfs::PoolStatsJson(stats)},
                        {"store", kvbosfs::StoreStatsJson(stats)}};
  if (format.json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "pool " << pool << "\n"
            << "  capacity        " << HumanBytes(stats.capacity) << ", used "
            << HumanBytes(stats.used) << " (" << (stats.capacity ? stats.used * 100 / stats.capacity : 0)
            << "%)\n"
            << "  keys            " << keys << "\n"
            << "  value bytes     " << HumanBytes(stats.value_bytes) << " appended, "
            << HumanBytes(live_bytes) << " live, " << HumanBytes(garbage) << " garbage"
            << (unknown ? " (" + std::to_string(unknown) + " values only in the object store)" : "")
            << "\n"
            << "  value blocks    " << stats.value_blocks << " of " << HumanBytes(stats.value_block_size)
            << ", " << stats.resident_value_blocks << " in the pool\n"
            << "  key blocks      " << stats.key_blocks << " of " << HumanBytes(stats.key_block_size) << "\n";
  if (stats.manifest_sequence != 0) {
    std::cout << "  object store    manifest " << stats.manifest_sequence << ", upload backlog "
              << HumanBytes(out["store"]["upload_backlog_bytes"].get<uint64_t>()) << "\n";
  }
  return 0;
}

int PoolFsck(const PoolTarget& target, bool repair, const OutputFormat& format) {
  const std::string& pool = target.pool;
  std::unique_ptr<ObjectStore> store;
  if (!OpenStore(target.store, &store)) return 8;
  FsckOptions options;
  options.repair = repair;
  options.store = store.get();
  ProgressBar bar("fsck " + pool);
  if (!format.json) options.progress = [&](uint64_t done, uint64_t total) { bar.Update(done, total); };
  FsckReport report;
  Status s = Fsck(pool, options, &report);
  if (!s.ok()) {
    if (s.code() == Status::Code::kBusy) {
      Fail(pool, "the pool is in use (mounted?): unmount it before fsck");
    } else {
      Fail(pool, s.ToString());
    }
    return 8;
  }
  const bool repaired = !report.problems.empty() && !report.damaged();
  const int status = report.damaged() ? 4 : repaired ? 1 : 0;
  if (format.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const FsckProblem& p : report.problems) {
      problems.push_back({{"where", p.where}, {"what", p.what}, {"repaired", p.repaired}});
    }
    nlohmann::json out = {{"pool", pool},
                          {"clean", report.problems.empty()},
                          {"key_blocks", report.key_blocks},
                          {"records", report.records},
                          {"live_keys", report.live_keys},
                          {"value_units_checked", report.units_checked},
                          {"value_bytes_checked", report.bytes_checked},
                          {"value_units_in_store", report.units_in_store},
                          {"problems", problems}};
    std::cout << out.dump(2) << "\n";
    return status;
  }
  for (const FsckProblem& p : report.problems) {
    std::cout << (p.repaired ? "repaired: " : "damage: ") << p.where << ": " << p.what << "\n";
  }
  std::cout << pool << ": " << report.key_blocks << " key blocks, " << report.records
            << " records, " << report.live_keys << " keys, " << report.units_checked
            << " value units (" << HumanBytes(report.bytes_checked) << ") checked";
  if (report.units_in_store) std::cout << ", " << report.units_in_store << " only in the object store";
  std::cout << ": "
            << (status == 0 ? "clean" : status == 1 ? "repaired" : "DAMAGED (see above)") << "\n";
  return status;
}

int PoolGet(const PoolTarget& target, const std::string& key) {
  OpenedPool opened;
  if (!OpenPool(target, /*read_only=*/true, &opened)) return 1;
  kvbosfs::Filesystem fs(opened.engine.get());
  kvbosfs::FileHandle* fh = nullptr;
  if (int err = fs.Open(PathOfKey(key), O_RDONLY, &fh); err != 0) return Fail(key, std::strerror(-err));
  std::string buf(1 << 20, '\0');
  int err = 0;
  for (off_t offset = 0;;) {
    const int n = fs.Read(fh, buf.data(), buf.size(), offset);
    if (n < 0) {
      err = n;
      break;
    }
    if (n == 0) break;
    if (std::fwrite(buf.data(), 1, static_cast<size_t>(n), stdout) != static_cast<size_t>(n)) {
      err = -errno;
      break;
    }
    offset += n;
  }
  fs.Release(fh);
  if (err != 0) return Fail(key, std::strerror(-err));
  return std::fflush(stdout) == 0 ? 0 : Fail("stdout", std::strerror(errno));
}

int PoolPut(const PoolTarget& target, const std::string& key, const std::string& file) {
  const std::string& pool = target.pool;
  const int in = file == "-" ? 0 : open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Fail(file, std::strerror(errno));
  OpenedPool opened;
  if (!OpenPool(target, /*read_only=*/false, &opened)) return 1;
  kvbosfs::Filesystem fs(opened.engine.get());
  const kvbosfs::Caller caller{getuid(), getgid()};
  if (int err = fs.Init(caller, /*commit_interval_ms=*/0); err != 0) return Fail(pool, std::strerror(-err));
  const std::string path = PathOfKey(key);
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const int err = fs.MkDir(path.substr(0, slash), 0755, caller);
    if (err != 0 && err != -EEXIST) return Fail(path.substr(1, slash), std::strerror(-err));
  }
  kvbosfs::FileHandle* fh = nullptr;
  if (int err = fs.Create(path, 0644, O_WRONLY | O_CREAT | O_TRUNC, caller, &fh); err != 0) {
    return Fail(key, std::strerror(-err));
  }
  std::string buf(1 << 20, '\0');
  int err = 0;
  for (off_t offset = 0;;) {
    const ssize_t n = read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = -errno;
      break;
    }
    if (n == 0) break;
    const int w = fs.Write(fh, buf.data(), static_cast<size_t>(n), offset);
    if (w < 0) {
      err = w;
      break;
    }
    offset += n;
  }
  if (in != 0) close(in);
  const int release_err = fs.Release(fh);
  const int shutdown_err = fs.Shutdown();
  if (err == 0) err = release_err != 0 ? release_err : shutdown_err;
  return err == 0 ? 0 : Fail(key, std::strerror(-err));
}

int PoolRm(const PoolTarget& target, const std::string& key) {
  OpenedPool opened;
  if (!OpenPool(target, /*read_only=*/false, &opened)) return 1;
  kvbosfs::Filesystem fs(opened.engine.get());
  const std::string path = PathOfKey(key);
  int err = fs.Unlink(path);
  if (err == -EISDIR) err = fs.RmDir(path);
  if (err == 0) err = fs.Shutdown();
  return err == 0 ? 0 : Fail(key, std::strerror(-err));
}

int PoolLs(const PoolTarget& target, const std::string& prefix, const OutputFormat& format) {
  const std::string& pool = target.pool;
  OpenedPool opened;
  if (!OpenPool(target, /*read_only=*/true, &opened)) return 1;
  Engine* engine = opened.engine.get();
  nlohmann::json list = nlohmann::json::array();
  Status s = engine->Scan(prefix, [&](const Record& r) {
    if (r.key.empty()) return true;  // the root directory
    if (format.json) {
      list.push_back({{"key", r.key},
                      {"mode", r.attrs.mode},
                      {"size", r.attrs.size},
                      {"uid", r.attrs.uid},
                      {"gid", r.attrs.gid},
                      {"mtime_ns", r.attrs.mtime_ns}});
    } else {
      std::printf("%07o %12llu %s %s\n", r.attrs.mode, static_cast<unsigned long long>(r.attrs.size),
                  FormatTime(r.attrs.mtime_ns).c_str(), r.key.c_str());
    }
    return true;
  });
  if (!s.ok()) return Fail(pool, s.ToString());
  if (format.json) std::cout << list.dump(2) << "\n";
  return 0;
}

}  // namespace kvbos
