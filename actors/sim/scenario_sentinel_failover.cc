// Scenario `sentinel-failover`: a master and replicas (d1.. at 7001..), each
// running the real server code (SimServerNode: keyspace, command table,
// pub/sub, Replication, ReplicaLink; its redis.conf a file that CONFIG
// REWRITE rewrites), 3 or 5 real SentinelStates (26379.., SimSentinel:
// their links speak RESP to the data nodes and to each other) monitoring it
// with quorum `quorum`, and a client (SimReplClient) writing through
// whatever master the sentinels name, with WAIT <all replicas> every few
// writes.
//  - Fault phase [0, duration - heal): faults arrive at exponential
//    intervals (mean fault_interval_ms), each picked by the seed among the
//    enabled kinds: a data node crash and restart (the master with
//    probability crash_master_bias; the node keeps every write it applied,
//    as with appendfsync always), one node isolated, the Jepsen 2013
//    split {master, one replica, one sentinel} | {the rest} with the client
//    on a random side, a flapping node, a clock jump, a link drop between a
//    replica and the master; plus message delays and drops (= connection
//    resets) all along.
//  - Heal phase [duration - heal, duration): partitions healed, crashed
//    nodes restarted, no drops; the client stops writing 10 s before the end
//    so replication can catch up; the deployment must converge, and every
//    write WAIT acknowledged to all replicas must be on every node.
// The invariant checkers run after every step; the first violation stops
// the run.
//
// Who talks to it: sim_main.cc and tests/sim/sim_test.cc (RunSentinelFailover).
// Threading: single-threaded, one world per call.
#include <algorithm>
#include <cmath>
#include <map>

#include "actors/shard/keyspace/dict.h"
#include "actors/sim/sim_run_dir.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

constexpr int kFirstDataPort = 7001;
constexpr int kFirstSentinelPort = 26379;
constexpr int kClientPort = 50000;
constexpr int64_t kWorkloadQuiesceMs = 10'000;

class FaultInjector {
 public:
  explicit FaultInjector(SimWorld* w) : w_(w) {}

  // Faults at exponential intervals, each kind picked by the seed among
  // the enabled ones, until the heal phase.
  void Start() {
    const SimOptions& o = w_->options;
    std::vector<std::function<void()>> kinds;
    if (o.fault_crash) kinds.push_back([this] { Crash(); });
    if (o.fault_isolate) kinds.push_back([this] { Isolate(); });
    if (o.fault_split) kinds.push_back([this] { Split(); });
    if (o.fault_flap) kinds.push_back([this] { Flap(); });
    if (o.fault_clock) kinds.push_back([this] { ClockJump(); });
    if (o.fault_link) kinds.push_back([this] { LinkDrop(); });
    loop().RepeatAtRandom(o.fault_interval_ms, std::move(kinds), [this] { return w_->healing; });
  }
  uint64_t faults() const { return faults_; }
  uint64_t crashes() const { return crashes_; }

  // The heal phase: everything back, no more faults.
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

  // The data node most sentinels name as master.
  SimServerNode* CurrentMaster() {
    std::map<int, int> votes;
    for (auto& s : w_->sentinels) {
      int port = 0;
      int64_t epoch = 0;
      if (s->CurrentMaster(&port, &epoch)) votes[port]++;
    }
    int best = -1, n = 0;
    for (auto& [port, v] : votes)
      if (v > n) best = port, n = v;
    SimServerNode* d = w_->ServerByPort(best);
    return d ? d : w_->servers[0].get();
  }

  SimServerNode* PickData() {
    if (loop().Chance(w_->options.crash_master_bias)) return CurrentMaster();
    return w_->servers[loop().rng()() % w_->servers.size()].get();
  }

  // Any node: data nodes (the master favoured), sentinels, the client.
  NodeId PickNode() {
    if (loop().Chance(w_->options.crash_master_bias)) return CurrentMaster()->id();
    return static_cast<NodeId>(loop().rng()() % w_->net.node_count());
  }

