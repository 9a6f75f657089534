// Scenario `replication`: one master (d1, 7001) and `replicas` replicas
// (d2.., 7002..), each running the real server code (SimServerNode:
// keyspace, command table, Replication, ReplicaLink), and a client writing
// to the master and issuing WAIT (SimReplClient). No sentinels, no
// failover: the master stays the master.
//  - Fault phase [0, duration - heal): faults arrive at exponential
//    intervals (mean fault_interval_ms), each picked by the seed among the
//    enabled kinds: a replica crash and restart (a SHUTDOWN that saves
//    first with probability shutdown_save; else a crash, restarting from
//    the last dump.rdb with probability crash_keep_rdb, else with no file),
//    a link drop (the
//    replica's connections to the master reset), one node isolated (the
//    master favoured), the split {master, one replica} | {the other
//    replicas} with the client on a random side, a flapping node, a clock
//    jump on a data node; plus message delays (reordering across
//    connections) and drops (= connection resets) all along. The backlog
//    is small (repl_backlog_bytes), so some reconnects need a full resync.
//  - Heal phase [duration - heal, duration): partitions healed, crashed
//    replicas restarted, no drops; the client stops writing 10 s before the
//    end. At the end the network drains (at most 2 s more) and the
//    deployment must have converged.
// The checkers (repl-offset-monotonic, wait-acked-writes-survive,
// convergence-after-heal) run after every step and at the end; the first
// violation stops the run.
//
// Who talks to it: sim_main.cc and tests/sim/sim_test.cc (RunReplication).
// Threading: single-threaded, one world per call.
#include <algorithm>
#include <cmath>

#include "actors/shard/keyspace/dict.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

constexpr int kFirstDataPort = 7001;
constexpr int kClientPort = 50000;
constexpr int64_t kWorkloadQuiesceMs = 10'000;
constexpr int64_t kDrainMs = 2'000;

class ReplFaultInjector {
 public:
  explicit ReplFaultInjector(SimWorld* w) : w_(w) {}

  // Faults at exponential intervals, each kind picked by the seed among
  // the enabled ones, until the heal phase.
  void Start() {
    const SimOptions& o = w_->options;
    std::vector<std::function<void()>> kinds;
    if (o.fault_crash) kinds.push_back([this] { Crash(); });
    if (o.fault_link) kinds.push_back([this] { LinkDrop(); });
    if (o.fault_isolate) kinds.push_back([this] { Isolate(); });
    if (o.fault_split) kinds.push_back([this] { Split(); });
    if (o.fault_flap) kinds.push_back([this] { Flap(); });
    if (o.fault_clock) kinds.push_back([this] { ClockJump(); });
    loop().RepeatAtRandom(o.fault_interval_ms, std::move(kinds), [this] { return w_->healing; });
  }
  uint64_t faults() const { return faults_; }
  uint64_t crashes() const { return crashes_; }

  void Heal() {
    w_->healing = true;
    ++partition_;  // pending partition ends and flaps become no-ops
    w_->net.HealPartitions();
    w_->net.set_drops_enabled(false);
    for (auto& d : w_->servers)
      if (!d->up()) d->Restart();
    w_->trace.Add(w_->loop.now_ms(), "HEAL: partitions healed, nodes restarted, drops off");
  }

 private:
  SimLoop& loop() { return w_->loop; }

  int64_t Duration() { return loop().Uniform(w_->options.fault_min_ms, w_->options.fault_max_ms); }
  SimServerNode* Master() { return w_->servers[0].get(); }
  SimServerNode* PickReplica() {
    return w_->servers[1 + loop().rng()() % (w_->servers.size() - 1)].get();
  }

  void Note(const std::string& what) {
    ++faults_;
    w_->trace.Add(loop().now_ms(), "FAULT " + what);
  }

  void Crash() {
    SimServerNode* d = PickReplica();
    if (!d->up()) return;
    int64_t down = Duration();
    ++crashes_;
    if (loop().Chance(w_->options.shutdown_save)) {
      Note("shutdown " + d->name() + " for " + std::to_string(down) + " ms");
      d->Shutdown();
    } else {
      bool keep = loop().Chance(w_->options.crash_keep_rdb);
      Note("crash " + d->name() + " for " + std::to_string(down) + " ms, " + (keep ? "keeping" : "losing") +
           " its dump.rdb");
      d->Crash(keep);
    }
    loop().After(down, [this, d] {
      if (!d->up() && !w_->healing) d->Restart();
    });
  }

