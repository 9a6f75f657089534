// SimClusterWorld: a whole Redis Cluster of N nodes in one process — each
// node the real ClusterState + ClusterBus (actors/cluster/), with nodes.conf
// in its own directory — on one virtual clock and an in-memory network whose
// delays come from a seed. Connections behave as TCP does for the bus:
// ordered per connection, refused when the node is down, reset for both
// ends when a node dies or a partition cuts them (after which the buses
// reconnect by themselves). Used by the `cluster-gossip` scenario of
// troupe-sim and by tests/cluster/cluster_bus_test.cc.
//
// Plain code; nothing here runs concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/cluster/cluster_bus.h"
#include "actors/cluster/cluster_state.h"
#include "actors/common/clock.h"

namespace troupe {

class SimClusterWorld {
 public:
  // `dir` must exist; node i keeps its nodes.conf in dir/node<i>/.
  SimClusterWorld(std::string dir, int nodes, int64_t node_timeout_ms, uint64_t seed, int64_t max_delay_ms = 3);
  ~SimClusterWorld();

  int size() const { return static_cast<int>(nodes_.size()); }
  ClusterState& state(int i);
  ClusterBus& bus(int i);
  bool up(int i) const;
  int port(int i) const { return 7001 + i; }
  ManualClock& clock() { return clock_; }

  // CLUSTER MEET from node `from` to node `to`.
  void Meet(int from, int to);
  // redis-cli --cluster create's first steps on node i: slots [first,last]
  // and a config epoch.
  void AddSlots(int i, int first, int last, uint64_t config_epoch);
  // CLUSTER REPLICATE on node i.
  bool Replicate(int i, int master);

  // kill -9: its connections reset, connects to it are refused.
  void Kill(int i);
  // Restart from its nodes.conf.
  void Restart(int i);
  // Cut every connection between `side` and the rest (both ways), or heal.
  void Partition(const std::set<int>& side);
  void Heal();

  // Runs the world for `ms` of virtual time (each bus's cron every 100 ms,
  // messages delivered when due).
  void RunMs(int64_t ms);
  // Runs until `pred` holds (checked every 10 ms) or `limit_ms` passes;
  // the virtual ms it took, or -1.
  int64_t RunUntil(const std::function<bool()>& pred, int64_t limit_ms);

  // Every node that is up knows every other node (not in a handshake, not
  // failing), and all agree on each slot's owner (by id) and each node's
  // role and master.
  bool Converged();
  // What node i believes: "slot-owner map + roles", comparable across nodes.
  std::string ViewOf(int i);

  uint64_t messages_delivered() const { return delivered_; }

 private:
  struct Node;
  class Io;
  struct Pipe {
    int a = -1, b = -1;                // node indexes: a connected to b
    BusLinkId a_link = 0, b_link = 0;  // the ids on each side
    bool open = false;
    int64_t last_due_ab = 0, last_due_ba = 0;
  };
  struct Event {
    int64_t due_ms;
    uint64_t seq;
    std::function<void()> run;
    bool operator>(const Event& o) const { return due_ms != o.due_ms ? due_ms > o.due_ms : seq > o.seq; }
  };

  void Schedule(int64_t delay_ms, std::function<void()> run);
  int64_t Delay();
  void StartNode(int i);
  void ResetPipe(size_t pipe_index);
  bool Cut(int a, int b) const;

  std::string dir_;
  int64_t node_timeout_ms_;
  int64_t max_delay_ms_;
  ManualClock clock_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Pipe> pipes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t seq_ = 0;
  uint64_t delivered_ = 0;
  int64_t now_ms_ = 0;
  std::set<int> partition_;
};

}  // namespace troupe
