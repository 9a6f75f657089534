// Invariant (cluster-gossip): slot claims are ordered by config epochs.
// After every event of the cluster world, in the view of the node whose
// code ran (and after every fault, in every node's view):
//  1. no two masters ever own the same slot with the same config epoch —
//     across all nodes' views over the whole run, a (slot, config epoch)
//     pair names one owner (an epoch is won by one election; two owners of
//     one slot under one epoch mean two winners, or a claim that skipped
//     the epoch rules);
//  2. per node, the config epoch of a slot's owner never goes down, and
//     the slot only moves to a different owner with a strictly newer
//     config epoch (Redis's clusterUpdateSlotsConfigWith rule). This holds
//     across a node's restarts too: nodes.conf is saved after every change,
//     so a restarted node must not come back with an older slot map.
// A view is only rescanned (16384 slots) when its summary — every known
// node's id, role, config epoch and slot count — changed; a slot cannot
// change hands without changing two nodes' slot counts.
//
// Who talks to it: the cluster-gossip scenario (after every event and
// every fault). Single-threaded.
#include <map>
#include <string>
#include <vector>

#include "actors/cluster/cluster_state.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class ClusterSlotEpochs final : public SimChecker {
 public:
  const char* name() const override { return "cluster-slot-epochs"; }

  Status AfterClusterEvent(SimWorld& world, int node) override {
    if (node < 0 || !world.cluster) return Status::Ok();
    return Check(world, node);
  }

  // After a fault (or the corruption switch): every node.
  Status AfterStep(SimWorld& world) override {
    if (!world.cluster) return Status::Ok();
    for (int i = 0; i < world.cluster->size(); ++i) {
      Status s = Check(world, i);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  std::string Summary() const override {
    return std::to_string(scans_) + " slot maps checked, " + std::to_string(by_epoch_.size()) +
           " config epochs seen owning slots";
  }

 private:
  struct View {
    uint64_t summary = 0;
    bool scanned = false;
    std::vector<int> owner;         // per slot: interned owner id, -1 = none seen yet
    std::vector<uint64_t> epoch;    // per slot: that owner's config epoch
  };
  struct EpochClaims {
    std::vector<int> owner;         // per slot: the owner under this epoch, -1 = none
    std::vector<int> seen_at;       // per slot: the node whose view showed it first
  };

  int Intern(const std::string& id) {
    auto [it, inserted] = ids_.emplace(id, static_cast<int>(names_.size()));
    if (inserted) names_.push_back(id);
    return it->second;
  }

  // A name for an interned id: the world's node name, else the id's start.
  std::string NameOf(SimWorld& world, int owner) const {
    const std::string& id = names_[static_cast<size_t>(owner)];
    for (int i = 0; i < world.cluster->size(); ++i)
      if (world.cluster->up(i) && world.cluster->state(i).myself().id == id) return SimClusterWorld::Name(i);
    return id.substr(0, 8);
  }

  static uint64_t Summarize(const ClusterState& cs) {
    uint64_t h = 14695981039346656037ull;
    auto mix = [&h](uint64_t v) {
      h ^= v;
      h *= 1099511628211ull;
    };
    for (const ClusterNode* n : cs.NodesInOrder()) {
      for (char c : n->id) mix(static_cast<unsigned char>(c));
      mix(n->is_master() ? 1 : 2);
      mix(n->config_epoch);
      mix(static_cast<uint64_t>(n->num_slots));
    }
    return h;
  }

  Status Check(SimWorld& world, int i) {
    SimClusterWorld& c = *world.cluster;
    if (!c.up(i)) return Status::Ok();
    ClusterState& cs = c.state(i);
    View& v = views_[i];
    uint64_t summary = Summarize(cs);
    if (v.scanned && summary == v.summary) return Status::Ok();
    v.summary = summary;
    if (!v.scanned) {
      v.owner.assign(kClusterSlots, -1);
      v.epoch.assign(kClusterSlots, 0);
      v.scanned = true;
    }
    ++scans_;
    const ClusterNode* last = nullptr;
    int last_owner = -1;
    EpochClaims* claims = nullptr;
    uint64_t claims_epoch = 0;
    for (int s = 0; s < kClusterSlots; ++s) {
      const ClusterNode* o = cs.owner(s);
      if (o == nullptr) continue;
      if (o != last) {
        last = o;
        last_owner = Intern(o->id);
      }
      uint64_t e = o->config_epoch;
      int& seen_owner = v.owner[static_cast<size_t>(s)];
      uint64_t& seen_epoch = v.epoch[static_cast<size_t>(s)];
      if (seen_owner >= 0) {
        if (seen_owner == last_owner && e < seen_epoch)
          return Status::Error(SimClusterWorld::Name(i) + " sees the config epoch of slot " + std::to_string(s) +
                               "'s owner " + NameOf(world, last_owner) + " go down from " +
                               std::to_string(seen_epoch) + " to " + std::to_string(e));
        if (seen_owner != last_owner && e <= seen_epoch)
          return Status::Error(SimClusterWorld::Name(i) + " moved slot " + std::to_string(s) + " from " +
                               NameOf(world, seen_owner) + " (config epoch " + std::to_string(seen_epoch) +
                               ") to " + NameOf(world, last_owner) + " (config epoch " + std::to_string(e) +
                               ") without a newer epoch");
      }
      seen_owner = last_owner;
      seen_epoch = e;
      if (claims == nullptr || claims_epoch != e) {
        EpochClaims& ec = by_epoch_[e];
        if (ec.owner.empty()) {
          ec.owner.assign(kClusterSlots, -1);
          ec.seen_at.assign(kClusterSlots, -1);
        }
        claims = &ec;
        claims_epoch = e;
      }
      int& first = claims->owner[static_cast<size_t>(s)];
      if (first < 0) {
        first = last_owner;
        claims->seen_at[static_cast<size_t>(s)] = i;
      } else if (first != last_owner) {
        return Status::Error("slot " + std::to_string(s) + " has two owners with config epoch " + std::to_string(e) +
                             ": " + NameOf(world, first) + " (seen at " +
                             SimClusterWorld::Name(claims->seen_at[static_cast<size_t>(s)]) + ") and " +
                             NameOf(world, last_owner) + " (at " + SimClusterWorld::Name(i) + ")");
      }
    }
    return Status::Ok();
  }

  std::map<std::string, int> ids_;
  std::vector<std::string> names_;
  std::map<int, View> views_;                // by world node index
  std::map<uint64_t, EpochClaims> by_epoch_;  // config epoch -> its owner of each slot
  uint64_t scans_ = 0;
};

}  // namespace

std::unique_ptr<SimChecker> MakeClusterSlotEpochsChecker() { return std::make_unique<ClusterSlotEpochs>(); }

}  // namespace troupe
