// SimNetwork: the simulated network of troupe-sim. Nodes have a name and a
// port (every node lives at 127.0.0.1:<port>); a connection joins a client
// node to a server node and carries byte segments (what the nodes' real
// RESP code writes: requests, replies, pub/sub messages, the replication
// stream) in both directions, in order, each after a delay drawn from the
// seed.
//
// Faults are what TCP can show (DESIGN §5):
//  - delay: every message waits delay_min..delay_max ms (uniform or
//    exponential), never overtaking an earlier one on its connection;
//  - drop: a dropped message resets its connection (both ends are told it
//    closed); it never silently vanishes from a live connection;
//  - partition: nodes in different groups cannot reach each other; messages
//    on a connection across the cut stall (retried every stall_retry_ms) and
//    the connection resets after stall_reset_ms; connects across the cut
//    fail after connect_timeout_ms;
//  - crash: a crashed node's connections reset at once (its process died,
//    the kernel answers RST), connects to it are refused.
// Every delivery is a trace line: "<t> <from>-><to> #<conn> bytes <bytes>".
//
// Who talks to it: the nodes (sim_sentinel, sim_server_node, sim_repl_client)
// through SimEndpoint; the scenario for faults. Threading: single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_options.h"
#include "actors/sim/sim_trace.h"

namespace troupe {

using NodeId = int;
using ConnId = uint64_t;

// One TCP segment of a connection's byte stream.
struct SimMessage {
  std::string bytes;
};

// What a node implements to be reached.
class SimEndpoint {
 public:
  virtual ~SimEndpoint() = default;
  // Client side: a Connect() finished (ok == false: refused or timed out).
  virtual void OnConnected(ConnId conn, bool ok) {}
  // Server side: a new inbound connection.
  virtual void OnAccept(ConnId conn) {}
  // A message arrived on `conn`.
  virtual void OnMessage(ConnId conn, const SimMessage& msg) = 0;
  // `conn` closed (reset, or closed by the other end). Not called for a
  // connection this node closed itself.
  virtual void OnClosed(ConnId conn) {}
};

// One message's delay under `options` (delay_* and the `delay` fault),
// drawn from `rng`: the same draw for every simulated network.
int64_t DrawMessageDelay(const SimOptions& options, std::mt19937_64& rng);

class SimNetwork {
 public:
  SimNetwork(SimLoop* loop, SimTrace* trace, const SimOptions* options);

  NodeId AddNode(const std::string& name, int port, SimEndpoint* endpoint);
  const std::string& name(NodeId n) const { return nodes_[static_cast<size_t>(n)].name; }
  int port(NodeId n) const { return nodes_[static_cast<size_t>(n)].port; }
  NodeId NodeByPort(int port) const;  // -1 when none
  size_t node_count() const { return nodes_.size(); }

  // ---- Connections -----------------------------------------------------------
  // Starts a connection from `from` to 127.0.0.1:`port`; the result comes
  // to `from`'s OnConnected. Returns its id.
  ConnId Connect(NodeId from, const std::string& host, int port);
  // Sends on `conn` from node `from` (ignored when the connection is closed).
  void Send(ConnId conn, NodeId from, SimMessage msg);
  // Closes `conn` from `from`'s side: the other end's OnClosed follows.
  void Close(ConnId conn, NodeId from);
  bool IsOpen(ConnId conn) const;

  // ---- Faults --------------------------------------------------------------------
  bool up(NodeId n) const { return nodes_[static_cast<size_t>(n)].up; }
  // Crash: resets every connection of `n` (peers are told); connects are refused.
  void Crash(NodeId n);
  void Restart(NodeId n);
  // Partition groups: nodes reach each other iff their groups are equal.
  void SetGroup(NodeId n, int group) { nodes_[static_cast<size_t>(n)].group = group; }
  int group(NodeId n) const { return nodes_[static_cast<size_t>(n)].group; }
  void HealPartitions();
  bool Reachable(NodeId a, NodeId b) const;
  // Resets every established connection between `a` and `b` (a link drop:
  // both ends are told it closed). Returns how many.
  int ResetBetween(NodeId a, NodeId b, const std::string& why);
  // Messages sent but not delivered yet, over all connections.
  size_t InFlight() const;
  // Drops happen only while enabled (the fault phase).
  void set_drops_enabled(bool on) { drops_enabled_ = on; }

  uint64_t messages() const { return messages_; }
  uint64_t resets() const { return resets_; }

 private:
  struct Node {
    std::string name;
    int port = 0;
    SimEndpoint* endpoint = nullptr;
    bool up = true;
    int group = 0;
  };
  struct Conn {
    ConnId id = 0;
    NodeId client = -1, server = -1;
    bool established = false;
    bool closed = false;
    // Direction 0: client -> server, 1: server -> client.
    std::deque<std::pair<int64_t, SimMessage>> queue[2];  // (sent at, message)
    int64_t last_due[2] = {0, 0};
  };

  int64_t Delay();
  void Deliver(ConnId id, int dir);
  // Resets `conn`: both ends (that are up) are told it closed.
  void Reset(Conn& c, const std::string& why);
  void NotifyClosed(ConnId id, NodeId n);
  Conn* Find(ConnId id);

  SimLoop* loop_;
  SimTrace* trace_;
  const SimOptions* options_;
  std::vector<Node> nodes_;
  std::map<ConnId, Conn> conns_;
  ConnId next_conn_ = 1;
  bool drops_enabled_ = true;
  uint64_t messages_ = 0;
  uint64_t resets_ = 0;
};

}  // namespace troupe
