// SimClusterWorld (see sim_cluster_world.h).
#include "actors/sim/sim_cluster_world.h"

#include <sys/stat.h>

#include <algorithm>
#include <iterator>

#include "actors/sim/sim_loop.h"
#include "proto/cluster_bus.pb.h"

namespace troupe {

namespace {
constexpr char kIp[] = "127.0.0.1";
// A connect across a partition fails after this long (a SYN nobody answers).
constexpr int64_t kCutConnectFailMs = 1000;
}  // namespace

// A node's clock: the world's virtual time plus this machine's wall-clock
// jumps (the monotonic clock never jumps). It outlives the node's
// processes, as a machine's clock does.
class SimClusterWorld::NodeClock final : public Clock {
 public:
  explicit NodeClock(const ManualClock* base) : base_(base) {}
  int64_t UnixMs() const override { return base_->UnixMs() + jump_ms_; }
  int64_t UnixUs() const override { return base_->UnixUs() + jump_ms_ * 1000; }
  int64_t MonotonicUs() const override { return base_->MonotonicUs(); }
  void Jump(int64_t ms) { jump_ms_ += ms; }

 private:
  const ManualClock* base_;
  int64_t jump_ms_ = 0;
};

struct SimClusterWorld::Node {
  int index = 0;
  std::string dir;
  bool up = false;
  uint64_t gen = 0;  // bumped at every kill: stale events check it
  std::unique_ptr<NodeClock> clock;
  std::unique_ptr<ClusterState> state;
  std::unique_ptr<Io> io;
  std::unique_ptr<ClusterBus> bus;
  std::map<BusLinkId, size_t> links;  // link id -> pipe index
  BusLinkId next_inbound = 0;
};

class SimClusterWorld::Io final : public ClusterBusIo {
 public:
  Io(SimClusterWorld* w, int node) : w_(w), node_(node) {}

  void Connect(BusLinkId link, const std::string&, int cport) override {
    SimClusterWorld* w = w_;
    int src = node_;
    uint64_t gen = w->nodes_[static_cast<size_t>(src)]->gen;
    int target = cport - 10000 - 7001;
    bool cut = target >= 0 && target < w->size() && w->Cut(src, target);
    w->Schedule(cut ? kCutConnectFailMs : w->Delay(), [w, src, gen, target, link] {
      Node& s = *w->nodes_[static_cast<size_t>(src)];
      if (!s.up || s.gen != gen) return;
      if (target < 0 || target >= w->size() || !w->nodes_[static_cast<size_t>(target)]->up || w->Cut(src, target)) {
        bool timeout = target >= 0 && target < w->size() && w->Cut(src, target);
        w->Note(Name(src) + "->" + (target >= 0 && target < w->size() ? Name(target) : "?") + " connect " +
                (timeout ? "timed out" : "refused"));
        s.bus->OnConnectFailed(link, timeout ? "Connection timed out" : "Connection refused");
        return;
      }
      Node& t = *w->nodes_[static_cast<size_t>(target)];
      Pipe p;
      p.a = src;
      p.b = target;
      p.a_link = link;
      p.b_link = ++t.next_inbound;
      p.open = true;
      w->pipes_.push_back(p);
      size_t index = w->pipes_.size() - 1;
      s.links[link] = index;
      t.links[p.b_link] = index;
      w->Note(Name(src) + "->" + Name(target) + " connected");
      t.bus->OnInbound(p.b_link, kIp, kIp);
      s.bus->OnConnected(link, kIp);
    }, src);
  }

