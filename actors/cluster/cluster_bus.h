// ClusterBus: the cluster bus protocol of one node (Redis's cluster.c
// messaging, on the protobuf schema of proto/cluster_bus.proto): the
// handshake that turns a CLUSTER MEET into a known node, PING/PONG with
// gossip sections, the failure detector (PFAIL after the node timeout,
// failure reports from gossip, FAIL by a majority of masters, FAIL
// broadcast and clearing), epochs and slot claims (a newer config epoch
// wins; UPDATE tells a node that its claims are stale; config-epoch
// collisions resolved by the smaller id), PUBLISH across the cluster, and
// a replica following its master (the replication hook).
//
// Plain code without CAF, driven by: OnInbound / OnConnected /
// OnConnectFailed / OnClosed / OnMessage (from the network edge) and Cron()
// every 100 ms. It sends through ClusterBusIo, so the network edge
// (cluster_bus_edge.cc, a CAF broker) and the simulator can both drive it.
// It changes the ClusterState it is given and saves nodes.conf after each
// event that changed it. Lives on the multiplexer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/cluster/cluster_state.h"

namespace troupe {
namespace cluster::bus {
class BusMessage;
class Header;
}  // namespace cluster::bus

using BusLinkId = uint64_t;

// What the bus needs from the network.
class ClusterBusIo {
 public:
  virtual ~ClusterBusIo() = default;
  // Open an outbound link to ip:cport; the answer is OnConnected or
  // OnConnectFailed with the same id.
  virtual void Connect(BusLinkId link, const std::string& ip, int cport) = 0;
  virtual void Send(BusLinkId link, const cluster::bus::BusMessage& msg) = 0;
  // Close a link; no OnClosed follows.
  virtual void Close(BusLinkId link) = 0;
};

// What the bus needs from the rest of the node.
struct ClusterBusHooks {
  // The replication offset this node gossips (master: its offset; replica:
  // what it has processed).
  std::function<uint64_t()> repl_offset;
  // Replicate from ip:port (the node's master in the cluster); called when
  // myself is a replica and replication does not point at its master.
  std::function<void(const std::string& ip, int port)> replicate_from;
  // Where replication points now ("" = nowhere) and its port.
  std::function<std::pair<std::string, int>()> replication_master;
  // A PUBLISH from another node: deliver to local subscribers.
  std::function<void(const std::string& channel, const std::string& message)> publish_local;
  // Keys in a slot of myself that another master now owns (Redis deletes them).
  std::function<void(int slot)> delete_keys_in_slot;
  std::function<size_t(int slot)> count_keys_in_slot;
  // Replica failover: how long the link to our master has been down (0 =
  // up), and becoming a master (REPLICAOF NO ONE: the data and its history
  // are kept).
  std::function<int64_t()> master_link_down_ms;
  std::function<void()> promote_to_master;
  // Manual failover on the master: stop writes for `ms` (CLIENT PAUSE WRITE)
  // or lift that pause.
  std::function<void(int64_t ms)> pause_writes;
};

// Why a failover election may not start (CLUSTER INFO / logs).
enum class FailoverBlock { kNone, kNotReplica, kMasterNotFailing, kMasterNoSlots, kDataTooOld, kNoFailoverFlag };

class ClusterBus {
 public:
  static constexpr int64_t kCronPeriodMs = 100;
  static constexpr uint32_t kProtocolVersion = 1;

  ClusterBus(ClusterState* state, const Clock* clock, ClusterBusIo* io, ClusterBusHooks hooks, uint64_t seed);

  // --- Events from the network edge.
  // An accepted connection: `peer_ip` is the remote address, `local_ip` the
  // address it reached us on (how a node learns its own address).
  void OnInbound(BusLinkId link, const std::string& peer_ip, const std::string& local_ip);
  void OnConnected(BusLinkId link, const std::string& local_ip);
  void OnConnectFailed(BusLinkId link, const std::string& error);
  void OnClosed(BusLinkId link);
  void OnMessage(BusLinkId link, const cluster::bus::BusMessage& msg);
  // Every 100 ms: connects, pings, the failure detector, handshake expiry.
  void Cron();

  // --- Requests from commands.
  // PUBLISH in cluster mode: every other node delivers it too.
  void Publish(const std::string& channel, const std::string& message);
  // After a local configuration change (ADDSLOTS, REPLICATE, ...): tell
  // every connected node at once with a PONG.
  void BroadcastPong();
  // CLUSTER FAILOVER on a replica: `takeover` promotes at once without a
  // vote (new config epoch); `force` runs an election without waiting for
  // the master; neither: the master stops writes, the replica catches up,
  // then it is elected with the master's agreement. Errors: "" = started.
  std::string StartManualFailover(bool force, bool takeover);
  // The epoch of this replica's latest election (0 = none yet).
  uint64_t failover_auth_epoch() const { return failover_auth_epoch_; }

