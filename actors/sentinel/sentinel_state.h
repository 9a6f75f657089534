// SentinelState: everything a sentinel knows — its identity and epoch, the
// masters it monitors and, for each, the replicas and the other sentinels
// it discovered, their health (PING, INFO, hello), the votes, and the
// failover in progress. It is the Redis Sentinel protocol as plain code:
// Tick() is called every 100 ms and decides what to send; the replies and
// messages the links deliver (OnPingReply, OnInfo, OnHello, ...) update the
// state. It never touches a socket or the system clock: it reads a Clock,
// draws randomness from a seeded generator and talks through SentinelIo, so
// the sentinel broker (sentinel.cc) runs it against real connections and the
// simulator can run it on virtual time.
//
// The rules themselves (who may vote, which replica wins, when a master is
// objectively down) are plain functions in sentinel_rules.h.
//
// Threading: the multiplexer thread only (the sentinel broker, SENTINEL
// commands run inline by client sessions). No CAF header.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "actors/common/clock.h"
#include "actors/common/status.h"

namespace troupe {

// Instance flags (SENTINEL MASTERS "flags" field names in comments).
enum SentinelFlag : uint32_t {
  kSriMaster = 1u << 0,          // master
  kSriSlave = 1u << 1,           // slave
  kSriSentinel = 1u << 2,        // sentinel
  kSriSDown = 1u << 3,           // s_down
  kSriODown = 1u << 4,           // o_down
  kSriMasterDown = 1u << 5,      // master_down (a sentinel said the master is down)
  kSriFailoverInProgress = 1u << 6,  // failover_in_progress
  kSriPromoted = 1u << 7,        // promoted
  kSriReconfSent = 1u << 8,      // reconf_sent
  kSriReconfInprog = 1u << 9,    // reconf_inprog
  kSriReconfDone = 1u << 10,     // reconf_done
  kSriForceFailover = 1u << 11,  // force_failover
  kSriDisconnected = 1u << 12,   // disconnected (not a Redis flag bit; reported from the link)
};

// Failover states, as Redis's SENTINEL_FAILOVER_STATE_*.
enum class FailoverState {
  kNone,               // no failover
  kWaitStart,          // waiting to be elected leader
  kSelectSlave,        // choosing the replica to promote
  kSendSlaveofNoone,   // sending REPLICAOF NO ONE to it
  kWaitPromotion,      // waiting for it to report role:master
  kReconfSlaves,       // pointing the other replicas at it
  kUpdateConfig,       // switching our view to the new master
};

struct SentinelInstance;

// What the state machine needs from the network edge. Every instance has a
// command link (PING, INFO, PUBLISH, REPLICAOF, SENTINEL is-master-down-by-addr);
// masters and replicas also a pub/sub link subscribed to __sentinel__:hello.
class SentinelIo {
 public:
  virtual ~SentinelIo() = default;
  using Reply = std::function<void(bool ok, const std::vector<std::string>& reply)>;
  // Sends a command (or a MULTI ... EXEC batch as several calls) on the
  // instance's command link; `done` gets the reply flattened to strings
  // (an error reply: ok == false, reply[0] = the text).
  virtual void Command(SentinelInstance& ri, const std::vector<std::string>& argv, Reply done) = 0;
  // Opens the instance's links if they are not open (connect attempts are
  // rate-limited by the edge); an instance's `link_connected` /
  // `pubsub_connected` say whether they are up.
  virtual void EnsureLinks(SentinelInstance& ri) = 0;
  // Closes the instance's links (it is forgotten, or they must be reset).
  virtual void CloseLinks(SentinelInstance& ri) = 0;
  // Publishes an event on this sentinel's own pub/sub (`+sdown` ...).
  virtual void Publish(const std::string& channel, const std::string& message) = 0;
  // Rewrites the config file with the current state (FLUSHCONFIG).
  virtual void FlushConfig() = 0;
};

struct SentinelInstance {
  uint32_t flags = 0;
  std::string name;         // master name; "ip:port" for replicas and sentinels
  std::string runid;        // from INFO (run_id) or hello
  std::string host;         // address as configured / announced
  int port = 0;
  int64_t config_epoch = 0;
  SentinelInstance* master = nullptr;  // for replicas and sentinels

