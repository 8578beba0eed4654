// Byte sizes on command lines: "4096", "64K", "256M", "1G", "2T" (binary units,
// case-insensitive, an optional trailing "B" or "iB": "4MiB" == "4M").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kvbos {

// Parses `text` into bytes; nullopt when it is not a size or overflows 64 bits.
std::optional<uint64_t> ParseSize(std::string_view text);

// "268435456 bytes (256 MiB)": exact bytes plus the largest exact binary unit.
std::string DescribeSize(uint64_t bytes);

}  // namespace kvbos
