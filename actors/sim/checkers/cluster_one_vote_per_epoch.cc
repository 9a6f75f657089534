// Invariant (cluster-gossip): a master votes at most once per epoch. Every
// FAILOVER_AUTH_ACK a node sends is a vote (for the replica it goes to, in
// the epoch it carries); a second vote by the same node in the same epoch —
// for another replica, or the same one again (it would count twice) — is
// a violation. This is what makes an election's majority unique: two
// replicas cannot both collect a majority of one epoch. It must hold across
// a voter's restarts (lastVoteEpoch is in nodes.conf, saved before the
// vote leaves). Votes are seen as they are sent, so a vote lost on the
// wire still counts.
//
// Who talks to it: the cluster-gossip scenario (every bus message sent).
// Single-threaded.
#include <map>
#include <string>
#include <utility>

#include "actors/sim/sim_world.h"
#include "proto/cluster_bus.pb.h"

namespace troupe {
namespace {

class ClusterOneVotePerEpoch final : public SimChecker {
 public:
  const char* name() const override { return "cluster-one-vote-per-epoch"; }

  void OnClusterSend(SimWorld&, int from, int to, const cluster::bus::BusMessage& msg) override {
    if (!msg.has_failover_auth_ack()) return;
    uint64_t epoch = msg.failover_auth_ack().epoch();
    ++votes_;
    auto [it, inserted] = votes_by_.emplace(std::make_pair(from, epoch), to);
    if (!inserted && pending_.ok())
      pending_ = Status::Error(SimClusterWorld::Name(from) + " voted twice in epoch " + std::to_string(epoch) +
                               ": for " + SimClusterWorld::Name(it->second) + " and for " +
                               SimClusterWorld::Name(to));
  }

  Status AfterClusterEvent(SimWorld&, int) override { return pending_; }
  Status AfterStep(SimWorld&) override { return pending_; }

  std::string Summary() const override {
    std::map<uint64_t, int> epochs;
    for (auto& [key, to] : votes_by_) epochs[key.second]++;
    return std::to_string(votes_) + " votes in " + std::to_string(epochs.size()) + " epochs";
  }

 private:
  std::map<std::pair<int, uint64_t>, int> votes_by_;  // (voter, epoch) -> the replica voted for
  uint64_t votes_ = 0;
  Status pending_;
};

}  // namespace

std::unique_ptr<SimChecker> MakeClusterOneVotePerEpochChecker() {
  return std::make_unique<ClusterOneVotePerEpoch>();
}

}  // namespace troupe
