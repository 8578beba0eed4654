#include "fuse/stats_json.h"

namespace kvbosfs {

nlohmann::json PoolStatsJson(const kvbos::EngineStats& s) {
  return {
      {"pool_bytes", s.pool_size},
      {"capacity_bytes", s.capacity},
      {"used_bytes", s.used},
      {"value_bytes", s.value_bytes},
      {"value_blocks", s.value_blocks},
      {"resident_value_blocks", s.resident_value_blocks},
      {"key_blocks", s.key_blocks},
      {"value_block_size", s.value_block_size},
      {"key_block_size", s.key_block_size},
  };
}

nlohmann::json StoreStatsJson(const kvbos::EngineStats& s) {
  return {
      {"manifest", s.manifest_sequence},
      {"store_value_bytes", s.store_value_top},
      {"upload_backlog_bytes", s.value_bytes > s.store_value_top ? s.value_bytes - s.store_value_top : 0},
      {"objects_uploaded", s.objects_uploaded},
      {"bytes_uploaded", s.bytes_uploaded},
      {"upload_failures", s.upload_failures},
      {"evictions", s.evictions},
      {"cache_hits", s.cache_hits},
      {"cache_misses", s.cache_misses},
      {"cache_bytes", s.cache_bytes},
      {"requests",
       {{"put", s.requests.puts},
        {"get", s.requests.gets},
        {"range_get", s.requests.range_gets},
        {"head", s.requests.heads},
        {"delete", s.requests.deletes},
        {"failed", s.requests.failures}}},
  };
}

}  // namespace kvbosfs