  void LinkDrop() {
    SimServerNode* d = PickReplica();
    if (!d->up() || !Master()->up()) return;
    int n = w_->net.ResetBetween(d->id(), Master()->id(), "link drop");
    Note("link drop " + d->name() + "<->" + Master()->name() + " (" + std::to_string(n) + " connections)");
  }

  // One partition at a time; its end heals every group.
  void EndPartitionLater(int64_t after) {
    uint64_t id = partition_;
    loop().After(after, [this, id] {
      if (id != partition_) return;
      partition_active_ = false;
      w_->net.HealPartitions();
      w_->trace.Add(loop().now_ms(), "FAULT partition healed");
    });
  }

  // Any node: the data nodes (the master favoured) or the client.
  NodeId PickNode() {
    if (loop().Chance(w_->options.crash_master_bias)) return Master()->id();
    return static_cast<NodeId>(loop().rng()() % w_->net.node_count());
  }

  void Isolate() {
    if (partition_active_) return;
    NodeId n = PickNode();
    int64_t d = Duration();
    ++partition_;
    partition_active_ = true;
    Note("isolate " + w_->net.name(n) + " for " + std::to_string(d) + " ms");
    w_->net.SetGroup(n, 1);
    EndPartitionLater(d);
  }

  void Split() {
    if (partition_active_) return;
    SimServerNode* replica = PickReplica();
    bool client_minority = loop().Chance(0.5);
    int64_t d = Duration();
    ++partition_;
    partition_active_ = true;
    Note("split {" + Master()->name() + "," + replica->name() + (client_minority ? ",client" : "") +
         "} | {rest} for " + std::to_string(d) + " ms");
    w_->net.SetGroup(Master()->id(), 1);
    w_->net.SetGroup(replica->id(), 1);
    if (client_minority) w_->net.SetGroup(w_->repl_client->id(), 1);
    EndPartitionLater(d);
  }

  void Flap() {
    if (partition_active_) return;
    NodeId n = PickNode();
    int flips = static_cast<int>(loop().Uniform(3, 8)) * 2;
    ++partition_;
    partition_active_ = true;
    Note("flap " + w_->net.name(n) + " " + std::to_string(flips / 2) + " times");
    FlapStep(partition_, n, flips);
  }

  void FlapStep(uint64_t id, NodeId n, int left) {
    if (id != partition_) return;
    if (left == 0) {
      partition_active_ = false;
      w_->net.HealPartitions();
      w_->trace.Add(loop().now_ms(), "FAULT flap over");
      return;
    }
    w_->net.SetGroup(n, left % 2 == 0 ? 1 : 0);
    loop().After(loop().Uniform(500, 3000), [this, id, n, left] { FlapStep(id, n, left - 1); });
  }

  void ClockJump() {
    int64_t max = w_->options.clock_jump_max_ms;
    if (max <= 0) return;
    int64_t jump = loop().Uniform(-max, max);
    if (jump == 0) jump = 1;
    SimServerNode& d = *w_->servers[loop().rng()() % w_->servers.size()];
    d.clock().Jump(jump);
    Note("clock jump " + d.name() + " " + std::to_string(jump) + " ms");
  }

  SimWorld* w_;
  uint64_t faults_ = 0;
  uint64_t crashes_ = 0;
  uint64_t partition_ = 0;
  bool partition_active_ = false;
};

}  // namespace