  void Send(BusLinkId link, const cluster::bus::BusMessage& msg) override {
    Node& me = *w_->nodes_[static_cast<size_t>(node_)];
    auto it = me.links.find(link);
    if (it == me.links.end()) return;
    size_t pi = it->second;
    Pipe& p = w_->pipes_[pi];
    if (!p.open) return;
    bool ab = p.a == node_;
    if (w_->observer_.on_send) w_->observer_.on_send(node_, ab ? p.b : p.a, msg);
    if (w_->drop_probability_ > 0 && w_->Chance(w_->drop_probability_)) {
      w_->ResetPipe(pi, "message dropped");
      return;
    }
    std::string bytes;
    msg.SerializeToString(&bytes);
    int64_t& last = ab ? p.last_due_ab : p.last_due_ba;
    int64_t due = std::max(w_->now_ms_ + w_->Delay(), last);  // in order on one connection
    last = due;
    SimClusterWorld* w = w_;
    int to_index = ab ? p.b : p.a;
    auto deliver = [w, pi, ab, bytes] {
      Pipe& pp = w->pipes_[pi];
      if (!pp.open) return;
      Node& to = *w->nodes_[static_cast<size_t>(ab ? pp.b : pp.a)];
      if (!to.up) return;
      cluster::bus::BusMessage m;
      if (!m.ParseFromString(bytes)) return;
      w->delivered_++;
      if (w->observer_.on_deliver) w->observer_.on_deliver(ab ? pp.a : pp.b, ab ? pp.b : pp.a, m);
      to.bus->OnMessage(ab ? pp.b_link : pp.a_link, m);
    };
    w_->Schedule(due - w_->now_ms_, deliver, to_index);
    if (w_->dup_probability_ > 0 && w_->Chance(w_->dup_probability_)) {
      w_->duplicated_++;
      w_->Note(Name(node_) + "->" + Name(to_index) + " duplicated");
      w_->Schedule(due - w_->now_ms_, deliver, to_index);
    }
  }

  void Close(BusLinkId link) override {
    Node& me = *w_->nodes_[static_cast<size_t>(node_)];
    auto it = me.links.find(link);
    if (it == me.links.end()) return;
    size_t pi = it->second;
    me.links.erase(it);
    Pipe& p = w_->pipes_[pi];
    if (!p.open) return;
    p.open = false;
    int other = p.a == node_ ? p.b : p.a;
    BusLinkId other_link = p.a == node_ ? p.b_link : p.a_link;
    SimClusterWorld* w = w_;
    uint64_t gen = w->nodes_[static_cast<size_t>(other)]->gen;
    w_->Note(Name(node_) + "->" + Name(other) + " close");
    w_->Schedule(w_->Delay(), [w, other, other_link, gen] {
      Node& o = *w->nodes_[static_cast<size_t>(other)];
      if (!o.up || o.gen != gen || o.links.erase(other_link) == 0) return;
      o.bus->OnClosed(other_link);
    }, other);
  }

