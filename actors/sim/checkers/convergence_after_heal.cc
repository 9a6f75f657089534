// Invariant (sentinel-failover): convergence after heal. In the heal phase
// (no partitions, every node up, no drops) the deployment must settle:
// every sentinel names the same master, that data node is up and a master,
// every other data node is up, a replica of it (its replicaof, as the
// sentinels set it with SLAVEOF) with its link streaming, on the same
// replication history (replid) and at most at the master's offset (a PING
// the master sent may still be on the wire). After every heal-phase step
// the checker notes whether that holds (and when it first did); at the end
// of the run it must hold, and every data node's dataset (every key of
// every database) must equal the master's.
//
// Who talks to it: the sentinel-failover scenario, after every step and at
// the end. Single-threaded.
#include <string>

#include "actors/replication/replication.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class ConvergenceAfterHeal final : public SimChecker {
 public:
  const char* name() const override { return "convergence-after-heal"; }

  Status AfterStep(SimWorld& world) override {
    if (!world.healing) return Status::Ok();
    bool now = Converged(world, nullptr, nullptr);
    if (now && !converged_) converged_at_ms_ = world.loop.now_ms();
    converged_ = now;
    return Status::Ok();
  }

  Status AtEnd(SimWorld& world) override {
    std::string why;
    SimServerNode* master = nullptr;
    if (!Converged(world, &why, &master)) return Status::Error("not converged at the end of the heal phase: " + why);
    auto want = master->Dataset();
    for (auto& d : world.servers) {
      if (d.get() == master) continue;
      auto got = d->Dataset();
      if (got == want) continue;
      std::string first;
      for (auto& [key, value] : want) {
        auto it = got.find(key);
        if (it == got.end() || it->second != value) {
          first = key + (it == got.end() ? " missing" : " differs");
          break;
        }
      }
      if (first.empty())
        for (auto& [key, value] : got)
          if (want.count(key) == 0) {
            first = key + " extra";
            break;
          }
      return Status::Error(d->name() + " holds " + std::to_string(got.size()) + " keys, master " + master->name() +
                           " " + std::to_string(want.size()) + ": datasets differ (first: " + first + ")");
    }
    return Status::Ok();
  }

  std::string Summary() const override {
    return converged_at_ms_ < 0 ? "never converged" : "converged at " + std::to_string(converged_at_ms_) + " ms";
  }

 private:
  static bool Converged(SimWorld& world, std::string* why, SimServerNode** master_out) {
    auto fail = [why](const std::string& w) {
      if (why) *why = w;
      return false;
    };
    int port = -1;
    for (auto& s : world.sentinels) {
      int p = 0;
      int64_t epoch = 0;
      if (!s->CurrentMaster(&p, &epoch)) return fail(s->name() + " monitors no master");
      if (port >= 0 && p != port)
        return fail("sentinels disagree: " + std::to_string(port) + " vs " + std::to_string(p) + " at " + s->name());
      port = p;
    }
    SimServerNode* master = world.ServerByPort(port);
    if (master == nullptr) return fail("sentinels name an unknown master " + std::to_string(port));
    const Replication* mr = master->replication();
    if (mr == nullptr || mr->is_replica()) return fail(master->name() + " (named master) is down or a replica");
    for (auto& d : world.servers) {
      if (d.get() == master) continue;
      const Replication* r = d->replication();
      if (r == nullptr) return fail(d->name() + " is down");
      if (!r->is_replica()) return fail(d->name() + " is also a master");
      if (r->master_port() != port) return fail(d->name() + " replicates " + std::to_string(r->master_port()));
      if (!d->link_up()) return fail(d->name() + " has its master link down");
      if (r->replid() != mr->replid() || r->offset() > mr->offset())
        return fail(d->name() + " at " + r->replid().substr(0, 8) + ":" + std::to_string(r->offset()) +
                    ", master at " + mr->replid().substr(0, 8) + ":" + std::to_string(mr->offset()));
    }
    if (master_out) *master_out = master;
    return true;
  }

  bool converged_ = false;
  int64_t converged_at_ms_ = -1;
};

}  // namespace

std::unique_ptr<SimChecker> MakeConvergenceChecker() { return std::make_unique<ConvergenceAfterHeal>(); }

}  // namespace troupe
