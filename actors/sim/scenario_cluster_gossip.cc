// Scenario `cluster-gossip`: a Redis Cluster of `cluster_masters` masters
// with `cluster_replicas` replicas each (n1.. at 127.0.0.1:7001..), every
// node the real ClusterState + ClusterBus (actors/cluster/) with its
// nodes.conf on disk, in a SimClusterWorld (virtual clock, in-memory
// network). The world's generator, its tie-breaking among events due at the
// same millisecond and its message delays all come from the run's seed.
//  - Creation at t=0, as `redis-cli --cluster create --cluster-replicas R`:
//    the slots split evenly among the masters with config epochs 1..M,
//    distinct config epochs for the others (SET-CONFIG-EPOCH), CLUSTER MEET
//    from n1 to every node, then CLUSTER REPLICATE on each replica once it
//    knows its master, then waiting until every node agrees (retried every
//    10 ms, at most 10 s). No drops meanwhile unless create_drops: a lost
//    MEET is never resent (the bus clears the MEET flag when it sends it,
//    as Redis 7.0 does), so the met node would never learn anyone.
//  - Fault phase [creation, duration - heal): faults at exponential
//    intervals (mean fault_interval_ms), each picked by the seed among the
//    enabled kinds: a node crash (kill -9; a master with probability
//    crash_master_bias) and restart from its nodes.conf, one node isolated,
//    a minority/majority split, a flapping node, a reset of one node's bus
//    links, a wall-clock jump on one node; plus message delays and drops
//    (a drop resets its connection) all along. Replica failover runs as the
//    bus implements it (FAIL, election, votes, a higher config epoch).
//  - Heal phase [duration - heal, duration): partitions healed, crashed
//    nodes restarted, no drops; the cluster must settle on one slot map.
// The scenario drives the world in steps: it runs the world up to the next
// event of the simulator's loop (a fault, a heal, the once-a-second view
// digest) and then runs that event. The checkers run after every event of
// the world (for the node whose code ran), after every loop event (for all
// nodes), and at the end. The trace holds every bus message delivered (type,
// epochs, role, slot count, failure flags of the gossip), connection events,
// the faults, role changes, and a digest of each node's view when it
// changed; node ids are shown as node names.
//
// Who talks to it: sim_main.cc and tests/sim/sim_test.cc (RunClusterGossip).
// Threading: single-threaded, one world per call.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/cluster/cluster_bus.h"
#include "actors/cluster/cluster_state.h"
#include "actors/sim/sim_run_dir.h"
#include "actors/sim/sim_world.h"
#include "proto/cluster_bus.pb.h"

