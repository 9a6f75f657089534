// The simulated network (see sim_network.h).
#include "actors/sim/sim_network.h"

#include <algorithm>
#include <cmath>

namespace troupe {
SimNetwork::SimNetwork(SimLoop* loop, SimTrace* trace, const SimOptions* options)
    : loop_(loop), trace_(trace), options_(options) {}

NodeId SimNetwork::AddNode(const std::string& name, int port, SimEndpoint* endpoint) {
  Node n;
  n.name = name;
  n.port = port;
  n.endpoint = endpoint;
  nodes_.push_back(n);
  return static_cast<NodeId>(nodes_.size() - 1);
}

NodeId SimNetwork::NodeByPort(int port) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].port == port) return static_cast<NodeId>(i);
  return -1;
}

SimNetwork::Conn* SimNetwork::Find(ConnId id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : &it->second;
}

bool SimNetwork::IsOpen(ConnId id) const {
  auto it = conns_.find(id);
  return it != conns_.end() && it->second.established;
}

bool SimNetwork::Reachable(NodeId a, NodeId b) const {
  return up(a) && up(b) && group(a) == group(b);
}

int64_t DrawMessageDelay(const SimOptions& o, std::mt19937_64& rng) {
  if (!o.fault_delay) return o.delay_min_ms;
  if (o.delay_distribution == DelayDistribution::kUniform) {
    if (o.delay_max_ms <= o.delay_min_ms) return o.delay_min_ms;
    uint64_t span = static_cast<uint64_t>(o.delay_max_ms - o.delay_min_ms) + 1;
    return o.delay_min_ms + static_cast<int64_t>(rng() % span);
  }
  double u = SimLoop::UnitDraw(rng);
  double extra = -static_cast<double>(o.delay_mean_ms) * std::log(1.0 - u);
  int64_t e = static_cast<int64_t>(std::llround(extra));
  return o.delay_min_ms + std::min(e, std::max<int64_t>(0, o.delay_max_ms - o.delay_min_ms));
}

int64_t SimNetwork::Delay() { return DrawMessageDelay(*options_, loop_->rng()); }

ConnId SimNetwork::Connect(NodeId from, const std::string& host, int port) {
  ConnId id = next_conn_++;
  NodeId to = host == "127.0.0.1" ? NodeByPort(port) : -1;
  Conn c;
  c.id = id;
  c.client = from;
  c.server = to;
  conns_[id] = std::move(c);
  trace_->Add(loop_->now_ms(), name(from) + "->" + host + ":" + std::to_string(port) + " #" + std::to_string(id) +
                                   " connect");
  loop_->After(Delay(), [this, id] {
    Conn* c = Find(id);
    if (c == nullptr) return;  // closed meanwhile
    NodeId from = c->client, to = c->server;
    auto fail = [this, id, from](const char* why) {
      conns_.erase(id);
      trace_->Add(loop_->now_ms(), name(from) + " #" + std::to_string(id) + " connect failed: " + why);
      if (up(from)) nodes_[static_cast<size_t>(from)].endpoint->OnConnected(id, false);
    };
    if (to < 0 || !up(to)) {
      fail("connection refused");
      return;
    }
    if (!Reachable(from, to)) {
      // SYNs vanish in the partition: the connect times out.
      loop_->After(std::max<int64_t>(0, options_->connect_timeout_ms), [this, id, fail] {
        if (Find(id) != nullptr) fail("timeout");
      });
      return;
    }
    c->established = true;
    trace_->Add(loop_->now_ms(), name(from) + "->" + name(to) + " #" + std::to_string(id) + " established");
    nodes_[static_cast<size_t>(to)].endpoint->OnAccept(id);
    // OnAccept may not close it, but stay safe.
    if (Find(id) != nullptr) nodes_[static_cast<size_t>(from)].endpoint->OnConnected(id, true);
  });
  return id;
}

