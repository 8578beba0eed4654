// mkfs.kvbos: creates a kvbos pool file.
//
//   mkfs.kvbos [--size 1G] [--value-block-size 4M] [--key-block-size 512K] [--force] POOL
//
// Refuses an existing file unless --force is given, and never overwrites a
// pool that is in use (mounted: kvbosfs holds the engine's flock on it). The
// options are checked before anything is removed, so a refused --force leaves
// the old pool as it was. Prints what it made: sizes, frames, UUID.
// Errors: one line "mkfs.kvbos: <problem>; <fix>" on stderr, exit 1.
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "core/engine.h"
#include "core/pool.h"
#include "core/pool_format.h"
#include "core/size_arg.h"
#include "kvbos_version.h"
#include "mount-tools/mountinfo.h"

namespace {

constexpr const char* kProgram = "mkfs.kvbos";

int Fail(const std::string& problem) {
  std::cerr << kProgram << ": " << problem << "\n";
  return 1;
}

// Parses a size option into *out; returns false (after printing) when malformed.
bool ParseSizeOption(const std::string& option, const std::string& text, uint64_t* out) {
  auto bytes = kvbos::ParseSize(text);
  if (!bytes) {
    Fail("invalid " + option + " '" + text + "' (expected a number with an optional K, M, G or T)");
    return false;
  }
  *out = *bytes;
  return true;
}

bool IsPowerOfTwo(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

// The smallest pool that holds one value block and two key blocks with these
// block sizes (the engine's rule, checked here so that --force removes
// nothing when the new pool could not be made).
uint64_t MinimumPoolSize(uint64_t value_block, uint64_t key_block) {
  const uint64_t frames = value_block / key_block + 2;
  const uint64_t table_end = kvbos::kFrameTableOffset + frames * sizeof(kvbos::FrameEntry);
  return (table_end + 4095) / 4096 * 4096 + frames * key_block;
}

// "" when the options make a pool, else the problem.
std::string CheckGeometry(const kvbos::CreateOptions& o) {
  const uint64_t vbs = o.value_block_size, kbs = o.key_block_size;
  if (!IsPowerOfTwo(kbs) || kbs < (64u << 10)) {
    return "--key-block-size must be a power of two of at least 64K (e.g. 512K)";
  }
  if (!IsPowerOfTwo(vbs) || vbs < (1u << 20) || vbs < kbs) {
    return "--value-block-size must be a power of two of at least 1M and at least the key block "
           "size (e.g. 4M)";
  }
  if (o.pool_size < MinimumPoolSize(vbs, kbs)) {
    return "--size " + kvbos::DescribeSize(o.pool_size) + " is too small for these block sizes; "
           "give at least " + kvbos::DescribeSize(MinimumPoolSize(vbs, kbs));
  }
  return "";
}

std::string FormatUuid(const uint8_t (&u)[16]) {
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                u[15]);
  return text;
}

// Where `pool` is mounted (kvbosfs sets the mount source to the pool path), or "".
std::string MountedOn(const std::string& pool) {
  char buf[PATH_MAX];
  const std::string canonical = realpath(pool.c_str(), buf) != nullptr ? buf : pool;
  for (const auto& m : kvbos::mount::ReadMountInfo()) {
    if (m.fstype.starts_with("fuse.kvbos") && (m.source == pool || m.source == canonical)) {
      return m.target;
    }
  }
  return "";
}

// Removes the existing file at `pool` for --force, holding the engine's
// exclusive flock while it does so that a kvbosfs opening it meanwhile is
// refused. Returns "" or the problem; *lock_fd keeps the lock (close it after
// the new pool exists).
std::string RemoveForForce(const std::string& pool, const struct stat& st, int* lock_fd) {
  if (S_ISDIR(st.st_mode)) return pool + ": is a directory; give a file path for the pool";
  if (S_ISLNK(st.st_mode)) return pool + ": is a symbolic link; give the path it points to";
  if (!S_ISREG(st.st_mode)) {
    return pool + ": is not a regular file (mkfs.kvbos makes pool files); give a file path";
  }
  if (const std::string dir = MountedOn(pool); !dir.empty()) {
    return pool + ": is mounted on " + dir + "; unmount it first (umount " + dir + ")";
  }
  const int fd = open(pool.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return pool + ": " + std::strerror(errno);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return pool + ": is in use by a kvbos process (mounted?); unmount it or stop that process first";
    }
    return pool + ": cannot lock it: " + std::strerror(err);
  }
  if (unlink(pool.c_str()) != 0) {
    const int err = errno;
    close(fd);
    return pool + ": cannot remove the old pool: " + std::strerror(err);
  }
  *lock_fd = fd;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Create a kvbos pool: a file that kvbosfs mounts as a file system."};
  app.name(kProgram);
  std::string pool;
  std::string size_text = "1G";
  std::string value_block_text = "4M";
  std::string key_block_text = "512K";
  bool force = false;
  app.add_option("POOL", pool, "Path of the pool file to create")->required();
  app.add_option("-s,--size", size_text, "Pool size, with unit K, M, G or T")->capture_default_str();
  app.add_option("--value-block-size", value_block_text,
                 "Value block size (power of two, >= 1M and >= the key block size)")->capture_default_str();
  app.add_option("--key-block-size", key_block_text,
                 "Key block size (power of two, >= 64K)")->capture_default_str();
  app.add_flag("-f,--force", force,
               "Overwrite an existing file at POOL (never a pool that is mounted or in use)");
  app.set_version_flag("-V,--version", std::string(kProgram) + " " + KVBOS_VERSION);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(std::string(e.what()) + " (see --help)");
  }

  kvbos::CreateOptions options;
  uint64_t value_block = 0, key_block = 0;
  if (!ParseSizeOption("--size", size_text, &options.pool_size) ||
      !ParseSizeOption("--value-block-size", value_block_text, &value_block) ||
      !ParseSizeOption("--key-block-size", key_block_text, &key_block)) {
    return 1;
  }
  if (value_block > UINT32_MAX || key_block > UINT32_MAX) return Fail("block sizes must be below 4 GiB");
  options.value_block_size = static_cast<uint32_t>(value_block);
  options.key_block_size = static_cast<uint32_t>(key_block);
  if (std::string problem = CheckGeometry(options); !problem.empty()) return Fail(problem);

  int lock_fd = -1;
  bool overwrote = false;
  struct stat st;
  if (lstat(pool.c_str(), &st) == 0) {
    if (!force) {
      return Fail(pool + ": already exists; use --force to overwrite it, or another path");
    }
    if (std::string problem = RemoveForForce(pool, st, &lock_fd); !problem.empty()) {
      return Fail(problem);
    }
    overwrote = true;
  }

  kvbos::Status s = kvbos::Engine::Create(pool, options);
  if (lock_fd >= 0) close(lock_fd);  // the old pool is gone; its lock goes with it
  if (!s.ok()) {
    std::string problem = pool + ": " + s.ToString();
    if (s.code() == kvbos::Status::Code::kInvalidArgument && lstat(pool.c_str(), &st) == 0) {
      problem += "; use --force to overwrite it, or another path";
    }
    if (overwrote) problem += " (the old pool was removed)";
    return Fail(problem);
  }

  // Describe the pool from its superblock, as kvbosfs will see it.
  std::unique_ptr<kvbos::Pool> made;
  if (kvbos::Status o = kvbos::Pool::Open(pool, /*read_only=*/true, &made); !o.ok()) {
    return Fail(pool + ": created, but reading it back failed: " + o.ToString());
  }
  const kvbos::Superblock& sb = made->superblock();
  const uint64_t frames_bytes = sb.frame_count * sb.key_block_size;
  std::cout << kProgram << ": created kvbos pool " << pool
            << (overwrote ? " (replacing the file that was there)" : "") << "\n"
            << "  UUID:             " << FormatUuid(sb.uuid) << "\n"
            << "  pool size:        " << kvbos::DescribeSize(sb.pool_size) << "\n"
            << "  value block size: " << kvbos::DescribeSize(sb.value_block_size) << "\n"
            << "  key block size:   " << kvbos::DescribeSize(sb.key_block_size) << "\n"
            << "  frames:           " << sb.frame_count << " of " << sb.key_block_size / 1024
            << " KiB, " << kvbos::DescribeSize(frames_bytes) << " for blocks\n"
            << "  value blocks that fit at once: " << frames_bytes / sb.value_block_size << "\n";
  return 0;
}
