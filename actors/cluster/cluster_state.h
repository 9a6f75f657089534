// ClusterState: what one Redis Cluster node knows (Redis's clusterState):
// its own identity, the nodes it has heard of with their flags, addresses,
// epochs, link and failure reports, the owner of each of the 16384 hash
// slots (and the slots being imported or migrated), currentEpoch and
// lastVoteEpoch, and whether the cluster is "ok" or "fail". It writes and
// reads nodes.conf (atomically: temp file, fsync, rename) and holds an
// exclusive flock on it so no second process uses the same file.
//
// Who talks to it: main() creates it when cluster-enabled is on (Open at
// start-up); the CLUSTER commands (cluster_family.cc) read and change it;
// the command table's routing check (cluster_routing.h) reads the slot
// table; the cluster bus (not built yet) will feed it gossip, failure
// reports and votes through the same methods. Plain code without CAF; it
// lives on the multiplexer thread and is never touched from another one.
// Time comes from the Clock it is given (Unix ms for ping/pong/report
// stamps, monotonic for the state delays).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cluster/slot_math.h"
#include "actors/common/clock.h"
#include "actors/common/status.h"

namespace troupe {

// Node flags, with the names CLUSTER NODES prints (in that order).
enum ClusterNodeFlag : uint32_t {
  kNodeMyself = 1u << 0,      // myself: this node
  kNodeMaster = 1u << 1,      // master
  kNodeSlave = 1u << 2,       // slave: a replica
  kNodePfail = 1u << 3,       // fail?: not reachable from here (possible failure)
  kNodeFail = 1u << 4,        // fail: failure agreed by a majority of masters
  kNodeHandshake = 1u << 5,   // handshake: first contact, not yet identified
  kNodeNoAddr = 1u << 6,      // noaddr: address unknown
  kNodeMeet = 1u << 7,        // (not printed) send MEET instead of PING
  kNodeMigrateTo = 1u << 8,   // (not printed) a master that was a replica migration target
  kNodeNoFailover = 1u << 9,  // nofailover: a replica that never starts a failover
};

// The node id length: 40 hex characters.
inline constexpr size_t kClusterNameLen = 40;
// Limits on what nodes.conf may hold, so a damaged file cannot make us
// allocate without bound.
inline constexpr size_t kClusterMaxNodes = 4096;
inline constexpr size_t kClusterMaxConfigBytes = 64u << 20;

// One failure report: `reporter` said this node is failing, at time_ms.
struct FailureReport {
  std::string reporter_id;
  int64_t time_ms = 0;  // Unix ms of the latest report from that node
};

struct ClusterNode {
  std::string id;            // 40 hex chars
  std::string ip;            // "" until known (a fresh node does not know its own)
  int port = 0;              // client port
  int cport = 0;             // cluster bus port
  std::string hostname;      // cluster-announce-hostname, "" = none
  uint32_t flags = 0;        // ClusterNodeFlag bits
  std::string master_id;     // a replica's master, "" = none
  int64_t ping_sent_ms = 0;      // Unix ms of the unanswered PING, 0 = none
  int64_t pong_received_ms = 0;  // Unix ms of the last PONG
  int64_t fail_time_ms = 0;      // Unix ms when FAIL was set
  uint64_t config_epoch = 0;     // the epoch of this node's slot claims
  bool link_connected = false;   // a bus link to it is up (myself: always "connected")
  uint64_t repl_offset = 0;      // last replication offset it gossiped
  int num_slots = 0;             // slots it owns
  std::vector<FailureReport> fail_reports;
  int64_t created_ms = 0;        // Unix ms it was added (a handshake expires after the node timeout)
  int64_t data_received_ms = 0;  // Unix ms of the last bus message from it, on any link

