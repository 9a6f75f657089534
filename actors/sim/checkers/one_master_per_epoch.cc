// Invariant: at most one master per configuration epoch. After every step,
// every sentinel's view of the master — its config epoch and the address it
// would give a client (SENTINEL get-master-addr-by-name) — is compared with
// every view ever seen: one epoch naming two different data nodes means two
// nodes were handed out as the writable master of the same configuration
// (the failover's safety property; sentinels at older epochs may still name
// an older master, that is what the epochs order).
// A master from an older epoch cut off in a minority partition still
// accepts writes (Redis Sentinel does not fence it; min-replicas-to-write is
// off): such writes are counted as lost writes in the report, not flagged.
//
// Who talks to it: the scenario, after every step. Single-threaded.
#include <map>
#include <string>

#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class OneMasterPerEpoch final : public SimChecker {
 public:
  const char* name() const override { return "one-master-per-epoch"; }

  Status AfterStep(SimWorld& world) override {
    for (auto& s : world.sentinels) {
      int port = 0;
      int64_t epoch = 0;
      if (!s->CurrentMaster(&port, &epoch)) continue;
      auto [it, inserted] = masters_.emplace(epoch, std::make_pair(port, s->name()));
      if (!inserted && it->second.first != port)
        return Status::Error("config epoch " + std::to_string(epoch) + " names two masters: " +
                             std::to_string(it->second.first) + " (seen at " + it->second.second + ") and " +
                             std::to_string(port) + " (at " + s->name() + ")");
    }
    return Status::Ok();
  }

  std::string Summary() const override {
    std::string s = std::to_string(masters_.size()) + " configurations:";
    for (auto& [epoch, m] : masters_) s += " " + std::to_string(epoch) + "->" + std::to_string(m.first);
    return s;
  }

 private:
  std::map<int64_t, std::pair<int, std::string>> masters_;  // config epoch -> (port, first seen at)
};

}  // namespace

std::unique_ptr<SimChecker> MakeOneMasterPerEpochChecker() { return std::make_unique<OneMasterPerEpoch>(); }

}  // namespace troupe