  // CLUSTER LINKS.
  struct LinkInfo {
    std::string direction;  // "to" or "from"
    std::string node_id;
    int64_t created_ms = 0;
    bool connected = false;
  };
  std::vector<LinkInfo> Links() const;

  // Test-only: what was broadcast or sent, for tests that check the
  // messages without a network.
  uint64_t messages_sent() const { return messages_sent_; }

 private:
  struct Link {
    BusLinkId id = 0;
    std::string node_id;  // outbound: the node it was opened to; inbound: the sender once known
    bool outbound = false;
    bool connected = false;
    int64_t created_ms = 0;
    std::string peer_ip, local_ip;
  };

  void FillHeader(cluster::bus::Header* h);
  void Send(Link& link, cluster::bus::BusMessage& msg, const char* type);
  void SendPing(Link& link, const char* type);  // "ping", "meet" or "pong"
  void SendFail(const std::string& node_id);
  void SendUpdate(Link& link, const ClusterNode& about);
  void Broadcast(cluster::bus::BusMessage& msg, const char* type);

  void ProcessGossip(const cluster::bus::BusMessage& msg, ClusterNode* sender);
  void MarkFailingIfNeeded(ClusterNode* node);
  void ClearFailureIfNeeded(ClusterNode* node);
  void UpdateSlotsConfigWith(ClusterNode* sender, uint64_t sender_epoch, const std::string& slots);
  void HandleConfigEpochCollision(ClusterNode* sender);
  bool UpdateAddressIfNeeded(ClusterNode* node, const Link& link, const cluster::bus::Header& h);
  void FollowMyMaster();
  // Replica failover (Redis's clusterHandleSlaveFailover and the master's
  // clusterSendFailoverAuthIfNeeded).
  void HandleReplicaFailover();
  int ReplicaRank();
  void RequestFailoverAuth();
  void MaybeVote(ClusterNode* requester, const cluster::bus::BusMessage& msg, Link& link);
  void ReplaceMyMaster();
  void ResetManualFailover();
  void ManualFailoverCron();
  void DropNode(const std::string& id);
  void CloseOutbound(const std::string& node_id);
  Link* OutboundOf(const std::string& node_id);
  void SaveIfNeeded();

  ClusterState* state_;
  const Clock* clock_;
  ClusterBusIo* io_;
  ClusterBusHooks hooks_;
  std::mt19937_64 rng_;
  std::map<BusLinkId, Link> links_;
  std::map<std::string, BusLinkId> outbound_;  // node id -> its outbound link
  // Reconnect back-off per node after failed connects: 200, 400, 800 ms,
  // then once a second (failure detection does not wait for it: a failed
  // connect counts as an unanswered ping).
  struct Backoff {
    int fails = 0;
    int64_t next_ms = 0;
  };
  std::map<std::string, Backoff> backoff_;
  BusLinkId next_link_ = 0;
  uint64_t iteration_ = 0;
  // The set of nodes changed (a handshake completed, gossip named a new
  // node): the next cron pings every connected node rather than one, so
  // the news spreads in a few rounds instead of a few seconds.
  bool membership_changed_ = false;
  // Election state of this replica (Redis's failover_auth_*): the time the
  // election may start (or started), whether requests were sent, votes
  // counted, the epoch, and the rank (replicas with newer data first).
  int64_t failover_auth_time_ = 0;
  bool failover_auth_sent_ = false;
  size_t failover_auth_count_ = 0;
  std::set<std::string> failover_voters_;  // masters whose ACK was counted (a repeated ACK counts once)
  uint64_t failover_auth_epoch_ = 0;
  int failover_auth_rank_ = 0;
  int64_t last_waiting_log_ms_ = 0;
  // Manual failover: when it ends (0 = none), whether the election may
  // start, and (on the replica) the master's offset to reach first. On the
  // master: the replica that asked (its pings announce the pause).
  int64_t mf_end_ms_ = 0;
  bool mf_can_start_ = false;
  int64_t mf_master_offset_ = -1;
  std::string mf_replica_id_;
  // When this master last voted for a replica of each master (by master id).
  std::map<std::string, int64_t> voted_time_ms_;
  uint64_t messages_sent_ = 0;
};

}  // namespace troupe
