// kvbosfs: mounts a kvbos pool as a file system.
//
//   kvbosfs [options] POOL MOUNTPOINT
//
// Everything is checked before mounting (the pool exists and opens, the mount
// point is a directory, the object store answers), so a failed start prints
// one line "kvbosfs: <what>: <problem>", exits 1 and leaves the pool
// untouched. kvbos's own -o options (the object store: store=, endpoint=,
// credentials=, ...; cache_size=, snapshot_interval=) are taken out; the
// remaining options (-f, -d, -s, -o ro, -o allow_other, ...) go to fuse_main.
#include "fuse/operations.h"

#include "fuse/op_counters.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fuse_lowlevel.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/engine.h"
#include "core/size_arg.h"
#include "kvbos_version.h"
#include "s3/store_config.h"

namespace {

constexpr const char* kProgram = "kvbosfs";

struct Options {
  std::string pool;
  std::string mountpoint;
  bool read_only = false;
  bool help = false;
  bool version = false;
  kvbos::StoreOptions store;       // store=, endpoint=, credentials=, ...
  std::string cache_size;          // cache_size=SIZE (bytes, K/M/G)
  std::string snapshot_interval;   // snapshot_interval=SECONDS
  std::string error;  // set by the parser on a bad command line
};

// Takes kvbos's own "-o key=value" options out of the list; true if `arg` was one.
bool TakeKvbosOption(std::string_view arg, Options* opts) {
  if (kvbos::TakeStoreOption(arg, &opts->store)) return true;
  for (auto [name, value] : {std::pair{std::string_view("cache_size="), &opts->cache_size},
                             std::pair{std::string_view("snapshot_interval="), &opts->snapshot_interval}}) {
    if (arg.substr(0, name.size()) == name) {
      *value = std::string(arg.substr(name.size()));
      return true;
    }
  }
  return false;
}

enum Key { kKeyHelp, kKeyVersion, kKeyReadOnly, kKeyReadWrite, kKeyIgnored };

// Options we look at, and options that belong to mount(8), systemd or the
// kernel's generic mount flags that FUSE has no use for (fstab lines and
// mount.kvbos may hand them over; libfuse would reject them): those are
// dropped. "x-*" (x-systemd.automount, x-gvfs-show, ...) is matched in
// ProcessOption, as fuse_opt templates cannot express a prefix without '='.
// Everything else goes to libfuse untouched (noatime, sync, noexec, nosuid,
// nodev, ... are kernel flags it understands; nosymfollow is not ignored, so
// asking for it fails rather than silently following symlinks).
const fuse_opt kOptionSpecs[] = {
    FUSE_OPT_KEY("-h", kKeyHelp),          FUSE_OPT_KEY("--help", kKeyHelp),
    FUSE_OPT_KEY("-V", kKeyVersion),       FUSE_OPT_KEY("--version", kKeyVersion),
    FUSE_OPT_KEY("ro", kKeyReadOnly),      FUSE_OPT_KEY("rw", kKeyReadWrite),
    // mount(8) and systemd
    FUSE_OPT_KEY("defaults", kKeyIgnored), FUSE_OPT_KEY("auto", kKeyIgnored),
    FUSE_OPT_KEY("noauto", kKeyIgnored),   FUSE_OPT_KEY("nofail", kKeyIgnored),
    FUSE_OPT_KEY("_netdev", kKeyIgnored),  FUSE_OPT_KEY("user", kKeyIgnored),
    FUSE_OPT_KEY("user=", kKeyIgnored),    FUSE_OPT_KEY("users", kKeyIgnored),
    FUSE_OPT_KEY("nouser", kKeyIgnored),   FUSE_OPT_KEY("owner", kKeyIgnored),
    FUSE_OPT_KEY("group", kKeyIgnored),    FUSE_OPT_KEY("comment=", kKeyIgnored),
    // kernel flags without meaning for FUSE (atime policy is the daemon's)
    FUSE_OPT_KEY("relatime", kKeyIgnored), FUSE_OPT_KEY("norelatime", kKeyIgnored),
    FUSE_OPT_KEY("strictatime", kKeyIgnored), FUSE_OPT_KEY("nostrictatime", kKeyIgnored),
    FUSE_OPT_KEY("lazytime", kKeyIgnored), FUSE_OPT_KEY("nolazytime", kKeyIgnored),
    FUSE_OPT_KEY("diratime", kKeyIgnored), FUSE_OPT_KEY("nodiratime", kKeyIgnored),
    FUSE_OPT_KEY("iversion", kKeyIgnored), FUSE_OPT_KEY("noiversion", kKeyIgnored),
    FUSE_OPT_KEY("mand", kKeyIgnored),     FUSE_OPT_KEY("nomand", kKeyIgnored),
    FUSE_OPT_END};

// fuse_opt callback: returns 1 to keep `arg` for libfuse, 0 to drop it.
int ProcessOption(void* data, const char* arg, int key, fuse_args*) {
  auto* opts = static_cast<Options*>(data);
  switch (key) {
    case kKeyHelp: opts->help = true; return 0;
    case kKeyVersion: opts->version = true; return 0;
    case kKeyReadOnly: opts->read_only = true; return 1;
    case kKeyReadWrite: opts->read_only = false; return 1;
    case kKeyIgnored: return 0;
    case FUSE_OPT_KEY_NONOPT:
      if (opts->pool.empty()) {
        opts->pool = arg;
        return 0;
      }
      if (opts->mountpoint.empty()) {
        opts->mountpoint = arg;
        return 1;
      }
      if (opts->error.empty()) opts->error = std::string("unexpected argument '") + arg + "'";
      return 0;
    case FUSE_OPT_KEY_OPT:
      if (std::string_view(arg).starts_with("x-")) return 0;  // x-systemd.*, x-gvfs-*, ...
      return TakeKvbosOption(arg, opts) ? 0 : 1;
    default: return 1;
  }
}

void PrintUsage() {
  std::printf(
      "usage: %s [options] POOL MOUNTPOINT\n"
      "\n"
      "Mounts the kvbos pool POOL (made by mkfs.kvbos) on the directory MOUNTPOINT.\n"
      "Unmount with: fusermount3 -u MOUNTPOINT\n"
      "\n"
      "kvbosfs options:\n"
      "    -h   --help            print this help and exit\n"
      "    -V   --version         print version information and exit\n"
      "    -o ro                  mount read-only (the pool is opened read-only)\n"
      "    -o defaults,auto,noauto,nofail,_netdev,user,users,nouser,owner,group,\n"
      "       comment=...,x-...   fstab and systemd options: accepted and ignored\n"
      "    -o relatime,strictatime,lazytime,diratime,nodiratime,iversion,mand (and their\n"
      "       no- forms)          kernel flags without meaning here: accepted and ignored\n"
      "\n"
      "object store (without store= kvbos runs on the pool alone):\n"
      "    -o store=s3://BUCKET[/PREFIX]  snapshot to an S3 bucket (credentials from\n"
      "                           AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or credentials=)\n"
      "    -o store=file:/DIR     snapshot to a local directory\n"
      "    -o endpoint=URL        the S3 server, http://HOST:PORT or https://HOST:PORT\n"
      "    -o credentials=FILE    AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... lines\n"
      "                           (mode 0600 or 0400)\n"
      "    -o uri_style=path|virtual  S3 addressing (default path)\n"
      "    -o store_attempts=N    tries per S3 request (default 5)\n"
      "    -o store_timeout_ms=MS an S3 attempt fails after MS ms (default 10000)\n"
      "    -o snapshot_interval=S seconds between snapshots to the store (default 10)\n"
      "    -o cache_size=SIZE     memory for values read back from the store (default 64M)\n"
      "\n",
      kProgram);
}

int Fail(const std::string& what, const std::string& problem) {
  std::fprintf(stderr, "%s: %s: %s\n", kProgram, what.c_str(), problem.c_str());
  return 1;
}

// The problem part of "kvbosfs: POOL: <problem>" for a failed Engine::Open.
std::string DescribeOpenError(const kvbos::Status& s) {
  if (s.code() == kvbos::Status::Code::kCorruption &&
      s.message().rfind("not a kvbos pool", 0) == 0) {
    return s.message();
  }
  return s.ToString();
}

// Inserts "-o name=value" after argv[0], with value escaped for libfuse's
// option syntax (commas and backslashes).
void InsertValueOption(fuse_args* args, const std::string& name, const std::string& value) {
  char* opt = nullptr;
  const std::string text = name + "=" + value;
  fuse_opt_add_opt_escaped(&opt, text.c_str());
  const std::string arg = std::string("-o") + opt;
  std::free(opt);
  fuse_opt_insert_arg(args, 1, arg.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt(kProgram));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %n %l: %v");

  fuse_args args = FUSE_ARGS_INIT(argc, argv);
  Options opts;
  if (fuse_opt_parse(&args, &opts, kOptionSpecs, ProcessOption) != 0) {
    fuse_opt_free_args(&args);
    return Fail("arguments", "cannot parse the command line (see --help)");
  }
  struct ArgsGuard {
    fuse_args* a;
    ~ArgsGuard() { fuse_opt_free_args(a); }
  } args_guard{&args};

  if (opts.help) {
    PrintUsage();
    std::printf("FUSE options:\n");
    fuse_cmdline_help();
    fuse_lib_help(&args);
    return 0;
  }
  if (opts.version) {
    std::printf("%s %s\n", kProgram, KVBOS_VERSION);
    std::printf("FUSE library version %s\n", fuse_pkgversion());
    fuse_lowlevel_version();
    return 0;
  }
  if (!opts.error.empty()) return Fail("arguments", opts.error + " (see --help)");
  if (opts.pool.empty()) return Fail("arguments", "no POOL given (usage: kvbosfs [options] POOL MOUNTPOINT)");
  if (opts.mountpoint.empty()) {
    return Fail("arguments", "no MOUNTPOINT given (usage: kvbosfs [options] POOL MOUNTPOINT)");
  }

  struct stat st;
  if (stat(opts.pool.c_str(), &st) != 0) return Fail(opts.pool, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Fail(opts.pool, "is a directory, not a kvbos pool");
  if (stat(opts.mountpoint.c_str(), &st) != 0) return Fail(opts.mountpoint, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return Fail(opts.mountpoint, "mount point is not a directory");

  kvbos::OpenOptions open_options;
  open_options.read_only = opts.read_only;
  if (!opts.cache_size.empty()) {
    std::optional<uint64_t> bytes = kvbos::ParseSize(opts.cache_size);
    if (!bytes) return Fail("cache_size=" + opts.cache_size, "not a size (e.g. 64M, 1G)");
    open_options.cache_bytes = *bytes;
  }
  if (!opts.snapshot_interval.empty()) {
    char* end = nullptr;
    const double seconds = std::strtod(opts.snapshot_interval.c_str(), &end);
    if (end == opts.snapshot_interval.c_str() || *end != '\0' || !(seconds > 0) || seconds > 86400) {
      return Fail("snapshot_interval=" + opts.snapshot_interval,
                  "not a number of seconds between 0 and 86400");
    }
    open_options.snapshot_interval_ms = static_cast<uint32_t>(seconds * 1000);
  }
  kvbos::StoreConfig store_config;
  if (kvbos::Status s = kvbos::ParseStoreConfig(opts.store, &store_config); !s.ok()) {
    return Fail("options", s.message());
  }
  std::unique_ptr<kvbos::ObjectStore> store;
  if (kvbos::Status s = kvbos::OpenObjectStore(store_config, &store); !s.ok()) {
    return Fail("store", s.message());
  }
  open_options.store = store.get();
  open_options.on_background_error = [](const kvbos::Status& s) {
    spdlog::warn("snapshot to the object store failed, retrying: {}", s.ToString());
  };
  std::unique_ptr<kvbos::Engine> engine;
  if (kvbos::Status s = kvbos::Engine::Open(opts.pool, open_options, &engine); !s.ok()) {
    return Fail(opts.pool, DescribeOpenError(s));
  }

  // Our defaults go first, so that the same options given by the user win.
  fuse_opt_insert_arg(&args, 1, "-odefault_permissions");  // the kernel checks modes and owners
  // libfuse 3.14 warns about its own default (UINT_MAX) unless this is set.
  fuse_opt_insert_arg(&args, 1, "-omax_idle_threads=10");
  InsertValueOption(&args, "subtype", kProgram);
  InsertValueOption(&args, "fsname", opts.pool);

  kvbosfs::Filesystem fs(engine.get());
  fs.SetOperationCounters(kvbosfs::OpCountersJson);
  kvbosfs::MountContext ctx;
  ctx.fs = &fs;
  ctx.owner = kvbosfs::Caller{getuid(), getgid()};
  const int rc = fuse_main(args.argc, args.argv, &kvbosfs::Operations(), &ctx);
  if (store != nullptr) {
    const kvbos::EngineStats st = engine->Stats();
    spdlog::info("{}: manifest {}, uploaded {} objects, {} bytes; {} value blocks evicted; "
                 "values read back: {} cache hits, {} fetched",
                 store->Describe(), st.manifest_sequence, st.objects_uploaded, st.bytes_uploaded,
                 st.evictions, st.cache_hits, st.cache_misses);
  }
  if (rc != 0) return 1;  // libfuse printed why
  if (ctx.shutdown_error != 0) {
    return Fail(opts.pool, std::string("final commit failed: ") + std::strerror(-ctx.shutdown_error));
  }
  return 0;
}
