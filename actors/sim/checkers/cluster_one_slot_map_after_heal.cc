// Invariant (cluster-gossip): one slot map after the heal phase. In the heal
// phase (partitions healed, every node restarted, no drops) the cluster must
// settle; at the end of the run:
//  - every node is up, knows every other node, and flags none of them
//    (handshake, PFAIL, FAIL, noaddr);
//  - every node's view is the same (SimClusterWorld::Converged / ViewOf:
//    each slot's owner, each node's role, master and config epoch);
//  - every slot is owned, by one of `masters` masters, and every other node
//    is a replica of one of them (the deployment redis-cli built, with
//    failovers moving the master role inside a shard);
//  - every node says cluster_state:ok.
// In the heal phase it also notes when the views first agreed (checked
// after each fault / digest step of the scenario, not each event).
//
// Who talks to it: the cluster-gossip scenario (after its steps, at the end).
// Single-threaded.
#include <algorithm>
#include <set>
#include <string>

#include "actors/cluster/cluster_state.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class ClusterOneSlotMapAfterHeal final : public SimChecker {
 public:
  const char* name() const override { return "cluster-one-slot-map-after-heal"; }

  Status AfterStep(SimWorld& world) override {
    if (!world.healing || !world.cluster) return Status::Ok();
    bool now = world.cluster->Converged();
    if (now && !converged_) converged_at_ms_ = world.loop.now_ms();
    converged_ = now;
    return Status::Ok();
  }

  Status AtEnd(SimWorld& world) override {
    if (!world.cluster) return Status::Ok();
    SimClusterWorld& c = *world.cluster;
    std::string why = WhyNotConverged(c);
    if (!why.empty()) return Status::Error("views differ at the end of the heal phase: " + why);
    ClusterState& cs = c.state(0);
    std::set<std::string> masters;
    for (int s = 0; s < kClusterSlots; ++s) {
      const ClusterNode* o = cs.owner(s);
      if (o == nullptr) return Status::Error("slot " + std::to_string(s) + " has no owner");
      masters.insert(o->id);
    }
    if (static_cast<int>(masters.size()) != world.options.cluster_masters)
      return Status::Error(std::to_string(masters.size()) + " masters own slots, not " +
                           std::to_string(world.options.cluster_masters));
    for (const ClusterNode* n : cs.NodesInOrder()) {
      if (masters.count(n->id) != 0) continue;
      if (!n->is_replica() || masters.count(n->master_id) == 0)
        return Status::Error(NameOf(c, n->id) + " is neither a master with slots nor a replica of one");
    }
    for (int i = 0; i < c.size(); ++i)
      if (c.state(i).Health() != ClusterHealth::kOk)
        return Status::Error(SimClusterWorld::Name(i) + " says cluster_state:fail");
    return Status::Ok();
  }

  std::string Summary() const override {
    return converged_at_ms_ < 0 ? "views never agreed in the heal phase"
                                : "views agree since " + std::to_string(converged_at_ms_) + " ms";
  }

 private:
  static std::string NameOf(SimClusterWorld& c, const std::string& id) {
    for (int i = 0; i < c.size(); ++i)
      if (c.up(i) && c.state(i).myself().id == id) return SimClusterWorld::Name(i);
    return id.substr(0, 8);
  }

  // What SimClusterWorld::Converged checks, with the first reason it fails.
  static std::string WhyNotConverged(SimClusterWorld& c) {
    if (c.Converged()) return "";
    for (int i = 0; i < c.size(); ++i)
      if (!c.up(i)) return SimClusterWorld::Name(i) + " is down";
    for (int i = 0; i < c.size(); ++i) {
      ClusterState& cs = c.state(i);
      if (static_cast<int>(cs.known_nodes()) != c.size())
        return SimClusterWorld::Name(i) + " knows " + std::to_string(cs.known_nodes()) + " nodes";
      for (const ClusterNode* n : cs.NodesInOrder())
        if (n->flags & (kNodeHandshake | kNodePfail | kNodeFail | kNodeNoAddr))
          return SimClusterWorld::Name(i) + " flags " + NameOf(c, n->id) + " " + ClusterState::FlagsText(n->flags);
    }
    std::string first = c.ViewOf(0);
    for (int i = 1; i < c.size(); ++i) {
      std::string v = c.ViewOf(i);
      if (v == first) continue;
      // The first line that differs.
      size_t a = 0;
      size_t limit = 1'000'000;  // bounded: lines of a view
      while (limit-- > 0) {
        size_t ea = first.find('\n', a), eb = v.find('\n', a);
        std::string la = first.substr(a, ea == std::string::npos ? std::string::npos : ea - a);
        std::string lb = v.substr(a, eb == std::string::npos ? std::string::npos : eb - a);
        if (la != lb || ea == std::string::npos || eb == std::string::npos)
          return SimClusterWorld::Name(0) + " has '" + la + "' where " + SimClusterWorld::Name(i) + " has '" + lb +
                 "'";
        a = ea + 1;
      }
    }
    return "views differ";
  }

  bool converged_ = false;
  int64_t converged_at_ms_ = -1;
};

}  // namespace

std::unique_ptr<SimChecker> MakeClusterOneSlotMapAfterHealChecker() {
  return std::make_unique<ClusterOneSlotMapAfterHeal>();
}

}  // namespace troupe
