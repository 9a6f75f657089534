// Replication: a node's replication state and the master side of Redis's
// replication protocol (DESIGN §3 "master_feed").
//
// State, for both roles: the replication ID and offset, the secondary ID a
// promoted replica keeps so the old master's other replicas continue with a
// partial resync, the backlog, and (as a replica) who the master is and how
// the link is doing — what INFO replication and ROLE report.
//
// Master side: a PropagationSink turning write batches into the replication
// stream (with SELECT when the database changes), appended to the backlog
// and written to every online replica's connection; PSYNC / SYNC answered
// with +CONTINUE and the missing backlog bytes, or +FULLRESYNC followed by an
// RDB snapshot (a BGSAVE through the Snapshotter; the stream produced
// meanwhile is held per replica and sent after the RDB); REPLCONF
// listening-port / ip-address / capa / ACK; PINGs every
// repl-ping-replica-period; replicas that stop acknowledging are dropped
// after repl-timeout; WAIT and min-replicas-to-write count acknowledgements.
//
// Replica side: the master link broker (master_link.h) runs the handshake
// and applies the stream; it reports here (LinkUp, FullSyncLoaded,
// PartialSyncAccepted, StreamApplied) and the bytes it applied are proxied
// verbatim to our own replicas (chained replication), offsets included.
//
// Threading: the multiplexer thread only (sessions, the shard's cron, the
// master link broker). No CAF header; connections are reached through
// ClientState::send_raw / kill.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/common/status.h"
#include "actors/replication/backlog.h"
#include "actors/shard/propagation/propagation.h"
#include "net/client_state.h"

namespace troupe {

class Keyspace;
class ServerContext;
struct RdbSaveInfo;
struct ClientState;
struct CommandContext;

// The link to our master, as INFO replication shows it.
enum class MasterLinkState {
  kNone,        // not a replica
  kConnect,     // must (re)connect
  kConnecting,  // connecting / handshake
  kTransfer,    // receiving the RDB
  kConnected,   // streaming
};

struct ReplicaRecord {
  enum class State {
    kWaitBgsaveStart,  // asked for a full sync; the snapshot has not started
    kWaitBgsaveEnd,    // +FULLRESYNC sent; the snapshot is being written
    kOnline,           // streaming
  };
  ClientState* client = nullptr;
  std::string ip;            // announced (REPLCONF ip-address) or the peer's
  int listening_port = 0;    // REPLCONF listening-port
  State state = State::kWaitBgsaveStart;
  uint64_t ack_offset = 0;   // last REPLCONF ACK
  int64_t ack_ms = 0;        // when it came (Unix ms)
  bool capa_eof = false, capa_psync2 = false;
  std::string pending;       // stream produced while its RDB is made
  uint64_t sent_offset = 0;  // stream written to its connection up to this offset
  int64_t wait_since_ms = 0;
};

std::string NewReplicationId();  // (declared early: NewId uses it)

class Replication final : public PropagationSink {
 public:
  Replication(Keyspace* keyspace, ServerContext* server);

  // ---- Role ----------------------------------------------------------------
  bool is_replica() const { return !master_host_.empty(); }
  const std::string& master_host() const { return master_host_; }
  int master_port() const { return master_port_; }
  // REPLICAOF host port (and replicaof in the config). The node's
  // on_master_changed hook starts the link.
  void SetMaster(const std::string& host, int port);
  // REPLICAOF NO ONE: keep the data, start a new history (the old ID
  // becomes the secondary one, so the old peers can continue).
  void SetNoMaster();
  // Installed by the node: (re)start or stop the master link broker.
  std::function<void()> on_master_changed;

  // ---- Master side ---------------------------------------------------------
  void Feed(const std::vector<Op>& ops, bool transaction) override;
  // SYNC / PSYNC replid offset, from a replica's connection.
  void HandlePsync(CommandContext& ctx, bool is_sync);
  // REPLCONF subcommands from a replica (or a client before its PSYNC).
  void HandleReplconf(CommandContext& ctx);
  void ReplicaClosed(ClientState& client);
  // After a BGSAVE ends: send the snapshot to the replicas waiting for it.
  void BgsaveDone(bool ok, const std::string& rdb_path);

  // Where a full sync's snapshot comes from. Servers leave it unset: a
  // BGSAVE through the Snapshotter (a forked child writes the file, which
  // BgsaveDone reads back). troupe-sim installs an in-process source: Start
  // serializes the keyspace at once (the fork's instant) and hands the RDB
  // over later through SnapshotReady.
  class SnapshotSource {
   public:
    virtual ~SnapshotSource() = default;
    virtual bool busy() const = 0;
    virtual Status Start() = 0;
  };
  SnapshotSource* snapshot_source = nullptr;
  // The snapshot for the replicas waiting in kWaitBgsaveEnd (ok = false:
  // it failed, they are dropped).
  void SnapshotReady(bool ok, const std::string& rdb);
  // Makes new replication IDs; unset = NewReplicationId(). troupe-sim
  // draws them from its seed so that a run replays exactly.
  std::function<std::string()> new_replid;
  // Test-only (troupe-sim --test-skip-write N): every Nth write batch is
  // applied here but left out of the replication stream — a broken rule the
  // simulator's checkers must catch. 0 = off, always in servers.
  int test_skip_write_every = 0;
  // Every cron tick: PINGs, timeouts, delayed full syncs, backlog TTL, ACKs.
  void Cron();
  // Writes the stream produced since the last call to every online
  // replica, once per batch (called before sessions flush their replies,
  // by the master link after applying its master's stream, and by Cron).
  void FlushReplicas();
  // Installed by the shard: schedules a FlushReplicas soon (once per round
  // of the event loop); without it the stream is flushed at once.
  std::function<void()> request_flush;

