// Invariant: replication offsets never go backwards within one replication
// ID. After every step, each running data node's (replid, offset) — what
// INFO replication shows as master_replid / master_repl_offset — is
// compared with the highest offset that process ever had under that replid.
// An offset that goes back under the same history means the node forgot
// stream it had applied (and acknowledged) while still claiming that
// history: a replica that applied a byte twice and then took a full sync,
// a partial resync from the wrong place, a snapshot at the wrong offset.
// A restarted process starts over (a crash may lose what was not saved:
// a replica restarted from an older dump.rdb is legitimately behind).
//
// Who talks to it: the replication scenario, after every step.
// Single-threaded.
#include <map>
#include <string>
#include <vector>

#include "actors/replication/replication.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class ReplOffsetMonotonic final : public SimChecker {
 public:
  const char* name() const override { return "repl-offset-monotonic"; }

  Status AfterStep(SimWorld& world) override {
    if (seen_.size() < world.servers.size()) seen_.resize(world.servers.size());
    for (size_t i = 0; i < world.servers.size(); ++i) {
      const SimServerNode& node = *world.servers[i];
      const Replication* r = node.replication();
      if (r == nullptr) continue;
      Seen& s = seen_[i];
      if (s.incarnation != node.incarnation()) {
        s = Seen{};
        s.incarnation = node.incarnation();
      }
      auto back = [&](uint64_t max) {
        return Status::Error(node.name() + "'s offset went back from " + std::to_string(max) + " to " +
                             std::to_string(r->offset()) + " within replid " + r->replid() + " (process #" +
                             std::to_string(node.incarnation()) + ")");
      };
      if (r->replid() == s.replid) {  // the common case: no lookup
        if (r->offset() < s.offset) return back(s.offset);
        s.offset = r->offset();
        continue;
      }
      // Another history: remember the old one's highest offset, compare
      // with the new one's.
      ++changes_;
      if (!s.replid.empty()) s.max[s.replid] = s.offset;
      auto it = s.max.find(r->replid());
      if (it != s.max.end() && r->offset() < it->second) return back(it->second);
      s.replid = r->replid();
      s.offset = r->offset();
    }
    return Status::Ok();
  }

  std::string Summary() const override {
    return "offsets checked after every step; " + std::to_string(changes_) + " changes of replication ID";
  }

 private:
  struct Seen {
    uint64_t incarnation = 0;
    std::string replid;                    // the current history
    uint64_t offset = 0;                   // ... and its highest offset so far
    std::map<std::string, uint64_t> max;   // earlier histories -> highest offset seen in this process
  };
  std::vector<Seen> seen_;  // by server index
  uint64_t changes_ = 0;
};

}  // namespace

std::unique_ptr<SimChecker> MakeReplOffsetMonotonicChecker() { return std::make_unique<ReplOffsetMonotonic>(); }

}  // namespace troupe
