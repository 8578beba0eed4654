#include "core/pool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "core/checksum.h"

namespace kvbos {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }
std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

template <typename T>
uint64_t ChecksumOf(const T& s) {
  return Checksum64(&s, offsetof(T, checksum));
}

Status PwriteAll(int fd, const void* data, size_t size, uint64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Errno("write"));
    }
    p += n, size -= static_cast<size_t>(n), offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status PreadAll(int fd, void* data, size_t size, uint64_t offset) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno("read"));
    if (n == 0) return Status::Corruption("not a kvbos pool (file too short)");
    p += n, size -= static_cast<size_t>(n), offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// Validates a superblock read from a file of `file_size` bytes.
Status CheckSuperblock(const Superblock& sb, uint64_t file_size) {
  if (std::memcmp(sb.magic, kPoolMagic, sizeof kPoolMagic) != 0) {
    return Status::Corruption("not a kvbos pool (no kvbos magic at offset 0)");
  }
  if (sb.format_version != kPoolFormatVersion) {
    return Status::VersionMismatch("pool has format version " + std::to_string(sb.format_version) +
                                   ", this kvbos reads version " +
                                   std::to_string(kPoolFormatVersion));
  }
  if (sb.checksum != ChecksumOf(sb)) return Status::Corruption("superblock checksum mismatch");
  if (sb.pool_size != file_size) {
    return Status::Corruption("pool size in superblock (" + std::to_string(sb.pool_size) +
                              ") differs from the file size (" + std::to_string(file_size) + ")");
  }
  if (!IsPowerOfTwo(sb.key_block_size) || !IsPowerOfTwo(sb.value_block_size) ||
      sb.value_block_size < sb.key_block_size ||
      sb.frames_offset + sb.frame_count * sb.key_block_size > sb.pool_size ||
      sb.frame_table_offset + sb.frame_count * sizeof(FrameEntry) > sb.frames_offset) {
    return Status::Corruption("superblock geometry is inconsistent");
  }
  return Status::Ok();
}

}  // namespace

Pool::~Pool() {
  if (map_ != nullptr) pmem2_map_delete(&map_);
  if (source_ != nullptr) pmem2_source_delete(&source_);
  if (config_ != nullptr) pmem2_config_delete(&config_);
  if (fd_ >= 0) close(fd_);  // releases the flock
}

uint64_t MinimumPoolSize(uint32_t value_block_size, uint32_t key_block_size) {
  const uint64_t frames = value_block_size / key_block_size + 2;
  return AlignUp(kFrameTableOffset + frames * sizeof(FrameEntry), kPage) + frames * key_block_size;
}

Status Pool::Create(const std::string& path, const CreateOptions& options) {
  const uint64_t kbs = options.key_block_size, vbs = options.value_block_size;
  if (!IsPowerOfTwo(kbs) || !IsPowerOfTwo(vbs) || kbs < (64u << 10) || vbs < kbs ||
      vbs < (1u << 20)) {
    return Status::InvalidArgument(
        "block sizes must be powers of two, key block >= 64 KiB, value block >= 1 MiB and >= key block");
  }
  // Frames must hold at least one value block and two key blocks.
  uint64_t frame_count = options.pool_size > kFrameTableOffset
                             ? (options.pool_size - kFrameTableOffset) / (kbs + sizeof(FrameEntry))
                             : 0;
  uint64_t frames_offset = 0;
  while (frame_count > 0) {
    frames_offset = AlignUp(kFrameTableOffset + frame_count * sizeof(FrameEntry), kPage);
    if (frames_offset + frame_count * kbs <= options.pool_size) break;
    frame_count--;
  }
  if (frame_count * kbs < vbs + 2 * kbs) {
    return Status::InvalidArgument("pool size " + std::to_string(options.pool_size) +
                                   " is too small for one value block and two key blocks");
  }

  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::InvalidArgument(path + " already exists");
    return Status::IOError(Errno(path));
  }
  auto fail = [&](Status s) {
    close(fd);
    unlink(path.c_str());
    return s;
  };
  // Allocate every page now so that first-touch faults stay off the write path.
  int rc = posix_fallocate(fd, 0, static_cast<off_t>(options.pool_size));
  if (rc != 0) {
    if (rc == EOPNOTSUPP || rc == EINVAL) {
      if (ftruncate(fd, static_cast<off_t>(options.pool_size)) != 0) return fail(Status::IOError(Errno("ftruncate")));
    } else {
      errno = rc;
      return fail(Status::IOError(Errno("allocate " + path)));
    }
  }

  Superblock sb{};
  std::memcpy(sb.magic, kPoolMagic, sizeof kPoolMagic);
  sb.format_version = kPoolFormatVersion;
  sb.superblock_size = sizeof(Superblock);
  std::random_device rd;
  for (auto& b : sb.uuid) b = static_cast<uint8_t>(rd());
  sb.uuid[6] = static_cast<uint8_t>((sb.uuid[6] & 0x0f) | 0x40);  // RFC 4122 version 4
  sb.uuid[8] = static_cast<uint8_t>((sb.uuid[8] & 0x3f) | 0x80);
  sb.pool_size = options.pool_size;
  sb.value_block_size = options.value_block_size;
  sb.key_block_size = options.key_block_size;
  sb.frame_table_offset = kFrameTableOffset;
  sb.frame_count = frame_count;
  sb.frames_offset = frames_offset;
  sb.created_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  sb.checksum = ChecksumOf(sb);

  // The first checkpoint: no values, the first key block open and empty
  // (its header is written by the first append).
  Checkpoint cp{};
  cp.sequence = 1;
  cp.value_top = 0;
  cp.open_key_block = 0 - kbs;
  cp.open_key_used = 0;
  cp.checksum = ChecksumOf(cp);

  // Zero the metadata area (fallocate already reads zeros; be explicit for
  // DAX devices reused as pools).
  std::string zeros(frames_offset, '\0');
  Status s = PwriteAll(fd, zeros.data(), zeros.size(), 0);
  if (s.ok()) s = PwriteAll(fd, &cp, sizeof cp, kCheckpointOffset[cp.sequence % 2]);
  // The superblock goes last: a pool without one is not a pool.
  if (s.ok() && fsync(fd) != 0) s = Status::IOError(Errno("fsync"));
  if (s.ok()) s = PwriteAll(fd, &sb, sizeof sb, kSuperblockOffset);
  if (s.ok() && fsync(fd) != 0) s = Status::IOError(Errno("fsync"));
  if (!s.ok()) return fail(s);
  close(fd);
  return Status::Ok();
}