SimResult RunReplication(const SimOptions& options, std::function<void(const std::string&)> line) {
  // The keyspace's hash seed decides iteration order, so the bytes of every
  // RDB: it comes from the run's seed (no Dict exists between runs).
  SetHashSeedForSimulation(options.seed * 0x9E3779B97F4A7C15ULL + 0x7472);
  SimWorld w(options);
  if (line) w.trace.set_sink(line);
  SimResult r;
  w.end_ms = options.duration_ms;
  w.heal_start_ms = std::max<int64_t>(0, options.duration_ms - options.heal_ms);
  w.trace.Add(0, "sim " + DescribeOptions(options));

  std::vector<std::unique_ptr<SimChecker>> checkers;
  checkers.push_back(MakeReplOffsetMonotonicChecker());
  checkers.push_back(MakeWaitAckedWritesSurviveChecker());
  checkers.push_back(MakeReplConvergenceChecker());

  int replicas = std::max(1, options.replicas);
  for (int i = 0; i <= replicas; ++i)
    w.servers.push_back(std::make_unique<SimServerNode>(&w.loop, &w.net, &w.trace, &w.options,
                                                        "d" + std::to_string(i + 1), kFirstDataPort + i,
                                                        i == 0 ? 0 : kFirstDataPort));
  w.repl_client = std::make_unique<SimReplClient>(&w.loop, &w.net, &w.trace, &w.options, kFirstDataPort, replicas);
  for (auto& d : w.servers) d->Start();
  w.repl_client->Start(kClientPort);

  ReplFaultInjector faults(&w);
  faults.Start();
  w.loop.At(w.heal_start_ms, [&] { faults.Heal(); });
  w.loop.At(std::max<int64_t>(w.heal_start_ms, w.end_ms - kWorkloadQuiesceMs), [&] {
    w.repl_client->Stop();
    w.trace.Add(w.loop.now_ms(), "client stops writing");
  });

  auto violation = [&](SimChecker& c, const Status& s) {
    r.ok = false;
    r.checker = c.name();
    r.violation = s.message();
    r.violation_step = w.loop.steps();
    r.violation_ms = w.loop.now_ms();
    w.trace.Add(w.loop.now_ms(), "VIOLATION " + r.checker + ": " + r.violation);
  };
  auto step = [&] {
    w.loop.Step();
    for (auto& c : checkers) {
      Status s = c->AfterStep(w);
      if (!s.ok()) {
        violation(*c, s);
        return;
      }
    }
  };
  while (r.ok && w.loop.steps() < options.max_steps) {
    int64_t next = w.loop.NextDueMs();
    if (next < 0 || next >= w.end_ms) break;
    step();
  }
  // Let what is on the wire arrive (and a stream waiting to be flushed go
  // out) before the final checks: at most kDrainMs more.
  auto drained = [&] {
    if (w.net.InFlight() > 0) return false;
    for (auto& d : w.servers)
      if (!d->quiescent()) return false;
    return true;
  };
  while (r.ok && !drained() && w.loop.steps() < options.max_steps) {
    int64_t next = w.loop.NextDueMs();
    if (next < 0 || next >= w.end_ms + kDrainMs) break;
    step();
  }
  if (r.ok) {
    for (auto& c : checkers) {
      Status s = c->AtEnd(w);
      if (!s.ok()) {
        violation(*c, s);
        break;
      }
    }
  }

  // Writes the master acknowledged that it does not hold at the end.
  auto master_data = w.servers[0]->Dataset();
  for (const SimReplClient::Write& a : w.repl_client->writes()) {
    if (a.acked_ms < 0) continue;
    auto it = master_data.find("0:" + a.key);
    if (it == master_data.end() || it->second != a.value) ++r.writes_lost;
  }
  w.trace.Add(w.loop.now_ms(), "END steps=" + std::to_string(w.loop.steps()) +
                                   " acked=" + std::to_string(w.repl_client->acked()) +
                                   " wait_acked=" + std::to_string(w.repl_client->wait_acked()) +
                                   " lost=" + std::to_string(r.writes_lost));
  r.steps = w.loop.steps();
  r.simulated_ms = r.ok ? w.end_ms : w.loop.now_ms();
  r.trace_hash = w.trace.hash();
  r.trace_lines = w.trace.lines();
  r.trace_tail = w.trace.Tail();
  r.messages = w.net.messages();
  r.resets = w.net.resets();
  r.faults = faults.faults();
  r.crashes = faults.crashes();
  r.writes_attempted = w.repl_client->writes().size();
  r.writes_acked = w.repl_client->acked();
  r.writes_failed = w.repl_client->errors();
  r.writes_wait_acked = w.repl_client->wait_acked();
  r.waits_full = w.repl_client->waits_full();
  r.waits_short = w.repl_client->waits_short();
  for (auto& d : w.servers) {
    r.full_syncs += d->full_syncs_loaded();
    r.partial_syncs += d->partial_syncs();
  }
  for (auto& c : checkers) {
    std::string s = c->Summary();
    if (!s.empty()) r.summaries.push_back(std::string(c->name()) + ": " + s);
  }
  return r;
}

}  // namespace troupe