 private:
  SimClusterWorld* w_;
  int node_;
};

SimClusterWorld::SimClusterWorld(std::string dir, int nodes, int64_t node_timeout_ms, uint64_t seed,
                                 int64_t max_delay_ms)
    : dir_(std::move(dir)), node_timeout_ms_(node_timeout_ms), max_delay_ms_(max_delay_ms), rng_(seed) {
  for (int i = 0; i < nodes; ++i) {
    auto n = std::make_unique<Node>();
    n->index = i;
    n->dir = dir_ + "/node" + std::to_string(i);
    n->clock = std::make_unique<NodeClock>(&clock_);
    mkdir(n->dir.c_str(), 0755);
    nodes_.push_back(std::move(n));
    StartNode(i);
  }
}

SimClusterWorld::~SimClusterWorld() = default;

ClusterState& SimClusterWorld::state(int i) { return *nodes_[static_cast<size_t>(i)]->state; }
ClusterBus& SimClusterWorld::bus(int i) { return *nodes_[static_cast<size_t>(i)]->bus; }
bool SimClusterWorld::up(int i) const { return nodes_[static_cast<size_t>(i)]->up; }

int64_t SimClusterWorld::Delay() {
  if (delay_fn_) return std::max<int64_t>(0, delay_fn_(rng_));
  return max_delay_ms_ <= 0 ? 0 : static_cast<int64_t>(rng_() % static_cast<uint64_t>(max_delay_ms_ + 1));
}

bool SimClusterWorld::Chance(double p) {
  // 53 random bits as a double in [0, 1): the same on every machine.
  return SimLoop::UnitDraw(rng_) < p;
}

void SimClusterWorld::Schedule(int64_t delay_ms, std::function<void()> run, int node) {
  events_.emplace(std::make_pair(now_ms_ + std::max<int64_t>(0, delay_ms), ++seq_), Event{std::move(run), node});
}

bool SimClusterWorld::Cut(int a, int b) const {
  return !partition_.empty() && (partition_.count(a) != 0) != (partition_.count(b) != 0);
}

void SimClusterWorld::StartNode(int i) {
  Node& n = *nodes_[static_cast<size_t>(i)];
  ClusterOptions o;
  o.config_file = n.dir + "/nodes.conf";
  o.port = port(i);
  o.cport = port(i) + 10000;
  o.node_timeout_ms = node_timeout_ms_;
  n.state = std::make_unique<ClusterState>(o, n.clock.get(), rng_());
  Status s = n.state->Open();
  (void)s;  // a test reads the state; a failed open shows as a node without id
  n.io = std::make_unique<Io>(this, i);
  n.bus = std::make_unique<ClusterBus>(n.state.get(), n.clock.get(), n.io.get(), ClusterBusHooks{}, rng_());
  n.links.clear();
  n.up = true;
  uint64_t gen = n.gen;
  // Crons of different nodes are out of phase, as on real machines.
  int64_t phase = static_cast<int64_t>(rng_() % ClusterBus::kCronPeriodMs);
  auto tick = std::make_shared<std::function<void()>>();
  *tick = [this, i, gen, tick] {
    Node& node = *nodes_[static_cast<size_t>(i)];
    if (!node.up || node.gen != gen) return;
    node.bus->Cron();
    Schedule(ClusterBus::kCronPeriodMs, *tick, i);
  };
  Schedule(phase, *tick, i);
}

void SimClusterWorld::ResetPipe(size_t pi, const std::string& why) {
  Pipe& p = pipes_[pi];
  if (!p.open) return;
  p.open = false;
  Note(Name(p.a) + "<->" + Name(p.b) + " reset: " + why);
  for (int side = 0; side < 2; ++side) {
    int who = side == 0 ? p.a : p.b;
    BusLinkId link = side == 0 ? p.a_link : p.b_link;
    Node& n = *nodes_[static_cast<size_t>(who)];
    if (!n.up) continue;
    uint64_t gen = n.gen;
    Schedule(0, [this, who, link, gen] {
      Node& o = *nodes_[static_cast<size_t>(who)];
      if (!o.up || o.gen != gen || o.links.erase(link) == 0) return;
      o.bus->OnClosed(link);
    }, who);
  }
}

void SimClusterWorld::Meet(int from, int to) { state(from).StartHandshake(kIp, port(to), port(to) + 10000); }

void SimClusterWorld::AddSlots(int i, int first, int last, uint64_t config_epoch) {
  ClusterState& cs = state(i);
  for (int s = first; s <= last; ++s) cs.AssignSlot(s, &cs.myself());
  cs.myself().config_epoch = config_epoch;
  cs.current_epoch = std::max(cs.current_epoch, config_epoch);
  (void)cs.Save();
}

bool SimClusterWorld::Replicate(int i, int master) {
  ClusterNode* m = state(i).Find(state(master).myself().id);
  if (m == nullptr || !m->is_master()) return false;
  state(i).SetMyMaster(m);
  (void)state(i).Save();
  bus(i).BroadcastPong();  // as CLUSTER REPLICATE does
  return true;
}

void SimClusterWorld::Kill(int i) {
  Node& n = *nodes_[static_cast<size_t>(i)];
  if (!n.up) return;
  for (size_t pi = 0; pi < pipes_.size(); ++pi)
    if (pipes_[pi].open && (pipes_[pi].a == i || pipes_[pi].b == i)) ResetPipe(pi, "killed");
  n.up = false;
  n.gen++;
  n.bus.reset();
  n.io.reset();
  n.state.reset();  // releases the nodes.conf lock, as a dead process does
}

void SimClusterWorld::Restart(int i) {
  if (nodes_[static_cast<size_t>(i)]->up) return;
  StartNode(i);
}

void SimClusterWorld::Partition(const std::set<int>& side) {
  partition_ = side;
  for (size_t pi = 0; pi < pipes_.size(); ++pi)
    if (pipes_[pi].open && Cut(pipes_[pi].a, pipes_[pi].b)) ResetPipe(pi, "partition");
}

void SimClusterWorld::Heal() { partition_.clear(); }

int SimClusterWorld::ResetLinks(int i, const std::string& why) {
  int n = 0;
  for (size_t pi = 0; pi < pipes_.size(); ++pi) {
    if (!pipes_[pi].open || (pipes_[pi].a != i && pipes_[pi].b != i)) continue;
    ResetPipe(pi, why);
    ++n;
  }
  return n;
}

void SimClusterWorld::JumpClock(int i, int64_t ms) { nodes_[static_cast<size_t>(i)]->clock->Jump(ms); }

void SimClusterWorld::RunMs(int64_t ms) {
  int64_t end = now_ms_ + ms;
  // Bounded: every event is a cron tick (one per node per 100 ms) or a
  // message/connection event caused by one.
  while (!stop_ && !events_.empty() && events_.begin()->first.first <= end) {
    auto pick = events_.begin();
    if (shuffle_ties_) {
      // The seed picks one of the events due at that same millisecond.
      int64_t due = pick->first.first;
      size_t ready = 0;
      for (auto it = pick; it != events_.end() && it->first.first == due && ready < 1024; ++it) ++ready;
      if (ready > 1) std::advance(pick, static_cast<long>(rng_() % ready));
    }
    int64_t due = pick->first.first;
    Event e = std::move(pick->second);
    events_.erase(pick);
    if (due > now_ms_) {
      clock_.AdvanceMs(due - now_ms_);
      now_ms_ = due;
    }
    e.run();
    if (observer_.after_event) observer_.after_event(e.node);
  }
  if (stop_) return;
  if (end > now_ms_) {
    clock_.AdvanceMs(end - now_ms_);
    now_ms_ = end;
  }
}

int64_t SimClusterWorld::RunUntil(const std::function<bool()>& pred, int64_t limit_ms) {
  for (int64_t t = 0; t <= limit_ms && !stop_; t += 10) {
    if (pred()) return t;
    RunMs(10);
  }
  return -1;
}

std::string SimClusterWorld::ViewOf(int i) {
  ClusterState& cs = state(i);
  std::string out;
  std::vector<std::string> lines;
  for (const ClusterNode* n : cs.NodesInOrder())
    lines.push_back(n->id + (n->is_master() ? " master " : " slave ") + (n->master_id.empty() ? "-" : n->master_id) +
                    " " + std::to_string(cs.NodeEpoch(*n)));
  std::sort(lines.begin(), lines.end());
  for (const std::string& l : lines) out += l + "\n";
  const ClusterNode* prev = nullptr;
  for (int s = 0; s < kClusterSlots; ++s) {
    const ClusterNode* o = cs.owner(s);
    if (s == 0 || o != prev) out += std::to_string(s) + "=" + (o ? o->id : std::string("-")) + "\n";
    prev = o;
  }
  return out;
}

bool SimClusterWorld::Converged() {
  std::string first;
  for (int i = 0; i < size(); ++i) {
    if (!up(i)) return false;
    ClusterState& cs = state(i);
    if (static_cast<int>(cs.known_nodes()) != size()) return false;
    for (const ClusterNode* n : cs.NodesInOrder())
      if (n->flags & (kNodeHandshake | kNodePfail | kNodeFail | kNodeNoAddr)) return false;
    std::string v = ViewOf(i);
    if (i == 0)
      first = v;
    else if (v != first)
      return false;
  }
  return true;
}

}  // namespace troupe
