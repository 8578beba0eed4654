#include "core/size_arg.h"

#include <cctype>

namespace kvbos {

std::optional<uint64_t> ParseSize(std::string_view text) {
  uint64_t value = 0;
  size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); i++) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (i == 0) return std::nullopt;
  std::string unit;
  for (; i < text.size(); i++) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  if (unit.size() >= 2 && unit.substr(unit.size() - 2) == "IB") unit.resize(unit.size() - 2);
  else if (unit.size() >= 2 && unit.back() == 'B') unit.pop_back();
  int shift = 0;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K") shift = 10;
  else if (unit == "M") shift = 20;
  else if (unit == "G") shift = 30;
  else if (unit == "T") shift = 40;
  else return std::nullopt;
  if (shift > 0 && value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

std::string DescribeSize(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  std::string out = std::to_string(bytes) + " bytes";
  int unit = -1;
  uint64_t scaled = bytes;
  while (unit < 3 && scaled >= 1024 && scaled % 1024 == 0) {
    scaled /= 1024;
    unit++;
  }
  if (unit >= 0) out += " (" + std::to_string(scaled) + " " + kUnits[unit] + ")";
  return out;
}

}  // namespace kvbos
