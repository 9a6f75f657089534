// SimDataNode: a MODEL of a Troupe/Redis data node for troupe-sim's
// sentinel-failover scenario — not the real server code (the replication
// scenario runs the real code: sim_server_node.h; wiring it under the
// sentinels is a known gap, docs/SIMULATION.md). It keeps what the
// sentinels and the checkers look at:
//  - role, master address, run_id (new on every restart), replid, replid2,
//    master_repl_offset (one unit per write), second_repl_offset, a
//    key/value map, replica-serve-stale-data;
//  - replication as the master shipping its writes over the simulated
//    network: a replica connects, sends PSYNC <replid> <offset+1>
//    <listening-port>, gets +CONTINUE (the replid or replid2 matches and the
//    backlog still holds what it misses) or +FULLRESYNC with a copy of the
//    map, then the stream of writes; replicas send REPLCONF ACK every second,
//    masters PING every 10 s, either side drops the link after repl-timeout.
//    A replica serves its own replicas (chained), as Redis does; a promoted
//    or re-pointed node disconnects its replicas so they learn the new replid;
//  - the commands sentinels and the workload send: PING, INFO (the
//    replication lines SentinelState parses), PUBLISH / SUBSCRIBE, MULTI /
//    SLAVEOF host port | NO ONE / CONFIG REWRITE / CLIENT KILL TYPE ... /
//    EXEC, SET and GET.
// A crash loses the connections and the backlog; the map, role, master,
// replid and offset survive (as with appendfsync always and CONFIG REWRITE);
// a restarted master gets a new replid, as Redis 7.0 does.
//
// Who talks to it: SimNetwork (messages), the scenario (crash / restart),
// the checkers (read-only accessors). Threading: single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_network.h"

namespace troupe {

class SimDataNode final : public SimEndpoint {
 public:
  // `master_port` 0: starts as a master; else as a replica of it.
  SimDataNode(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options, const std::string& name,
              int port, int master_port);

  // Registers on the network and starts the replication cron.
  void Start();
  void Crash();
  void Restart();

  // ---- Observation (checkers, scenario) --------------------------------------
  const std::string& name() const { return name_; }
  int port() const { return port_; }
  NodeId id() const { return id_; }
  bool up() const { return up_; }
  bool is_master() const { return master_port_ == 0; }
  int master_port() const { return master_port_; }
  bool link_up() const { return link_ == Link::kConnected; }
  const std::string& replid() const { return replid_; }
  int64_t offset() const { return offset_; }
  const std::map<std::string, std::string>& data() const { return data_; }
  SimClock& clock() { return clock_; }
  std::string Info() const;

  // ---- SimEndpoint ----------------------------------------------------------------
  void OnConnected(ConnId conn, bool ok) override;
  void OnAccept(ConnId conn) override;
  void OnMessage(ConnId conn, const SimMessage& msg) override;
  void OnClosed(ConnId conn) override;

 private:
  enum class Link { kNone, kConnecting, kHandshake, kConnected };
  struct Client {
    bool replica = false;
    int replica_port = 0;
    bool subscribed = false;
    bool in_multi = false;
    std::vector<std::vector<std::string>> queued;
    int64_t ack_offset = 0;
    int64_t last_ack_ms = 0;
  };
  struct Write {
    int64_t offset;  // the offset after it
    std::string key, value;
  };

  void Cron(uint64_t generation);
  void Reply(ConnId conn, bool ok, std::vector<std::string> parts);
  void Push(ConnId conn, std::vector<std::string> parts);
  // Runs one command; `conn` is the caller. Returns (ok, reply parts).
  std::pair<bool, std::vector<std::string>> Execute(ConnId conn, const std::vector<std::string>& argv);
  std::pair<bool, std::vector<std::string>> Psync(ConnId conn, const std::vector<std::string>& argv);
  std::pair<bool, std::vector<std::string>> SlaveOf(const std::vector<std::string>& argv);
  int KillClients(ConnId caller, const std::string& type);
  // Applies a write (a client SET on a master, or the stream on a replica),
  // keeps it in the backlog and forwards it to our replicas.
  void Apply(const std::string& key, const std::string& value);
  void OnMasterMessage(const SimMessage& msg);
  void ConnectToMaster();
  void DropMasterLink(const char* why);
  void DisconnectReplicas();
  std::string NewId();

  SimLoop* loop_;
  SimNetwork* net_;
  SimTrace* trace_;
  const SimOptions* options_;
  std::string name_;
  int port_;
  NodeId id_ = -1;
  SimClock clock_;
  bool up_ = true;
  uint64_t generation_ = 0;  // bumped on crash: stale timers stop

  std::string run_id_;
  int master_port_ = 0;  // 0 = master
  std::string replid_, replid2_;
  int64_t offset_ = 0;
  int64_t second_offset_ = -1;
  std::map<std::string, std::string> data_;
  std::deque<Write> backlog_;
  int64_t backlog_base_ = 0;  // the offset before the backlog's first write

  Link link_ = Link::kNone;
  ConnId master_conn_ = 0;
  int64_t last_master_io_ms_ = 0;
  int64_t link_down_since_unix_ms_ = 0;
  int64_t last_ping_replicas_ms_ = 0;
  std::map<ConnId, Client> clients_;
};

}  // namespace troupe
