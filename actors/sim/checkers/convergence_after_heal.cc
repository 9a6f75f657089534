// Invariant: convergence after heal. In the heal phase (no partitions, every
// node up, no drops) the deployment must settle: every sentinel names the
// same master, that data node is up and a master, every other data node is
// up, a replica of it with its link up, on the same replication history
// (replid) and offset. After every heal-phase step the checker notes whether
// that holds (and when it first did); at the end of the run it must hold,
// and the key/value maps of all data nodes must then be identical.
//
// Who talks to it: the scenario, after every step and at the end.
// Single-threaded.
#include <string>

#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class ConvergenceAfterHeal final : public SimChecker {
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
    const SimDataNode* master = nullptr;
    for (auto& d : world.data)
      if (d->is_master()) master = d.get();
    for (auto& d : world.data)
      if (d->data() != master->data())
        return Status::Error(d->name() + " holds " + std::to_string(d->data().size()) + " keys, master " +
                             master->name() + " " + std::to_string(master->data().size()) + ": maps differ");
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
    int port = -1;
    for (auto& s : world.sentinels) {
      int p = 0;
      int64_t epoch = 0;
      if (!s->CurrentMaster(&p, &epoch)) return fail(s->name() + " monitors no master");
      if (port >= 0 && p != port)
        return fail("sentinels disagree: " + std::to_string(port) + " vs " + std::to_string(p) + " at " + s->name());
      port = p;
    }
    SimDataNode* master = world.DataByPort(port);
    if (master == nullptr) return fail("sentinels name an unknown master " + std::to_string(port));
    if (!master->up() || !master->is_master()) return fail(master->name() + " (named master) is down or a replica");
    for (auto& d : world.data) {
      if (d.get() == master) continue;
      if (!d->up()) return fail(d->name() + " is down");
      if (d->is_master()) return fail(d->name() + " is also a master");
      if (d->master_port() != port) return fail(d->name() + " replicates " + std::to_string(d->master_port()));
      if (!d->link_up()) return fail(d->name() + " has its master link down");
      if (d->replid() != master->replid() || d->offset() != master->offset())
        return fail(d->name() + " at " + d->replid().substr(0, 8) + ":" + std::to_string(d->offset()) +
                    ", master at " + master->replid().substr(0, 8) + ":" + std::to_string(master->offset()));
    }
    return true;
  }

  bool converged_ = false;
  int64_t converged_at_ms_ = -1;
};

}  // namespace

std::unique_ptr<SimChecker> MakeConvergenceChecker() { return std::make_unique<ConvergenceAfterHeal>(); }

}  // namespace troupe