  void Note(const std::string& what) {
    ++faults_;
    w_->trace.Add(loop().now_ms(), "FAULT " + what);
  }

  void Crash() {
    SimServerNode* d = PickData();
    if (!d->up()) return;
    int64_t down = Duration();
    ++crashes_;
    Note("crash " + d->name() + " for " + std::to_string(down) + " ms");
    d->CrashDurable();
    loop().After(down, [this, d] {
      if (!d->up()) d->Restart();
    });
  }

  // The connections between a replica and the master the sentinels name reset.
  void LinkDrop() {
    SimServerNode* master = CurrentMaster();
    SimServerNode* d = w_->servers[loop().rng()() % w_->servers.size()].get();
    if (d == master || !d->up() || !master->up()) return;
    int n = w_->net.ResetBetween(d->id(), master->id(), "link drop");
    Note("link drop " + d->name() + "<->" + master->name() + " (" + std::to_string(n) + " connections)");
  }

  // One partition at a time; its end heals every group.
  bool PartitionBusy() const { return partition_active_; }
  void EndPartitionLater(int64_t after) {
    uint64_t id = partition_;
    loop().After(after, [this, id] {
      if (id != partition_) return;
      partition_active_ = false;
      w_->net.HealPartitions();
      w_->trace.Add(loop().now_ms(), "FAULT partition healed");
    });
  }

  void Isolate() {
    if (PartitionBusy()) return;
    NodeId n = PickNode();
    int64_t d = Duration();
    ++partition_;
    partition_active_ = true;
    Note("isolate " + w_->net.name(n) + " for " + std::to_string(d) + " ms");
    w_->net.SetGroup(n, 1);
    EndPartitionLater(d);
  }

  void Split() {
    if (PartitionBusy()) return;
    SimServerNode* master = CurrentMaster();
    std::vector<SimServerNode*> others;
    for (auto& d : w_->servers)
      if (d.get() != master) others.push_back(d.get());
    SimServerNode* replica = others[loop().rng()() % others.size()];
    SimSentinel* sentinel = w_->sentinels[loop().rng()() % w_->sentinels.size()].get();
    bool client_minority = loop().Chance(0.5);
    int64_t d = Duration();
    ++partition_;
    partition_active_ = true;
    Note("split {" + master->name() + "," + replica->name() + "," + sentinel->name() +
         (client_minority ? ",client" : "") + "} | {rest} for " + std::to_string(d) + " ms");
    w_->net.SetGroup(master->id(), 1);
    w_->net.SetGroup(replica->id(), 1);
    w_->net.SetGroup(sentinel->id(), 1);
    if (client_minority) w_->net.SetGroup(w_->repl_client->id(), 1);
    EndPartitionLater(d);
  }

  void Flap() {
    if (PartitionBusy()) return;
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
    size_t total = w_->sentinels.size() + w_->servers.size();
    size_t i = loop().rng()() % total;
    if (i < w_->sentinels.size()) {
      w_->sentinels[i]->clock().Jump(jump);
      Note("clock jump " + w_->sentinels[i]->name() + " " + std::to_string(jump) + " ms");
    } else {
      SimServerNode& d = *w_->servers[i - w_->sentinels.size()];
      d.clock().Jump(jump);
      Note("clock jump " + d.name() + " " + std::to_string(jump) + " ms");
    }
  }

  SimWorld* w_;
  uint64_t faults_ = 0;
  uint64_t crashes_ = 0;
  uint64_t partition_ = 0;
  bool partition_active_ = false;
};

}  // namespace

