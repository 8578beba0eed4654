// mkfs.kvbos: creates a kvbos pool file.
//
//   mkfs.kvbos [--size 1G] [--value-block-size 4M] [--key-block-size 512K] POOL
//
// Refuses to overwrite an existing file. On error prints one line
// "mkfs.kvbos: <problem>" on stderr and exits 1.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "core/engine.h"
#include "kvbos_version.h"
#include "core/size_arg.h"

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Create a kvbos pool: a file that kvbosfs mounts as a file system."};
  app.name(kProgram);
  std::string pool;
  std::string size_text = "1G";
  std::string value_block_text = "4M";
  std::string key_block_text = "512K";
  app.add_option("POOL", pool, "Path of the pool file to create (must not exist)")->required();
  app.add_option("-s,--size", size_text, "Pool size, with unit K, M, G or T")->capture_default_str();
  app.add_option("--value-block-size", value_block_text,
                 "Value block size (power of two, >= 1M and >= the key block size)")->capture_default_str();
  app.add_option("--key-block-size", key_block_text,
                 "Key block size (power of two, >= 64K)")->capture_default_str();
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

  struct stat st;
  if (lstat(pool.c_str(), &st) == 0) {
    return Fail(pool + ": already exists; use another path or delete it");
  }

  kvbos::Status s = kvbos::Engine::Create(pool, options);
  if (!s.ok()) {
    std::string problem = pool + ": " + s.ToString();
    if (s.code() == kvbos::Status::Code::kInvalidArgument && lstat(pool.c_str(), &st) == 0) {
      problem += "; use another path or delete it";
    }
    return Fail(problem);
  }
  std::cout << kProgram << ": created kvbos pool " << pool << "\n"
            << "  pool size:        " << kvbos::DescribeSize(options.pool_size) << "\n"
            << "  value block size: " << kvbos::DescribeSize(options.value_block_size) << "\n"
            << "  key block size:   " << kvbos::DescribeSize(options.key_block_size) << "\n";
  return 0;
}