  // Link state (owned by the edge, read by the rules).
  bool link_connected = false;
  bool pubsub_connected = false;
  int64_t link_connected_since_ms = 0;
  int64_t link_pending_commands = 0;
  int64_t act_ping_time_ms = 0;     // time of the oldest PING without a reply, 0 = none
  int64_t last_ping_time_ms = 0;    // last PING sent
  int64_t last_avail_time_ms = 0;   // last valid PING reply
  int64_t last_pong_time_ms = 0;    // last any PING reply
  int64_t last_pub_time_ms = 0;     // last hello we published to it
  int64_t last_hello_time_ms = 0;   // last hello received from it (sentinels)
  int64_t last_master_down_reply_time_ms = 0;  // sentinels: last is-master-down reply
  int64_t s_down_since_ms = 0;
  int64_t o_down_since_ms = 0;
  int64_t down_after_ms = 30000;
  int64_t info_refresh_ms = 0;      // last INFO reply
  bool info_pending = false;        // an INFO is on its way
  std::string info;                 // last INFO text (SENTINEL INFO-CACHE)

  // What INFO said.
  std::string role_reported = "master";  // "master" or "slave"
  int64_t role_reported_time_ms = 0;
  int64_t master_link_down_time_ms = 0;  // replicas: master_link_down_since_seconds * 1000
  std::string slave_master_host;
  int slave_master_port = 0;
  bool slave_master_link_up = false;
  int64_t slave_priority = 100;
  uint64_t slave_repl_offset = 0;
  bool replica_announced = true;
  int64_t slave_reconf_sent_time_ms = 0;

  // Masters only.
  int quorum = 2;
  int parallel_syncs = 1;
  int64_t failover_timeout_ms = 180000;
  std::string auth_pass, auth_user;
  std::map<std::string, std::unique_ptr<SentinelInstance>> slaves;     // by "ip:port"
  std::map<std::string, std::unique_ptr<SentinelInstance>> sentinels;  // by "ip:port"
  std::string leader;             // the sentinel we voted for (or that won, for sentinels' replies)
  int64_t leader_epoch = 0;
  int64_t failover_epoch = 0;
  FailoverState failover_state = FailoverState::kNone;
  int64_t failover_state_change_time_ms = 0;
  int64_t failover_start_time_ms = 0;
  int64_t failover_delay_logged_ms = 0;
  SentinelInstance* promoted_slave = nullptr;
  std::vector<std::pair<std::string, int>> renamed_commands;  // (unused) placeholder for rename-command

  bool is_master() const { return flags & kSriMaster; }
  bool is_slave() const { return flags & kSriSlave; }
  bool is_sentinel() const { return flags & kSriSentinel; }
  std::string addr() const { return host + ":" + std::to_string(port); }
};

// The sentinel-wide settings and identity (sentinel.conf).
struct SentinelConfig {
  std::string myid;                 // 40 hex chars; generated when absent
  int64_t current_epoch = 0;
  std::string announce_ip;
  int announce_port = 0;
  bool resolve_hostnames = false;
  bool announce_hostnames = false;
  bool deny_scripts_reconfig = true;
  std::string sentinel_user, sentinel_pass;
};

class SentinelState {
 public:
  SentinelState(const Clock* clock, uint64_t seed);

  // ---- Configuration ---------------------------------------------------
  SentinelConfig& config() { return config_; }
  const SentinelConfig& config() const { return config_; }
  // The port clients reach this sentinel on (hello messages announce it).
  int my_port = 26379;
  std::string my_ip = "127.0.0.1";  // used when announce-ip is empty and the link has no local address
  // Adds a monitored master (config line or SENTINEL MONITOR).
  Result<SentinelInstance*> AddMaster(const std::string& name, const std::string& host, int port, int quorum);
  Status RemoveMaster(const std::string& name);
  SentinelInstance* FindMaster(const std::string& name);
  SentinelInstance* FindMasterByAddr(const std::string& host, int port);
  // A replica or sentinel under `master`, created when unknown (config
  // known-replica / known-sentinel lines, INFO, hello).
  SentinelInstance* AddSlave(SentinelInstance& master, const std::string& host, int port);
  SentinelInstance* AddSentinel(SentinelInstance& master, const std::string& host, int port,
                                const std::string& runid);
  // SENTINEL RESET: forgets replicas, sentinels and failover state.
  void ResetMaster(SentinelInstance& master);
  std::map<std::string, std::unique_ptr<SentinelInstance>>& masters() { return masters_; }
  // Config lines describing the state ("sentinel monitor ...", "sentinel
  // known-replica ...", ...) for the config rewrite.
  std::vector<std::string> ConfigLines() const;