void SimNetwork::Send(ConnId id, NodeId from, SimMessage msg) {
  Conn* c = Find(id);
  if (c == nullptr || !c->established) return;
  int dir = from == c->client ? 0 : 1;
  ++messages_;
  if (drops_enabled_ && options_->fault_drop && loop_->Chance(options_->drop_probability)) {
    NodeId to = dir == 0 ? c->server : c->client;
    trace_->Add(loop_->now_ms(), name(from) + "->" + name(to) + " #" + std::to_string(id) + " dropped " +
                                     "bytes " + JoinParts({msg.bytes}, 64));
    Reset(*c, "message dropped");
    return;
  }
  int64_t due = std::max(loop_->now_ms() + Delay(), c->last_due[dir]);
  c->last_due[dir] = due;
  c->queue[dir].emplace_back(loop_->now_ms(), std::move(msg));
  loop_->At(due, [this, id, dir] { Deliver(id, dir); });
}

void SimNetwork::Deliver(ConnId id, int dir) {
  Conn* c = Find(id);
  if (c == nullptr || c->queue[dir].empty()) return;
  NodeId from = dir == 0 ? c->client : c->server;
  NodeId to = dir == 0 ? c->server : c->client;
  if (!Reachable(from, to)) {
    if (loop_->now_ms() - c->queue[dir].front().first > options_->stall_reset_ms) {
      Reset(*c, "stalled behind a partition");
      return;
    }
    loop_->After(std::max<int64_t>(1, options_->stall_retry_ms), [this, id, dir] { Deliver(id, dir); });
    return;
  }
  SimMessage msg = std::move(c->queue[dir].front().second);
  c->queue[dir].pop_front();
  std::string line = name(from) + "->" + name(to) + " #" + std::to_string(id) + " bytes " + JoinParts({msg.bytes});
  trace_->Add(loop_->now_ms(), line);
  nodes_[static_cast<size_t>(to)].endpoint->OnMessage(id, msg);
}

void SimNetwork::NotifyClosed(ConnId id, NodeId n) {
  loop_->After(0, [this, id, n] {
    if (up(n)) nodes_[static_cast<size_t>(n)].endpoint->OnClosed(id);
  });
}

void SimNetwork::Reset(Conn& c, const std::string& why) {
  ++resets_;
  ConnId id = c.id;
  NodeId a = c.client, b = c.server;
  bool established = c.established;
  trace_->Add(loop_->now_ms(), "#" + std::to_string(id) + " " + name(a) + "<->" + (b >= 0 ? name(b) : "?") +
                                   " reset: " + why);
  conns_.erase(id);
  if (established) {
    NotifyClosed(id, a);
    NotifyClosed(id, b);
  } else {
    NotifyClosed(id, a);  // the client sees a failed connect as a close
  }
}

void SimNetwork::Close(ConnId id, NodeId from) {
  Conn* c = Find(id);
  if (c == nullptr) return;
  NodeId other = from == c->client ? c->server : c->client;
  bool established = c->established;
  trace_->Add(loop_->now_ms(), name(from) + " #" + std::to_string(id) + " close");
  conns_.erase(id);
  if (established && other >= 0) NotifyClosed(id, other);
}

void SimNetwork::Crash(NodeId n) {
  trace_->Add(loop_->now_ms(), name(n) + " CRASH");
  nodes_[static_cast<size_t>(n)].up = false;
  std::vector<ConnId> ids;
  for (auto& [id, c] : conns_)
    if (c.client == n || c.server == n) ids.push_back(id);
  for (ConnId id : ids) {
    Conn& c = conns_[id];
    // A connect still under way to the crashed node is refused when it lands.
    if (!c.established && c.server == n) continue;
    NodeId other = c.client == n ? c.server : c.client;
    bool established = c.established;
    conns_.erase(id);
    if (other >= 0 && established) NotifyClosed(id, other);
  }
}

void SimNetwork::Restart(NodeId n) {
  trace_->Add(loop_->now_ms(), name(n) + " RESTART");
  nodes_[static_cast<size_t>(n)].up = true;
}

int SimNetwork::ResetBetween(NodeId a, NodeId b, const std::string& why) {
  std::vector<ConnId> ids;
  for (auto& [id, c] : conns_)
    if (c.established && ((c.client == a && c.server == b) || (c.client == b && c.server == a))) ids.push_back(id);
  for (ConnId id : ids) Reset(conns_[id], why);
  return static_cast<int>(ids.size());
}

size_t SimNetwork::InFlight() const {
  size_t n = 0;
  for (auto& [id, c] : conns_) n += c.queue[0].size() + c.queue[1].size();
  return n;
}

void SimNetwork::HealPartitions() {
  for (Node& n : nodes_) n.group = 0;
}

}  // namespace troupe