namespace troupe {
namespace {

constexpr int64_t kDigestPeriodMs = 1'000;
constexpr int64_t kCreateRetryMs = 10;
constexpr int64_t kCreateLimitMs = 10'000;

uint64_t Fnv(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex16(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

int CountSlots(const std::string& bitmap) {
  static const auto kBits = [] {
    std::array<uint8_t, 256> t{};
    for (int i = 0; i < 256; ++i) t[static_cast<size_t>(i)] = static_cast<uint8_t>((i & 1) + t[static_cast<size_t>(i / 2)]);
    return t;
  }();
  int n = 0;
  for (unsigned char c : bitmap) n += kBits[c];
  return n;
}

// What the trace shows of the cluster: node ids as names, messages in a line.
class ClusterNames {
 public:
  void Add(const std::string& id, const std::string& name) { names_[id] = name; }
  std::string Of(const std::string& id) const {
    auto it = names_.find(id);
    return it != names_.end() ? it->second : id.substr(0, 8);
  }

  std::string Describe(const cluster::bus::BusMessage& m) const {
    namespace pb = cluster::bus;
    const pb::Header& h = m.header();
    std::string out;
    const google::protobuf::RepeatedPtrField<pb::Gossip>* gossip = nullptr;
    switch (m.body_case()) {
      case pb::BusMessage::kPing: out = "ping"; gossip = &m.ping().gossip(); break;
      case pb::BusMessage::kMeet: out = "meet"; gossip = &m.meet().gossip(); break;
      case pb::BusMessage::kPong: out = "pong"; gossip = &m.pong().gossip(); break;
      case pb::BusMessage::kFail: out = "fail about " + Of(m.fail().node_id()); break;
      case pb::BusMessage::kUpdate:
        out = "update about " + Of(m.update().node_id()) + " cfg=" + std::to_string(m.update().config_epoch()) +
              " slots=" + std::to_string(CountSlots(m.update().slots()));
        break;
      case pb::BusMessage::kPublish: out = "publish"; break;
      case pb::BusMessage::kFailoverAuthRequest:
        out = std::string("auth-req") + (m.failover_auth_request().force() ? " force" : "");
        break;
      case pb::BusMessage::kFailoverAuthAck: out = "auth-ack epoch=" + std::to_string(m.failover_auth_ack().epoch()); break;
      case pb::BusMessage::kMfStart: out = "mfstart"; break;
      default: out = "?"; break;
    }
    out += " cur=" + std::to_string(h.current_epoch()) + " cfg=" + std::to_string(h.config_epoch());
    out += h.master_id().empty() ? " master" : " replica-of " + Of(h.master_id());
    out += " slots=" + std::to_string(CountSlots(h.slots()));
    if (gossip != nullptr) {
      out += " g=" + std::to_string(gossip->size());
      for (const pb::Gossip& g : *gossip) {
        if (g.flags() & kNodeFail)
          out += " " + Of(g.node_id()) + ":fail";
        else if (g.flags() & kNodePfail)
          out += " " + Of(g.node_id()) + ":pfail";
      }
    }
    return out;
  }

 private:
  std::map<std::string, std::string> names_;
};

class ClusterFaultInjector {
 public:
  ClusterFaultInjector(SimWorld* w, const ClusterNames* names) : w_(w), c_(*w->cluster), names_(names) {}

  // Faults at exponential intervals, each kind picked by the seed among
  // the enabled ones, until the heal phase.
  void Start() {
    const SimOptions& o = w_->options;
    std::vector<std::function<void()>> kinds;
    if (o.fault_crash) kinds.push_back([this] { Crash(); });
    if (o.fault_isolate) kinds.push_back([this] { Isolate(); });
    if (o.fault_split) kinds.push_back([this] { Split(); });
    if (o.fault_flap) kinds.push_back([this] { Flap(); });
    if (o.fault_link) kinds.push_back([this] { LinkReset(); });
    if (o.fault_clock) kinds.push_back([this] { ClockJump(); });
    loop().RepeatAtRandom(o.fault_interval_ms, std::move(kinds), [this] { return w_->healing; });
  }
  uint64_t faults() const { return faults_; }
  uint64_t crashes() const { return crashes_; }
  uint64_t partitions() const { return partitions_; }

  // The heal phase: everything back, no more faults.
  void Heal() {
    w_->healing = true;
    ++partition_;  // pending partition ends and flaps become no-ops
    c_.Heal();
    c_.set_drop_probability(0);
    c_.set_duplicate_probability(0);
    for (int i = 0; i < c_.size(); ++i)
      if (!c_.up(i)) Restart(i);
    w_->trace.Add(loop().now_ms(), "HEAL: partitions healed, nodes restarted, drops and duplicates off");
  }

  // Test-only (--test-corrupt-slots): once, in some node's view, the slots
  // of one master are given to another master with an older config epoch,
  // behind that node's bus (nodes.conf saved too).
  void ScheduleCorruption(int64_t at) {
    loop().At(at, [this] { Corrupt(); });
  }

 private:
  SimLoop& loop() { return w_->loop; }

  int64_t Duration() { return loop().Uniform(w_->options.fault_min_ms, w_->options.fault_max_ms); }

  void Note(const std::string& what) {
    ++faults_;
    w_->trace.Add(loop().now_ms(), "FAULT " + what);
  }

  // A master serving slots (in its own view) with probability
  // crash_master_bias, else any node.
  int PickNode() {
    if (loop().Chance(w_->options.crash_master_bias)) {
      std::vector<int> masters;
      for (int i = 0; i < c_.size(); ++i)
        if (c_.up(i) && c_.state(i).myself().is_master() && c_.state(i).myself().num_slots > 0) masters.push_back(i);
      if (!masters.empty()) return masters[loop().rng()() % masters.size()];
    }
    return static_cast<int>(loop().rng()() % static_cast<uint64_t>(c_.size()));
  }

  void Restart(int i) {
    c_.Restart(i);
    const ClusterNode& me = c_.state(i).myself();
    w_->trace.Add(loop().now_ms(), SimClusterWorld::Name(i) + " restarts from its nodes.conf: " +
                                       (me.is_master() ? "master" : "replica") + ", config epoch " +
                                       std::to_string(me.config_epoch) + ", current epoch " +
                                       std::to_string(c_.state(i).current_epoch) + ", " +
                                       std::to_string(me.num_slots) + " slots");
  }

  void Crash() {
    int i = PickNode();
    if (!c_.up(i)) return;
    int64_t down = Duration();
    ++crashes_;
    Note("crash " + SimClusterWorld::Name(i) + " for " + std::to_string(down) + " ms");
    c_.Kill(i);
    loop().After(down, [this, i] {
      if (!w_->healing && !c_.up(i)) Restart(i);
    });
  }

  // One partition at a time; its end heals every cut.
  void EndPartitionLater(int64_t after) {
    uint64_t id = partition_;
    loop().After(after, [this, id] {
      if (id != partition_) return;
      partition_active_ = false;
      c_.Heal();
      w_->trace.Add(loop().now_ms(), "FAULT partition healed");
    });
  }

  void Isolate() {
    if (partition_active_) return;
    int i = PickNode();
    int64_t d = Duration();
    ++partition_;
    ++partitions_;
    partition_active_ = true;
    Note("isolate " + SimClusterWorld::Name(i) + " for " + std::to_string(d) + " ms");
    c_.Partition({i});
    EndPartitionLater(d);
  }

  // A minority (at most (n-1)/2 nodes, the first a master when the bias
  // says so) cut off from the majority.
  void Split() {
    if (partition_active_) return;
    int n = c_.size();
    int k = static_cast<int>(loop().Uniform(1, std::max(1, (n - 1) / 2)));
    std::set<int> side = {PickNode()};
    for (int guard = 0; static_cast<int>(side.size()) < k && guard < 16 * n; ++guard)
      side.insert(static_cast<int>(loop().rng()() % static_cast<uint64_t>(n)));
    int64_t d = Duration();
    ++partition_;
    ++partitions_;
    partition_active_ = true;
    std::string names;
    for (int i : side) names += (names.empty() ? "" : ",") + SimClusterWorld::Name(i);
    Note("split {" + names + "} | {rest} for " + std::to_string(d) + " ms");
    c_.Partition(side);
    EndPartitionLater(d);
  }

  void Flap() {
    if (partition_active_) return;
    int i = PickNode();
    int flips = static_cast<int>(loop().Uniform(3, 8)) * 2;
    ++partition_;
    ++partitions_;
    partition_active_ = true;
    Note("flap " + SimClusterWorld::Name(i) + " " + std::to_string(flips / 2) + " times");
    FlapStep(partition_, i, flips);
  }

  void FlapStep(uint64_t id, int i, int left) {
    if (id != partition_) return;
    if (left == 0) {
      partition_active_ = false;
      c_.Heal();
      w_->trace.Add(loop().now_ms(), "FAULT flap over");
      return;
    }
    if (left % 2 == 0)
      c_.Partition({i});
    else
      c_.Heal();
    loop().After(loop().Uniform(500, 3000), [this, id, i, left] { FlapStep(id, i, left - 1); });
  }

  void LinkReset() {
    int i = PickNode();
    if (!c_.up(i)) return;
    int n = c_.ResetLinks(i, "link reset");
    Note("link reset " + SimClusterWorld::Name(i) + " (" + std::to_string(n) + " connections)");
  }

  void ClockJump() {
    int64_t max = w_->options.clock_jump_max_ms;
    if (max <= 0) return;
    int64_t jump = loop().Uniform(-max, max);
    if (jump == 0) jump = 1;
    int i = static_cast<int>(loop().rng()() % static_cast<uint64_t>(c_.size()));
    c_.JumpClock(i, jump);
    Note("clock jump " + SimClusterWorld::Name(i) + " " + std::to_string(jump) + " ms");
  }

  void Corrupt() {
    if (w_->healing) return;
    int n = c_.size();
    int start = static_cast<int>(loop().rng()() % static_cast<uint64_t>(n));
    for (int k = 0; k < n; ++k) {
      int x = (start + k) % n;
      if (!c_.up(x)) continue;
      ClusterState& cs = c_.state(x);
      // Masters serving slots in x's view, other than x.
      const ClusterNode* newest = nullptr;
      const ClusterNode* oldest = nullptr;
      for (const ClusterNode* m : cs.NodesInOrder()) {
        if (m->is_myself() || !m->is_master() || m->num_slots == 0) continue;
        if (newest == nullptr || m->config_epoch > newest->config_epoch) newest = m;
        if (oldest == nullptr || m->config_epoch < oldest->config_epoch) oldest = m;
      }
      if (newest == nullptr || oldest == nullptr || newest == oldest) continue;
      ClusterNode* to = cs.Find(oldest->id);
      std::string from_id = newest->id;
      int moved = 0;
      for (int s = 0; s < kClusterSlots; ++s) {
        const ClusterNode* o = cs.owner(s);
        if (o == nullptr || o->id != from_id) continue;
        cs.AssignSlot(s, to);
        ++moved;
      }
      (void)cs.Save();
      w_->trace.Add(loop().now_ms(), "TEST corrupt " + SimClusterWorld::Name(x) + "'s slot table: " +
                                         std::to_string(moved) + " slots of " + names_->Of(from_id) +
                                         " given to " + names_->Of(to->id) + " behind its bus");
      return;
    }
    loop().After(1000, [this] { Corrupt(); });  // no node with two masters in view yet
  }

  SimWorld* w_;
  SimClusterWorld& c_;
  const ClusterNames* names_;
  uint64_t faults_ = 0;
  uint64_t crashes_ = 0;
  uint64_t partitions_ = 0;
  uint64_t partition_ = 0;
  bool partition_active_ = false;
};

// Role changes of each node (trace lines, and promotions counted).
struct RoleWatch {
  bool known = false;
  bool master = false;
  std::string master_id;
  uint64_t config_epoch = 0;
};

// A cheap summary of what node i's view digest depends on: every known
// node's id, role, master, config epoch, slot count and failure flags.
uint64_t ViewSummary(const ClusterState& cs) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  for (const ClusterNode* n : cs.NodesInOrder()) {
    for (char c : n->id) mix(static_cast<unsigned char>(c));
    for (char c : n->master_id) mix(static_cast<unsigned char>(c));
    mix(n->flags);
    mix(n->config_epoch);
    mix(static_cast<uint64_t>(n->num_slots));
  }
  mix(cs.current_epoch);
  return h;
}

}  // namespace

SimResult RunClusterGossip(const SimOptions& options, std::function<void(const std::string&)> line) {
  SimWorld w(options);
  if (line) w.trace.set_sink(line);
  SimResult r;
  w.end_ms = options.duration_ms;
  w.heal_start_ms = std::max<int64_t>(0, options.duration_ms - options.heal_ms);
  w.trace.Add(0, "sim " + DescribeOptions(options));
  SimRunDir dir;
  if (dir.path().empty()) {
    r.ok = false;
    r.checker = "setup";
    r.violation = "no scratch directory for nodes.conf (/dev/shm, $TMPDIR, /tmp)";
    return r;
  }

  std::vector<std::unique_ptr<SimChecker>> checkers;
  checkers.push_back(MakeClusterSlotEpochsChecker());
  checkers.push_back(MakeClusterOneVotePerEpochChecker());
  checkers.push_back(MakeClusterOneSlotMapAfterHealChecker());

  const int masters = std::max(1, options.cluster_masters);
  const int per_master = std::max(0, options.cluster_replicas);
  const int n = masters * (1 + per_master);
  w.cluster = std::make_unique<SimClusterWorld>(dir.path(), n, options.cluster_node_timeout_ms, w.loop.rng()());
  SimClusterWorld& c = *w.cluster;
  c.set_shuffle_ties(true);
  const SimOptions* opts = &w.options;
  c.set_delay([opts](std::mt19937_64& rng) { return DrawMessageDelay(*opts, rng); });
  const double drop_p = options.fault_drop ? options.drop_probability : 0;
  c.set_drop_probability(options.cluster_create_drops ? drop_p : 0);

  ClusterNames names;
  for (int i = 0; i < n; ++i) {
    names.Add(c.state(i).myself().id, SimClusterWorld::Name(i));
    w.trace.Add(0, SimClusterWorld::Name(i) + " is node " + c.state(i).myself().id + " at 127.0.0.1:" +
                       std::to_string(c.port(i)));
  }

  auto violation = [&](SimChecker& ch, const Status& s) {
    r.ok = false;
    r.checker = ch.name();
    r.violation = s.message();
    r.violation_step = w.loop.steps() + r.steps;
    r.violation_ms = c.now_ms();
    w.trace.Add(c.now_ms(), "VIOLATION " + r.checker + ": " + r.violation);
    c.RequestStop();
  };

  std::vector<RoleWatch> roles(static_cast<size_t>(n));
  SimClusterWorld::Observer observer;
  observer.on_send = [&](int from, int to, const cluster::bus::BusMessage& m) {
    if (m.has_failover_auth_ack()) ++r.votes;
    for (auto& ch : checkers) ch->OnClusterSend(w, from, to, m);
  };
  observer.on_deliver = [&](int from, int to, const cluster::bus::BusMessage& m) {
    w.trace.Add(c.now_ms(), SimClusterWorld::Name(from) + "->" + SimClusterWorld::Name(to) + " " + names.Describe(m));
  };
  observer.on_note = [&](const std::string& text) {
    if (text.find(" reset: ") != std::string::npos) ++r.resets;
    w.trace.Add(c.now_ms(), text);
  };
  observer.after_event = [&](int node) {
    ++r.steps;
    if (node >= 0 && c.up(node)) {
      const ClusterNode& me = c.state(node).myself();
      RoleWatch& rw = roles[static_cast<size_t>(node)];
      if (!rw.known || rw.master != me.is_master() || rw.master_id != me.master_id ||
          rw.config_epoch != me.config_epoch) {
        if (rw.known && !rw.master && me.is_master()) ++r.promotions;
        if (rw.known)
          w.trace.Add(c.now_ms(), SimClusterWorld::Name(node) + " is now " +
                                      (me.is_master() ? "a master" : "a replica of " + names.Of(me.master_id)) +
                                      ", config epoch " + std::to_string(me.config_epoch) + ", " +
                                      std::to_string(me.num_slots) + " slots");
        rw = RoleWatch{true, me.is_master(), me.master_id, me.config_epoch};
      }
    }
    for (auto& ch : checkers) {
      if (!r.ok) return;
      Status s = ch->AfterClusterEvent(w, node);
      if (!s.ok()) violation(*ch, s);
    }
  };
  c.set_observer(observer);

  ClusterFaultInjector faults(&w, &names);

  // redis-cli --cluster create: slots and epochs, MEET, then REPLICATE.
  for (int k = 0; k < masters; ++k) {
    int first = k * kClusterSlots / masters, last = (k + 1) * kClusterSlots / masters - 1;
    c.AddSlots(k, first, last, static_cast<uint64_t>(k + 1));
  }
  for (int i = masters; i < n; ++i) {
    ClusterState& cs = c.state(i);
    cs.myself().config_epoch = static_cast<uint64_t>(i + 1);
    cs.current_epoch = static_cast<uint64_t>(i + 1);
    (void)cs.Save();
  }
  for (int i = 1; i < n; ++i) c.Meet(0, i);
  w.trace.Add(0, "create: " + std::to_string(masters) + " masters, " + std::to_string(per_master) +
                     " replicas each; MEET from n1 to every node");
  std::vector<bool> attached(static_cast<size_t>(n), false);
  for (int i = 0; i < masters; ++i) attached[static_cast<size_t>(i)] = true;
  auto start_faults = [&] {
    c.set_drop_probability(drop_p);
    c.set_duplicate_probability(options.fault_dup ? options.dup_probability : 0);
    faults.Start();
    if (options.test_corrupt_slots && w.heal_start_ms > w.loop.now_ms() + 5'000)
      faults.ScheduleCorruption(w.loop.Uniform(w.loop.now_ms() + 5'000, w.heal_start_ms - 1));
  };
  auto attach = std::make_shared<std::function<void()>>();
  *attach = [&, attach] {
    bool all = true;
    for (int i = masters; i < n; ++i) {
      if (attached[static_cast<size_t>(i)]) continue;
      int master = (i - masters) % masters;
      if (c.up(i) && c.Replicate(i, master)) {
        attached[static_cast<size_t>(i)] = true;
        w.trace.Add(w.loop.now_ms(), "create: CLUSTER REPLICATE " + SimClusterWorld::Name(master) + " on " +
                                         SimClusterWorld::Name(i));
      } else {
        all = false;
      }
    }
    // As redis-cli, wait for the cluster to join (every view the same).
    if ((all && c.Converged()) || w.loop.now_ms() >= kCreateLimitMs) {
      w.trace.Add(w.loop.now_ms(), all && c.Converged() ? "create: done, every node agrees"
                                                       : "create: gave up waiting for the cluster to join");
      start_faults();
      return;
    }
    w.loop.After(kCreateRetryMs, *attach);
  };
  w.loop.At(0, [attach] { (*attach)(); });

  // Once a second: a digest of each view that changed.
  std::vector<uint64_t> shown(static_cast<size_t>(n), 0);
  auto digest = std::make_shared<std::function<void()>>();
  *digest = [&, digest] {
    for (int i = 0; i < n; ++i) {
      if (!c.up(i)) continue;
      ClusterState& cs = c.state(i);
      uint64_t summary = ViewSummary(cs);
      if (summary == shown[static_cast<size_t>(i)]) continue;
      shown[static_cast<size_t>(i)] = summary;
      std::string flags;
      for (const ClusterNode* node : cs.NodesInOrder())
        if (node->flags & (kNodePfail | kNodeFail | kNodeHandshake | kNodeNoAddr))
          flags += " " + names.Of(node->id) + ":" + ClusterState::FlagsText(node->flags & ~kNodeMyself);
      w.trace.Add(w.loop.now_ms(), "view " + SimClusterWorld::Name(i) + " " + Hex16(Fnv(c.ViewOf(i))) + " cur=" +
                                       std::to_string(cs.current_epoch) + " nodes=" +
                                       std::to_string(cs.known_nodes()) + flags);
    }
    w.loop.After(kDigestPeriodMs, *digest);
  };
  w.loop.At(kDigestPeriodMs, [digest] { (*digest)(); });
  w.loop.At(w.heal_start_ms, [&] { faults.Heal(); });

  // Drive: the world up to the loop's next event, then that event.
  uint64_t guard = 0;
  while (r.ok && w.loop.steps() + r.steps < options.max_steps && guard++ < options.max_steps) {
    int64_t next = w.loop.NextDueMs();
    int64_t target = next < 0 || next >= w.end_ms ? w.end_ms : next;
    if (target > c.now_ms()) c.RunMs(target - c.now_ms());
    if (!r.ok || target >= w.end_ms) break;
    w.loop.Step();
    for (auto& ch : checkers) {
      Status s = ch->AfterStep(w);
      if (!s.ok()) {
        violation(*ch, s);
        break;
      }
    }
  }
  if (r.ok) {
    for (auto& ch : checkers) {
      Status s = ch->AtEnd(w);
      if (!s.ok()) {
        violation(*ch, s);
        break;
      }
    }
  }

  w.trace.Add(c.now_ms(), "END steps=" + std::to_string(w.loop.steps() + r.steps) + " messages=" +
                              std::to_string(c.messages_delivered()) + " duplicated=" +
                              std::to_string(c.duplicated()) + " promotions=" +
                              std::to_string(r.promotions) + " votes=" + std::to_string(r.votes));
  r.steps += w.loop.steps();
  r.simulated_ms = r.ok ? w.end_ms : c.now_ms();
  r.trace_hash = w.trace.hash();
  r.trace_lines = w.trace.lines();
  r.trace_tail = w.trace.Tail();
  r.messages = c.messages_delivered();
  r.faults = faults.faults();
  r.crashes = faults.crashes();
  r.partitions = faults.partitions();
  for (auto& ch : checkers) {
    std::string s = ch->Summary();
    if (!s.empty()) r.summaries.push_back(std::string(ch->name()) + ": " + s);
  }
  w.cluster.reset();  // releases the nodes.conf locks before the directory goes
  return r;
}

}  // namespace troupe