SimResult RunSentinelFailover(const SimOptions& options, std::function<void(const std::string&)> line) {
  // The keyspace's hash seed decides iteration order, so the bytes of every
  // RDB: it comes from the run's seed.
  SetHashSeedForSimulation(options.seed * 0x9E3779B97F4A7C15ULL + 0x5e27);
  SimWorld w(options);
  if (line) w.trace.set_sink(line);
  SimResult r;
  w.end_ms = options.duration_ms;
  w.heal_start_ms = std::max<int64_t>(0, options.duration_ms - options.heal_ms);
  w.trace.Add(0, "sim " + DescribeOptions(options));
  SimRunDir dir;  // the data nodes' redis.conf files
  if (dir.path().empty()) {
    r.ok = false;
    r.checker = "setup";
    r.violation = "no scratch directory for the redis.conf files (/dev/shm, $TMPDIR, /tmp)";
    return r;
  }

  std::vector<std::unique_ptr<SimChecker>> checkers;
  checkers.push_back(MakeOneLeaderPerEpochChecker());
  checkers.push_back(MakeOneMasterPerEpochChecker());
  checkers.push_back(MakeConvergenceChecker());
  checkers.push_back(MakeWaitAckedWritesSurviveChecker());

  int n_data = std::max(2, options.data_nodes);
  for (int i = 0; i < n_data; ++i) {
    std::string name = "d" + std::to_string(i + 1);
    auto node = std::make_unique<SimServerNode>(&w.loop, &w.net, &w.trace, &w.options, name, kFirstDataPort + i,
                                                i == 0 ? 0 : kFirstDataPort);
    node->SetConfigFile(dir.path() + "/" + name + ".conf");
    w.servers.push_back(std::move(node));
  }
  for (int i = 0; i < std::max(1, options.sentinels); ++i)
    w.sentinels.push_back(std::make_unique<SimSentinel>(&w.loop, &w.net, &w.trace, &w.options,
                                                        "s" + std::to_string(i + 1), kFirstSentinelPort + i,
                                                        w.loop.rng()()));
  w.repl_client = std::make_unique<SimReplClient>(&w.loop, &w.net, &w.trace, &w.options, kFirstDataPort, n_data - 1);
  // The client asks a sentinel it can reach (picked by the seed) for the
  // master before every write (SENTINEL get-master-addr-by-name).
  w.repl_client->SetMasterResolver([&w] {
    std::vector<SimSentinel*> reachable;
    for (auto& s : w.sentinels)
      if (w.net.Reachable(w.repl_client->id(), s->id())) reachable.push_back(s.get());
    if (reachable.empty()) return 0;
    SimSentinel* s = reachable[w.loop.rng()() % reachable.size()];
    int port = 0;
    int64_t epoch = 0;
    return s->CurrentMaster(&port, &epoch) ? port : 0;
  });
  for (auto& d : w.servers) d->Start();
  auto hook = [&](SimSentinel& s, const std::string& type, const std::string& text) {
    if (type == "+switch-master") ++r.switch_master_events;
    for (auto& c : checkers) c->OnSentinelEvent(w, s, type, text);
  };
  for (auto& s : w.sentinels) s->Start(kFirstDataPort, hook);
  w.repl_client->Start(kClientPort);

  FaultInjector faults(&w);
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
  while (r.ok && w.loop.steps() < options.max_steps) {
    int64_t next = w.loop.NextDueMs();
    if (next < 0 || next >= w.end_ms) break;
    w.loop.Step();
    for (auto& c : checkers) {
      Status s = c->AfterStep(w);
      if (!s.ok()) {
        violation(*c, s);
        break;
      }
    }
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

  // Writes the master acknowledged that the final master does not hold
  // (Redis Sentinel loses them on failover: reported, not flagged).
  SimServerNode* master = nullptr;
  int port = 0;
  int64_t epoch = 0;
  if (w.sentinels[0]->CurrentMaster(&port, &epoch)) master = w.ServerByPort(port);
  if (master != nullptr) {
    auto data = master->Dataset();
    for (const SimReplClient::Write& a : w.repl_client->writes()) {
      if (a.acked_ms < 0) continue;
      auto it = data.find("0:" + a.key);
      if (it == data.end() || it->second != a.value) ++r.writes_lost;
    }
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
  // The nodes go before the directory that holds their files.
  w.repl_client.reset();
  w.sentinels.clear();
  w.servers.clear();
  return r;
}

}  // namespace troupe
