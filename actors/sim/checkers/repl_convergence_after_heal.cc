// Invariant: convergence after heal, for the replication scenario (the
// real server code). In the heal phase (no partitions, every node up, no
// drops, no new faults; the client stops writing 10 s before the end) the
// deployment must settle: the master up and a master, every replica up,
// replicating it with its link streaming, on the master's replication ID
// and offset. After every heal-phase step the checker notes whether that
// holds (and when it first did); at the end of the run (once the network
// has drained) it must hold, and every node's dataset — every key of every
// database, collections by their DUMP payload — must equal the master's.
//
// Who talks to it: the replication scenario, after every step and at the
// end. Single-threaded.
#include <string>

#include "actors/replication/replication.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class ReplConvergenceAfterHeal final : public SimChecker {
 public:
  const char* name() const override { return "convergence-after-heal"; }

  Status AfterStep(SimWorld& world) override {
    if (!world.healing) return Status::Ok();
    bool now = Converged(world, nullptr);
    if (now && !converged_) converged_at_ms_ = world.loop.now_ms();
    converged_ = now;
    return Status::Ok();
  }

  Status AtEnd(SimWorld& world) override {
    std::string why;
    if (!Converged(world, &why)) return Status::Error("not converged at the end of the heal phase: " + why);
    const SimServerNode& master = *world.servers[0];
    auto expected = master.Dataset();
    for (size_t i = 1; i < world.servers.size(); ++i) {
      const SimServerNode& node = *world.servers[i];
      auto got = node.Dataset();
      if (got == expected) continue;
      std::string diff;
      for (auto& [k, v] : expected) {
        auto it = got.find(k);
        if (it == got.end() || it->second != v) {
          diff = k + (it == got.end() ? " missing" : " differs");
          break;
        }
      }
      if (diff.empty())
        for (auto& [k, v] : got)
          if (!expected.count(k)) {
            diff = k + " extra";
            break;
          }
      return Status::Error(node.name() + " holds " + std::to_string(got.size()) + " keys, master " +
                           std::to_string(expected.size()) + ": datasets differ (first: " + diff + ")");
    }
    return Status::Ok();
  }

  std::string Summary() const override {
    return converged_at_ms_ < 0 ? "never converged" : "converged at " + std::to_string(converged_at_ms_) + " ms";
  }

 private:
  static bool Converged(SimWorld& world, std::string* why) {
    auto fail = [why](const std::string& w) {
      if (why) *why = w;
      return false;
    };
    const SimServerNode& master = *world.servers[0];
    const Replication* m = master.replication();
    if (m == nullptr) return fail(master.name() + " (master) is down");
    if (m->is_replica()) return fail(master.name() + " is a replica");
    for (size_t i = 1; i < world.servers.size(); ++i) {
      const SimServerNode& node = *world.servers[i];
      const Replication* r = node.replication();
      if (r == nullptr) return fail(node.name() + " is down");
      if (!r->is_replica() || r->master_port() != master.port())
        return fail(node.name() + " does not replicate " + master.name());
      if (!node.link_up()) return fail(node.name() + " has its master link down");
      if (r->replid() != m->replid() || r->offset() != m->offset())
        return fail(node.name() + " at " + r->replid().substr(0, 8) + ":" + std::to_string(r->offset()) +
                    ", master at " + m->replid().substr(0, 8) + ":" + std::to_string(m->offset()));
    }
    return true;
  }

  bool converged_ = false;
  int64_t converged_at_ms_ = -1;
};

}  // namespace

std::unique_ptr<SimChecker> MakeReplConvergenceChecker() { return std::make_unique<ReplConvergenceAfterHeal>(); }

}  // namespace troupe