Status Pool::Open(const std::string& path, bool read_only, std::unique_ptr<Pool>* out) {
  std::unique_ptr<Pool> pool(new Pool());
  pool->read_only_ = read_only;
  pool->fd_ = open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (pool->fd_ < 0) return Status::IOError(Errno(path));
  if (flock(pool->fd_, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Status::Busy("pool is in use by another kvbos process");
    return Status::IOError(Errno("flock"));
  }
  struct stat st;
  if (fstat(pool->fd_, &st) != 0) return Status::IOError(Errno("stat"));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) size = 0;  // devices: size comes from pmem2
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument("is a directory, not a pool");
  if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode) && size < kFrameTableOffset) {
    return Status::Corruption("not a kvbos pool (file too short)");
  }

  // Validate with plain reads before mapping anything.
  KVBOS_RETURN_IF_ERROR(PreadAll(pool->fd_, &pool->superblock_, sizeof(Superblock), kSuperblockOffset));
  if (size == 0) size = pool->superblock_.pool_size;
  KVBOS_RETURN_IF_ERROR(CheckSuperblock(pool->superblock_, size));

  if (pmem2_source_from_fd(&pool->source_, pool->fd_) != 0 ||
      pmem2_config_new(&pool->config_) != 0 ||
      pmem2_config_set_required_store_granularity(pool->config_, PMEM2_GRANULARITY_PAGE) != 0 ||
      (read_only && pmem2_config_set_protection(pool->config_, PMEM2_PROT_READ) != 0) ||
      pmem2_map_new(&pool->map_, pool->config_, pool->source_) != 0) {
    return Status::IOError(std::string("cannot map the pool: ") + pmem2_errormsg());
  }
  if (pmem2_map_get_size(pool->map_) < pool->superblock_.pool_size) {
    return Status::Corruption("the mapping is smaller than the pool size in the superblock");
  }
  pool->base_ = static_cast<char*>(pmem2_map_get_address(pool->map_));
  pool->persist_fn_ = pmem2_get_persist_fn(pool->map_);
  pool->memcpy_fn_ = pmem2_get_memcpy_fn(pool->map_);
  pool->frame_table_ =
      reinterpret_cast<FrameEntry*>(pool->base_ + pool->superblock_.frame_table_offset);

  // The newest valid checkpoint wins.
  bool found = false;
  for (uint64_t offset : kCheckpointOffset) {
    Checkpoint cp;
    std::memcpy(&cp, pool->base_ + offset, sizeof cp);
    if (cp.checksum != ChecksumOf(cp) || cp.sequence == 0) continue;
    if (!found || cp.sequence > pool->checkpoint_.sequence) pool->checkpoint_ = cp, found = true;
  }
  if (!found) return Status::Corruption("no valid checkpoint in either slot");
  *out = std::move(pool);
  return Status::Ok();
}

void Pool::WriteCheckpoint(Checkpoint cp) {
  cp.checksum = ChecksumOf(cp);
  char* slot = base_ + kCheckpointOffset[cp.sequence % 2];
  CopyNoFlush(slot, &cp, sizeof cp);
  Persist(slot, sizeof cp);
  checkpoint_ = cp;
}

void Pool::SetFrame(uint64_t index, Address block_address, FrameKind kind, FrameState state) {
  FrameEntry e{};
  e.block_address = block_address;
  e.kind = kind;
  e.state = state;
  CopyNoFlush(reinterpret_cast<char*>(&frame_table_[index]), &e, sizeof e);
  Persist(&frame_table_[index], sizeof e);
}

}  // namespace kvbos
