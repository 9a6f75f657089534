// SimServerNode: a data node of troupe-sim that runs the REAL server code
// (scenarios `replication` and `sentinel-failover`): a Keyspace, the command
// table (CommandTable::Dispatch, through SimSession per inbound
// connection), Propagation, the BlockingRegistry (WAIT), the
// PubSubRegistry (SUBSCRIBE / PUBLISH, the sentinels' hello channel),
// Replication (master side: backlog, PSYNC / FULLRESYNC, WAIT bookkeeping)
// and, as a replica, a ReplicaLink — the same objects main() wires, wired
// the same way. Only the edges are replaced:
//  - sockets: the simulated network (byte segments, SimMessage; a write
//    is cut into two TCP segments now and then);
//  - the clock: the node's SimClock (wall-clock jumps included);
//  - the disk: the node's dump.rdb is a string that survives a crash (or
//    is lost with it); its redis.conf is a real file when the scenario
//    gives it one (SetConfigFile: CONFIG REWRITE rewrites it, a restart
//    reads it — the sentinels' SLAVEOF survives a restart), else a text in
//    memory; a full sync's RDB is collected in memory
//    (MasterLinkIo::RdbBuffer) and becomes the dump, as the received file
//    does in a server;
//  - the full sync's BGSAVE (a forked child): an in-process snapshot
//    (Replication::SnapshotSource) serializing the keyspace with the real
//    RDB writer at once and handing it over after a simulated delay.
// The cron runs every 100 ms (hz 10: Replication::Cron), the link ticks
// every second, and every node saves its dump.rdb about every
// save_interval_ms, with the replication position (repl-id / repl-offset),
// so a replica restarted from it can continue with a partial resync.
//
// A crash destroys the process (every object above) and resets its
// connections; a restart builds a new one, loading the dump when kept.
//
// Who talks to it: SimNetwork (events), the scenario (Start, Crash,
// Restart), the checkers (read-only observation). Threading:
// single-threaded simulator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_network.h"

namespace troupe {

class Replication;

class SimServerNode final : public SimEndpoint {
 public:
  // `master_port` 0: a master; else a replica of 127.0.0.1:master_port
  // (its `replicaof` config line, kept across restarts).
  SimServerNode(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options, const std::string& name,
                int port, int master_port);
  ~SimServerNode() override;

  // Before Start: the node's redis.conf lives in the file `path` (written
  // with the initial settings when missing); CONFIG REWRITE rewrites it.
  void SetConfigFile(const std::string& path) { config_file_ = path; }
  // Registers on the network and starts the process.
  void Start();
  // The process dies; `keep_rdb` false: its dump.rdb is lost too.
  void Crash(bool keep_rdb);
  // The process dies with every write it applied on disk — what
  // appendfsync always gives (the AOF is not wired here: its dump.rdb is
  // written at the instant of the crash instead).
  void CrashDurable();
  // SHUTDOWN (SAVE): the dump.rdb is saved, then the process exits.
  void Shutdown();
  // A new process, from the dump.rdb when there is one.
  void Restart();

  // ---- Observation (scenario, checkers) -------------------------------------
  const std::string& name() const { return name_; }
  int port() const { return port_; }
  NodeId id() const { return id_; }
  bool up() const { return process_ != nullptr; }
  SimClock& clock() { return clock_; }
  // Bumped at every start: per-process observations start over.
  uint64_t incarnation() const { return incarnation_; }
  bool configured_master() const { return master_port_ == 0; }
  // The process's replication state; nullptr while down.
  const Replication* replication() const;
  // A replica whose link streams (or a master).
  bool link_up() const;
  // Up, with no replication stream waiting to be flushed.
  bool quiescent() const;
  // Every key of every database: "<db>:<key>" -> the string, or a
  // collection's DUMP payload. Empty while down.
  std::map<std::string, std::string> Dataset() const;
  // Counters for the report.
  uint64_t full_syncs_loaded() const { return full_syncs_loaded_; }
  uint64_t partial_syncs() const { return partial_syncs_; }

  // ---- SimEndpoint ----------------------------------------------------------------
  void OnConnected(ConnId conn, bool ok) override;
  void OnAccept(ConnId conn) override;
  void OnMessage(ConnId conn, const SimMessage& msg) override;
  void OnClosed(ConnId conn) override;

  struct Process;   // everything a crash loses (sim_server_node.cc)
  struct LinkEdge;  // the ReplicaLink and its MasterLinkIo

 private:
  void Boot();
  // Runs `fn` after `delay_ms` unless this process died meanwhile.
  void Later(int64_t delay_ms, std::function<void()> fn);
  void Cron();
  void LinkTick();
  void SaveDump();
  // Writes dump.rdb now; returns the trace text.
  std::string SaveNow();
  void RestartLink();
  void CloseSession(ConnId conn);
  // Bytes to `conn`, now and then cut into two segments.
  void SendBytes(ConnId conn, std::string_view bytes);
  void StartSnapshot();
  void NoteState();
  std::string NewId();

  SimLoop* loop_;
  SimNetwork* net_;
  SimTrace* trace_;
  const SimOptions* options_;
  std::string name_;
  int port_;
  int master_port_;
  NodeId id_ = -1;
  SimClock clock_;
  uint64_t incarnation_ = 0;
  std::string dump_rdb_;  // the node's "disk": its dump.rdb (empty = none)
  std::string config_file_;  // its redis.conf on disk ("" = the text in memory)
  std::unique_ptr<Process> process_;
  uint64_t full_syncs_loaded_ = 0;
  uint64_t partial_syncs_ = 0;
  uint64_t next_edge_ = 0;
};

}  // namespace troupe