  bool is_myself() const { return (flags & kNodeMyself) != 0; }
  bool is_master() const { return (flags & kNodeMaster) != 0; }
  bool is_replica() const { return (flags & kNodeSlave) != 0; }
  bool failed() const { return (flags & kNodeFail) != 0; }
  bool timed_out() const { return (flags & kNodePfail) != 0; }
};

// The cluster's health as this node sees it (CLUSTER INFO cluster_state).
enum class ClusterHealth {
  kOk,    // every slot served (or coverage not required) and a majority reachable
  kFail,  // some slot unserved with full coverage required, or in a minority
};

struct ClusterOptions {
  std::string config_file = "nodes.conf";  // cluster-config-file
  int port = 6379;                         // our client port (announced)
  int cport = 16379;                       // our bus port (announced)
  std::string announce_ip;                 // cluster-announce-ip, "" = learned from peers
  std::string announce_hostname;           // cluster-announce-hostname
  bool require_full_coverage = true;       // cluster-require-full-coverage
  int64_t node_timeout_ms = 15000;         // cluster-node-timeout
};

class ClusterState {
 public:
  // Redis's delays: a master waits this long after start before it turns
  // "ok" (CLUSTER_WRITABLE_DELAY), and after having been in a minority, the
  // node timeout clamped to these bounds (CLUSTER_MIN/MAX_REJOIN_DELAY).
  static constexpr int64_t kWritableDelayMs = 2000;
  static constexpr int64_t kMinRejoinDelayMs = 500;
  static constexpr int64_t kMaxRejoinDelayMs = 5000;

  // `random_seed` feeds the node ids this node generates.
  ClusterState(ClusterOptions options, const Clock* clock, uint64_t random_seed);
  ~ClusterState();
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  // Start-up: locks the config file (Redis's "Sorry, the cluster
  // configuration file ... is already used by a different Redis Cluster
  // node. ..." when another process holds it), then loads it, or creates
  // myself with a new random id and writes the file. A file that does not
  // parse is "Unrecoverable error: corrupted cluster config file.".
  Status Open();
  // True when Open found an existing file (Redis logs "Node configuration
  // loaded, I'm <id>" then, else "No cluster configuration found, I'm <id>").
  bool loaded_from_disk() const { return loaded_from_disk_; }

  // Writes nodes.conf now: temp file, fsync, rename over the old one, and
  // moves the lock to the new file. Every change below calls it.
  Status Save();

  // nodes.conf's content (and CLUSTER NODES without the vars line).
  std::string NodesDescription() const;
  std::string ConfigFileContent() const;
  // One CLUSTER NODES line without the final "\n".
  std::string NodeLine(const ClusterNode& n) const;
  // "myself,master", "slave", "noflags", ...
  static std::string FlagsText(uint32_t flags);

  // Parses nodes.conf text into this (empty) state; for Open and tests.
  Status LoadFromText(std::string_view text);

  // --- Queries.
  ClusterNode& myself() { return *myself_; }
  const ClusterNode& myself() const { return *myself_; }
  ClusterNode* Find(std::string_view id);
  // Every node by id (CLUSTER NODES order: myself first, then by id).
  std::vector<const ClusterNode*> NodesInOrder() const;
  size_t known_nodes() const { return nodes_.size(); }
  const ClusterNode* owner(int slot) const { return slots_[static_cast<size_t>(slot)]; }
  const ClusterNode* importing_from(int slot) const { return importing_[static_cast<size_t>(slot)]; }
  const ClusterNode* migrating_to(int slot) const { return migrating_[static_cast<size_t>(slot)]; }
  // The replicas of `master_id`, in id order.
  std::vector<const ClusterNode*> ReplicasOf(std::string_view master_id) const;
  // The epoch a node's slot claims carry: its own, or its master's.
  uint64_t NodeEpoch(const ClusterNode& n) const;
  uint64_t MaxEpoch() const;
  const ClusterOptions& options() const { return options_; }
  // cluster-replica-no-failover: the nofailover flag on myself.
  void SetNoFailover(bool on) {
    if (on)
      myself_->flags |= kNodeNoFailover;
    else
      myself_->flags &= ~kNodeNoFailover;
    todo_save = true;
  }
  // CONFIG SET cluster-node-timeout.
  void SetNodeTimeout(int64_t ms) { options_.node_timeout_ms = ms; }
  // CONFIG SET cluster-require-full-coverage.
  void SetRequireFullCoverage(bool on) {
    options_.require_full_coverage = on;
    dirty_ = true;
  }

  // The health, recomputed when something changed (Redis's
  // clusterUpdateState, with its start-up and rejoin delays).
  ClusterHealth Health();
  // Masters serving at least one slot (CLUSTER INFO cluster_size).
  int size();
  // CLUSTER INFO's text, "\r\n" after every line.
  std::string InfoText();