  // ---- The protocol ------------------------------------------------------
  void set_io(SentinelIo* io) { io_ = io; }
  SentinelIo* io() const { return io_; }
  // Every 100 ms.
  void Tick();
  // Link events from the edge.
  void OnLinkUp(SentinelInstance& ri);
  void OnLinkDown(SentinelInstance& ri);
  // A message on a __sentinel__:hello channel (of a master or replica).
  void OnHello(const std::string& payload);
  // SENTINEL IS-MASTER-DOWN-BY-ADDR ip port epoch runid (from a peer):
  // fills the reply (down_state, leader runid, leader epoch).
  void IsMasterDownByAddr(const std::string& host, int port, int64_t req_epoch, const std::string& req_runid,
                          int* down, std::string* leader, int64_t* leader_epoch);
  // SENTINEL FAILOVER name: "ERR ..." when refused.
  Status ForceFailover(const std::string& name);
  // Publishes and logs an event: `type` e.g. "+sdown"; `ri` may be null.
  void Event(bool warning, const std::string& type, const SentinelInstance* ri, const std::string& extra);

  bool tilt() const { return tilt_; }
  int64_t tilt_since_ms() const { return tilt_start_ms_; }
  uint64_t running_scripts = 0;

  // Test-only switch (the simulator's "can the checkers fail" test): vote
  // for every candidate, even twice in one epoch.
  bool test_vote_twice = false;

 private:
  SentinelInstance* Child(SentinelInstance& master,
                          std::map<std::string, std::unique_ptr<SentinelInstance>>& children, uint32_t flag,
                          const std::string& host, int port);
  void HandleInstance(SentinelInstance& ri);
  void SendPeriodicCommands(SentinelInstance& ri);
  void SendPing(SentinelInstance& ri);
  void SendHello(SentinelInstance& ri);
  void RefreshInfo(SentinelInstance& ri);
  void OnInfo(SentinelInstance& ri, const std::string& info);
  void CheckSubjectivelyDown(SentinelInstance& ri);
  void CheckObjectivelyDown(SentinelInstance& master);
  bool StartFailoverIfNeeded(SentinelInstance& master);
  void StartFailover(SentinelInstance& master);
  void AskMasterStateToOtherSentinels(SentinelInstance& master, bool force);
  std::string VoteLeader(SentinelInstance& master, int64_t req_epoch, const std::string& req_runid,
                         int64_t* leader_epoch);
  std::string GetLeader(SentinelInstance& master, int64_t epoch);
  void FailoverStateMachine(SentinelInstance& master);
  void FailoverWaitStart(SentinelInstance& master);
  void FailoverSelectSlave(SentinelInstance& master);
  void FailoverSendSlaveOfNoOne(SentinelInstance& master);
  void FailoverWaitPromotion(SentinelInstance& master);
  void FailoverReconfNextSlave(SentinelInstance& master);
  void FailoverDetectEnd(SentinelInstance& master);
  void SwitchToPromotedSlave(SentinelInstance& master);
  void AbortFailover(SentinelInstance& master);
  void ResetMasterAndChangeAddress(SentinelInstance& master, const std::string& host, int port);
  void SendSlaveOf(SentinelInstance& ri, const std::string& host, int port);
  void CheckTilt();
  std::string AnnounceIp() const;
  int AnnouncePort() const;
  void SetState(SentinelInstance& master, FailoverState s);

  const Clock* clock_;
  std::mt19937_64 rng_;
  SentinelIo* io_ = nullptr;
  SentinelConfig config_;
  std::map<std::string, std::unique_ptr<SentinelInstance>> masters_;
  bool tilt_ = false;
  int64_t tilt_start_ms_ = 0;
  int64_t previous_tick_ms_ = 0;
};

}  // namespace troupe