  // WAIT: replicas whose acknowledged offset is at least `offset`; asks
  // every replica for a fresh acknowledgement.
  int CountAcked(uint64_t offset) const;
  void RequestAcks();
  // Replicas with a lag within min-replicas-max-lag.
  int GoodReplicas() const;
  // Woken when an ACK arrives (WAIT's blocked clients); set by the WAIT command.
  std::function<void()> on_ack;
  // The offset a client blocked in WAIT waits for: its woff when the WAIT
  // began. Kept here because the command table moves woff on after every
  // command, the WAIT's own REPLCONF GETACK and each re-run included, which
  // would put the target past the acknowledgement the WAIT asked for.
  // Entries of clients that are gone are dropped by Cron.
  void BeginWait(uint64_t client_id, uint64_t offset) { wait_targets_[client_id] = offset; }
  uint64_t WaitTarget(uint64_t client_id, uint64_t fallback) const;
  void EndWait(uint64_t client_id) { wait_targets_.erase(client_id); }

  // ---- Replica side (the master link) --------------------------------------
  MasterLinkState link_state() const { return link_state_; }
  void SetLinkState(MasterLinkState s);
  // The full sync's snapshot was loaded: adopt the master's history.
  void FullSyncLoaded(const std::string& replid, uint64_t offset);
  // +CONTINUE [replid]: the master accepted our offset.
  void PartialSyncAccepted(const std::string& new_replid);
  // `bytes` of the master's stream were applied: offsets move on and our
  // own replicas get the same bytes.
  void StreamApplied(std::string_view bytes);
  void MasterIo() { last_master_io_ms_ = NowMs(); }
  int64_t last_master_io_ms() const { return last_master_io_ms_; }
  // The fake client that applies the master's stream: its selected
  // database survives a reconnect with partial resync (a transaction cut
  // by the lost link does not: ReplicaLink discards it, as Redis does).
  ClientState master_client;
  int64_t sync_start_ms = 0;      // when the current full sync began
  uint64_t sync_read_bytes = 0;   // RDB bytes received so far
  int64_t sync_total_bytes = -1;  // the RDB's announced size, -1 = unknown

  // ---- Snapshots ----------------------------------------------------------
  // The replication position an RDB snapshot records (repl-id, repl-offset,
  // repl-stream-db), when there is one worth recording.
  void FillSaveInfo(RdbSaveInfo* info) const;
  // After the start-up load: a replica continues from the position its RDB
  // recorded, so its first PSYNC can be partial.
  void RestoreFromRdb(const std::string& repl_id, int64_t repl_offset, int stream_db);

  // ---- State for INFO / ROLE -----------------------------------------------
  const std::string& replid() const { return replid_; }
  const std::string& replid2() const { return replid2_; }
  uint64_t offset() const { return offset_; }
  int64_t second_replid_offset() const { return second_replid_offset_; }
  const ReplicationBacklog* backlog() const { return backlog_.get(); }
  const std::vector<ReplicaRecord>& replicas() const { return replicas_; }
  int64_t link_down_since_ms() const { return link_down_since_ms_; }

 private:
  int64_t NowMs() const;
  std::string NewId() const { return new_replid ? new_replid() : NewReplicationId(); }
  void CreateBacklog();
  void ShiftReplicationId();
  void AppendStream(std::string_view bytes);
  void FullResync(ReplicaRecord& r);
  bool StartBgsaveForReplicas();
  ReplicaRecord* Find(const ClientState& c);
  void DropReplica(ClientState* c, const std::string& why);
  std::string ReplicaName(const ReplicaRecord& r) const;

  Keyspace* keyspace_;
  ServerContext* server_;
  std::string replid_;
  std::string replid2_ = std::string(40, '0');
  uint64_t offset_ = 0;                // master_repl_offset
  int64_t second_replid_offset_ = -1;
  std::unique_ptr<ReplicationBacklog> backlog_;
  int selected_db_ = -1;               // of the stream we produce
  std::string unsent_;                 // stream bytes not yet written to online replicas
  uint64_t unsent_start_ = 0;          // offset just before unsent_'s first byte
  std::vector<ReplicaRecord> replicas_;
  bool bgsave_for_replicas_ = false;   // the running BGSAVE serves replicas
  int64_t last_ping_ms_ = 0;
  int64_t no_replicas_since_ms_ = 0;
  std::unordered_map<uint64_t, uint64_t> wait_targets_;  // client id -> offset (WAIT)
  uint64_t test_feeds_ = 0;            // batches seen (test_skip_write_every)

  std::string master_host_;
  int master_port_ = 0;
  MasterLinkState link_state_ = MasterLinkState::kNone;
  int64_t last_master_io_ms_ = 0;
  int64_t link_down_since_ms_ = 0;
};

// A new 40-hex-character replication ID.
std::string NewReplicationId();

}  // namespace troupe