  // --- Changes (each marks the state for recomputation; callers Save()).
  void AssignSlot(int slot, ClusterNode* node);
  void UnassignSlot(int slot);
  void SetImporting(int slot, ClusterNode* from) { importing_[static_cast<size_t>(slot)] = from; }
  void SetMigrating(int slot, ClusterNode* to) { migrating_[static_cast<size_t>(slot)] = to; }
  // Removes every slot of `node`; returns how many it had.
  int UnassignAllSlots(const ClusterNode* node);
  // Adds a node learnt from a peer or a MEET; nullptr if the id is taken
  // or the table is full.
  ClusterNode* AddNode(const std::string& id, uint32_t flags);
  // CLUSTER MEET / a gossiped address: a node in the handshake state under
  // a random id (MEET flag: the bus greets it with MEET). False when a
  // handshake with that address is already under way.
  bool StartHandshake(const std::string& ip, int port, int cport);
  // The handshake entry `node` learnt its real id (from the PONG header).
  void RenameNode(ClusterNode* node, const std::string& new_id);
  // Redis's clusterSetNodeAsMaster: `node` is a master now (not myself's
  // replica role, see SetMyMaster).
  void SetNodeAsMaster(ClusterNode* node);
  // CLUSTER REPLICATE: myself becomes a replica of `master` (no slots).
  void SetMyMaster(ClusterNode* master);
  // The 2048-byte bitmap of the slots `node` owns (bit j of byte j/8, LSB
  // first, as Redis's clusterMsg.myslots).
  std::string SlotBitmap(const ClusterNode* node) const;
  static bool BitmapHas(const std::string& bitmap, int slot) {
    return bitmap.size() == kClusterSlots / 8 &&
           (static_cast<unsigned char>(bitmap[static_cast<size_t>(slot) / 8]) >> (slot & 7)) & 1;
  }
  // The master whose slots myself serves (myself, or its master when known).
  ClusterNode* MyShardMaster();
  // CLUSTER FORGET keeps a forgotten id out of gossip for a minute.
  void Blacklist(const std::string& id);
  bool Blacklisted(const std::string& id);
  // A node asked for a save (the bus batches them: one write per event).
  bool todo_save = false;

  // Forgets a node (not myself): its slots become unassigned and its
  // failure reports by others disappear.
  void DeleteNode(const std::string& id);
  // CLUSTER BUMPEPOCH: a new config epoch without consensus when ours is 0
  // or not the largest; true when bumped.
  bool BumpEpochWithoutConsensus();
  // CLUSTER RESET: drops every other node and every slot; `hard` also
  // zeroes the epochs and gives myself a new id.
  void Reset(bool hard);
  // A fresh random node id.
  std::string NewNodeId();

  // Failure reports (for the failure detector of the cluster bus): add or
  // refresh, and count the ones younger than 2 x node timeout.
  // True when the report is new (not a refresh).
  bool AddFailureReport(ClusterNode* failing, const std::string& reporter_id);
  // True when there was one to remove.
  bool DelFailureReport(ClusterNode* failing, const std::string& reporter_id);
  size_t CountFailureReports(ClusterNode* node);

  // Something the health depends on changed (flags, roles, slots).
  void MarkChanged();

  uint64_t current_epoch = 0;   // the cluster's latest epoch as we know it
  uint64_t last_vote_epoch = 0;  // the epoch of our last failover vote
  // Bus message counters by type name (CLUSTER INFO cluster_stats_*).
  std::map<std::string, uint64_t> messages_sent, messages_received;

 private:
  bool InMinority() const;
  Status Lock();

  ClusterOptions options_;
  const Clock* clock_;
  uint64_t rng_state_;
  std::map<std::string, std::unique_ptr<ClusterNode>, std::less<>> nodes_;
  ClusterNode* myself_ = nullptr;
  std::vector<ClusterNode*> slots_, importing_, migrating_;
  bool loaded_from_disk_ = false;
  int lock_fd_ = -1;
  std::map<std::string, int64_t, std::less<>> blacklist_;  // id -> Unix ms it expires

  // Health bookkeeping (monotonic ms).
  ClusterHealth health_ = ClusterHealth::kFail;
  bool dirty_ = true;
  int size_ = 1;
  int64_t first_update_ms_ = -1;
  int64_t among_minority_ms_ = INT64_MIN / 2;  // never
};

}  // namespace troupe
