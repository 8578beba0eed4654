#include "fuse/op_counters.h"

#include <mutex>
#include <vector>

namespace kvbosfs {
namespace {

struct Registry {
  std::mutex mu;
  std::vector<const OpCounter*> counters;  // GUARDED_BY(mu); counters are never destroyed
};

Registry& TheRegistry() {
  static Registry* registry = new Registry;  // outlives every static counter
  return *registry;
}

}  // namespace

OpCounter::OpCounter(const char* name) : name_(name) {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  r.counters.push_back(this);
}

nlohmann::json OpCountersJson() {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  nlohmann::json out = nlohmann::json::object();
  for (const OpCounter* c : r.counters) out[c->name()] = out.value(c->name(), uint64_t{0}) + c->calls();
  return out;
}

}  // namespace kvbosfs
