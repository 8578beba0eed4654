// kvbos: the admin command, for an unmounted pool or a mounted file system.
//
//   kvbos stat POOL|MOUNTPOINT [--json] [--watch [SECONDS]]
//   kvbos fsck POOL [--repair] [--json]
//   kvbos sync MOUNTPOINT
//   kvbos get POOL KEY            kvbos put POOL KEY [FILE]
//   kvbos rm POOL KEY             kvbos ls POOL [PREFIX] [--json]
//
// stat, get, put, rm and ls on a pool take -o OPTIONS: the object store
// options of kvbosfs (store=, endpoint=, credentials=, ...), so that values
// that left the pool are read back and changes are uploaded.
//
// Exit status: 0 success, 1 failure, 2 usage error; fsck follows fsck(8)
// (0 clean, 1 repaired, 4 damage left, 8 operational error, 16 usage).
#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "kvbos_version.h"
#include "mount-tools/admin_mounted.h"
#include "mount-tools/admin_pool.h"

int main(int argc, char** argv) {
  CLI::App app{"kvbos: inspect, check and edit kvbos pools and mounted kvbos file systems."};
  app.name("kvbos");
  app.set_version_flag("-V,--version", std::string("kvbos ") + KVBOS_VERSION);
  app.require_subcommand(1);
  kvbos::OutputFormat format;

  std::string target, key, file = "-", prefix, store_options;
  bool repair = false;
  double watch = 0;

  auto* stat = app.add_subcommand("stat", "Capacity, use, blocks, keys, garbage and upload backlog "
                                          "of a pool, or the live counters of a mounted file system");
  stat->add_option("TARGET", target, "A pool file, or the mount point of a kvbosfs")->required();
  stat->add_flag("--json", format.json, "Print one JSON document");
  stat->add_option("--watch", watch, "Mounted file system: refresh every SECONDS, with rates")
      ->expected(0, 1)
      ->default_str("2");
  const char* kStoreHelp = "Pool: its object store, as kvbosfs -o (store=...,endpoint=...,credentials=...)";
  stat->add_option("-o", store_options, kStoreHelp);

  auto* fsck = app.add_subcommand("fsck", "Verify every checksum and pointer of an unmounted pool");
  fsck->add_option("POOL", target, "The pool file")->required();
  fsck->add_flag("--repair", repair, "Drop torn tails of the open key block (nothing else)");
  fsck->add_flag("--json", format.json, "Print one JSON document");
  fsck->add_option("-o", store_options, "Its object store, as kvbosfs -o: check the values only in the bucket too");

  auto* sync = app.add_subcommand("sync", "Block until everything written to a mounted file "
                                          "system is in its object store");
  sync->add_option("MOUNTPOINT", target, "The mount point of a kvbosfs")->required();

  auto* get = app.add_subcommand("get", "Write the value of KEY to stdout");
  get->add_option("POOL", target, "The pool file")->required();
  get->add_option("KEY", key, "A key: a path without the leading /, e.g. dir/file.txt")->required();
  get->add_option("-o", store_options, kStoreHelp);

  auto* put = app.add_subcommand("put", "Store FILE (or stdin) under KEY, creating parent directories");
  put->add_option("POOL", target, "The pool file")->required();
  put->add_option("KEY", key, "A key: a path without the leading /")->required();
  put->add_option("FILE", file, "The bytes to store; - or absent: stdin");
  put->add_option("-o", store_options, kStoreHelp);

  auto* rm = app.add_subcommand("rm", "Remove KEY (a file, or an empty directory)");
  rm->add_option("POOL", target, "The pool file")->required();
  rm->add_option("KEY", key, "A key: a path without the leading /")->required();
  rm->add_option("-o", store_options, kStoreHelp);

  auto* ls = app.add_subcommand("ls", "List the keys starting with PREFIX: mode, size, mtime, key");
  ls->add_option("POOL", target, "The pool file")->required();
  ls->add_option("PREFIX", prefix, "Only keys starting with this (default: all)");
  ls->add_flag("--json", format.json, "Print a JSON array");
  ls->add_option("-o", store_options, kStoreHelp);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::cerr << "kvbos: " << e.what() << " (see kvbos --help)\n";
    return fsck->parsed() ? 16 : 2;
  }

  kvbos::PoolTarget pool{target, {}};
  for (size_t start = 0; start < store_options.size();) {
    const size_t comma = std::min(store_options.find(',', start), store_options.size());
    const std::string option = store_options.substr(start, comma - start);
    if (!option.empty() && !kvbos::TakeStoreOption(option, &pool.store)) {
      std::cerr << "kvbos: -o " << option << ": not an object store option (see kvbos --help)\n";
      return fsck->parsed() ? 16 : 2;
    }
    start = comma + 1;
  }

  if (stat->parsed()) {
    if (stat->count("--watch") != 0 && watch <= 0) watch = 2;
    struct stat st;
    if (::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return kvbos::MountStat(target, format, watch);
    }
    if (watch > 0) {
      std::cerr << "kvbos: --watch needs a mount point; " << target << " is not a directory\n";
      return 2;
    }
    return kvbos::PoolStat(pool, format);
  }
  if (fsck->parsed()) return kvbos::PoolFsck(pool, repair, format);
  if (sync->parsed()) return kvbos::MountSync(target);
  if (get->parsed()) return kvbos::PoolGet(pool, key);
  if (put->parsed()) return kvbos::PoolPut(pool, key, file);
  if (rm->parsed()) return kvbos::PoolRm(pool, key);
  if (ls->parsed()) return kvbos::PoolLs(pool, prefix, format);
  return 2;
}
