#include "core/engine.h"

namespace kvbos {

void WriteBatch::PutRecord(std::string_view key, const Record& record) {
  ops_.push_back(Op{std::string(key), record});
  ops_.back().record.key.clear();
}

void WriteBatch::Delete(std::string_view key) {
  Record tombstone;
  tombstone.flags = kFlagTombstone;
  tombstone.value_addr = kTombstoneAddress;
  ops_.push_back(Op{std::string(key), tombstone});
}

}  // namespace kvbos
