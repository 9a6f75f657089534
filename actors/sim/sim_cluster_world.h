// SimClusterWorld: a whole Redis Cluster of N nodes in one process — each
// node the real ClusterState + ClusterBus (actors/cluster/), with nodes.conf
// in its own directory — on one virtual clock and an in-memory network whose
// delays come from a seed. Connections behave as TCP does for the bus:
// ordered per connection, refused when the node is down, reset for both
// ends when a node dies or a partition cuts them (after which the buses
// reconnect by themselves). Used by the `cluster-gossip` scenario of
// troupe-sim and by tests/cluster/cluster_bus_test.cc.
//
// What the simulator adds (all off by default, so the tests' runs are
// unchanged): an Observer (every message sent and delivered, connection
// events, and a call after every event with the node it concerned), the
// seed picking among events due at the same millisecond, a delay
// distribution, message drops (a drop resets the connection, as TCP shows
// it), link resets, per-node wall-clock jumps, and a stop request.
//
// Plain code; nothing here runs concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/cluster/cluster_bus.h"
#include "actors/cluster/cluster_state.h"
#include "actors/common/clock.h"

namespace troupe {
namespace cluster::bus {
class BusMessage;
}  // namespace cluster::bus

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

  // ---- For the simulator (troupe-sim's cluster-gossip scenario) ---------------
  struct Observer {
    // A message leaves `from` for `to` (before its delay, or its drop).
    std::function<void(int from, int to, const cluster::bus::BusMessage&)> on_send;
    // A message reaches `to`, just before its bus handles it.
    std::function<void(int from, int to, const cluster::bus::BusMessage&)> on_deliver;
    // A connection event ("n1->n3 connect refused", "n1<->n3 reset: partition").
    std::function<void(const std::string&)> on_note;
    // After every event the world ran; `node` is the node whose code ran
    // (-1: none).
    std::function<void(int node)> after_event;
  };
  void set_observer(Observer observer) { observer_ = std::move(observer); }
  // The seed picks which of the events due at the same millisecond runs
  // first (off: the order they were scheduled in).
  void set_shuffle_ties(bool on) { shuffle_ties_ = on; }
  // Message and connect delays drawn by `delay` from the world's generator
  // (default: uniform 0..max_delay_ms).
  void set_delay(std::function<int64_t(std::mt19937_64&)> delay) { delay_fn_ = std::move(delay); }
  // Each message is dropped with this probability; its connection resets.
  void set_drop_probability(double p) { drop_probability_ = p; }
  // Each message is delivered twice with this probability (right after
  // itself, on the same connection).
  void set_duplicate_probability(double p) { dup_probability_ = p; }
  uint64_t duplicated() const { return duplicated_; }
  // Resets every open connection of node i (both ends are told); returns how many.
  int ResetLinks(int i, const std::string& why);
  // Node i's wall clock jumps by `ms` (may go back); the monotonic clock does not.
  void JumpClock(int i, int64_t ms);
  // RunMs / RunUntil return after the event under way.
  void RequestStop() { stop_ = true; }
  bool stopped() const { return stop_; }
  int64_t now_ms() const { return now_ms_; }
  // "n1", "n2", ...: node i's name in notes and traces.
  static std::string Name(int i) { return "n" + std::to_string(i + 1); }

 private:
  struct Node;
  class Io;
  class NodeClock;
  struct Pipe {
    int a = -1, b = -1;                // node indexes: a connected to b
    BusLinkId a_link = 0, b_link = 0;  // the ids on each side
    bool open = false;
    int64_t last_due_ab = 0, last_due_ba = 0;
  };
  struct Event {
    std::function<void()> run;
    int node = -1;  // whose code it runs (Observer::after_event)
  };

  // `node`: the node whose code `run` runs, -1 for none.
  void Schedule(int64_t delay_ms, std::function<void()> run, int node = -1);
  int64_t Delay();
  bool Chance(double p);
  void StartNode(int i);
  void ResetPipe(size_t pipe_index, const std::string& why);
  bool Cut(int a, int b) const;
  void Note(const std::string& text) {
    if (observer_.on_note) observer_.on_note(text);
  }

  std::string dir_;
  int64_t node_timeout_ms_;
  int64_t max_delay_ms_;
  ManualClock clock_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Pipe> pipes_;
  // Ordered by (due ms, sequence number).
  std::map<std::pair<int64_t, uint64_t>, Event> events_;
  uint64_t seq_ = 0;
  uint64_t delivered_ = 0;
  int64_t now_ms_ = 0;
  std::set<int> partition_;
  Observer observer_;
  bool shuffle_ties_ = false;
  std::function<int64_t(std::mt19937_64&)> delay_fn_;
  double drop_probability_ = 0;
  double dup_probability_ = 0;
  uint64_t duplicated_ = 0;
  bool stop_ = false;
};

}  // namespace troupe
