// ServerContext: node-wide state that is not the keyspace — configuration,
// identity (run id, port, start time), the client registry, statistics, the
// slow log, MONITOR subscribers, CLIENT PAUSE, and the hooks the node
// supervisor installs (shutdown). Owned by the node; read and changed inline
// by client sessions and command handlers on the multiplexer thread, never
// from another thread. No CAF header.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cluster/cluster_bus.h"
#include "actors/common/clock.h"
#include "actors/node/config.h"
#include "net/client_state.h"

namespace troupe {

class Keyspace;
class CommandTable;
class Snapshotter;
class BlockingRegistry;
class WatchRegistry;
class PubSubRegistry;
class Propagation;
class AppendOnlyFile;
class Replication;
class SentinelState;
class ClusterState;
struct RdbSaveInfo;
struct DatasetLoadStats;

// One SLOWLOG entry.
struct SlowLogEntry {
  uint64_t id = 0;
  int64_t unix_time_s = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // at most 32, each at most 128 bytes (as Redis)
  std::string client_addr;
  std::string client_name;
};

// Counters for INFO stats.
struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_net_repl_output_bytes = 0;  // replication stream and RDB transfers to replicas
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t client_query_buffer_limit_disconnections = 0;
  uint64_t client_output_buffer_limit_disconnections = 0;
  uint64_t total_reads_processed = 0;
  uint64_t total_writes_processed = 0;
  // Instantaneous ops/s, sampled by the node's cron (ring of samples).
  uint64_t last_sample_commands = 0;
  int64_t last_sample_ms = 0;
  std::deque<double> ops_samples;
  double instantaneous_ops_per_sec() const {
    if (ops_samples.empty()) return 0;
    double sum = 0;
    for (double s : ops_samples) sum += s;
    return sum / static_cast<double>(ops_samples.size());
  }
};

// Options of SHUTDOWN (and of a signal-driven shutdown).
struct ShutdownRequest {
  bool save = false;     // SAVE
  bool nosave = false;   // NOSAVE
  bool now = false;      // NOW
  bool force = false;    // FORCE
  bool from_signal = false;
};

class ServerContext {
 public:
  ServerContext(Config* config, const Clock* clock) : config_(config), clock_(clock) {}

  Config& config() { return *config_; }
  const ServerOptions& options() const { return config_->options(); }
  const Clock& clock() const { return *clock_; }

  // Identity.
  std::string run_id;          // 40 hex chars, new at every start
  int64_t start_ms = 0;        // process start (Unix ms)
  int64_t start_mono_us = 0;   // process start (monotonic)
  int port = 0;                // port actually bound
  std::string executable;      // absolute path of the binary
  int64_t lastsave_s = 0;      // LASTSAVE
  std::string role = "master";
  std::string replid;          // replication id, 40 hex chars
  uint64_t used_memory_peak = 0;     // highest used_memory seen by INFO
  uint64_t used_memory_startup = 0;  // used_memory right after start-up

  // Clients.
  std::map<uint64_t, ClientState*> clients;  // by id, ascending (CLIENT LIST order)
  uint64_t next_client_id = 1;
  uint64_t NewClientId() { return next_client_id++; }

  // Per-client state kept by other components (pub/sub subscriptions,
  // WATCHed keys, blocking): each registers what to drop when a connection
  // closes, and what RESET clears. Called on the multiplexer thread.
  std::vector<std::function<void(ClientState&)>> on_client_closed;
  std::vector<std::function<void(ClientState&)>> on_client_reset;

  // MONITOR: called with each line for every monitoring client.
  std::map<uint64_t, std::function<void(const std::string&)>> monitors;

  // Keyspace notifications: the enabled classes (NotifyClass bits plus
  // 1 = K keyspace channel, 2 = E keyevent channel), from
  // notify-keyspace-events; and the publisher the pub/sub family installs.
  uint32_t notify_keyspace_events = 0;
  std::function<void(uint32_t klass, std::string_view event, std::string_view key, int db)> notify;
  // Channels, patterns and shard channels with their subscribers; set by
  // main() (InstallPubSub), nullptr where pub/sub is not wired (unit tests).
  PubSubRegistry* pubsub = nullptr;

  // DEBUG SET-ACTIVE-EXPIRE: the shard's active expiry cycle runs only when true.
  bool active_expire_enabled = true;

  // CLIENT PAUSE: until this monotonic time; write-only or all commands.
  int64_t pause_until_mono_us = 0;
  bool pause_all = false;

  ServerStats stats;
  std::map<std::string, uint64_t> error_stats;  // errorstat_<CODE>

  // SLOWLOG.
  std::deque<SlowLogEntry> slowlog;
  uint64_t next_slowlog_id = 0;

  // Installed by the node: stop the server (SHUTDOWN, SIGTERM). Returns an
  // error text when the shutdown is refused, or empty.
  std::function<std::string(const ShutdownRequest&)> request_shutdown;

  // Clients parked by blocking commands, and WATCHed keys; set by main().
  BlockingRegistry* blocking = nullptr;
  WatchRegistry* watches = nullptr;

  // The stream of writes to the AOF and replicas; set by main(), nullptr
  // in unit tests that do not need it.
  Propagation* propagation = nullptr;
  // The append-only file (appendonly yes, BGREWRITEAOF); set by main().
  AppendOnlyFile* aof = nullptr;
  // Replication state and the master side of the protocol; set by main().
  Replication* replication = nullptr;
  // Replication position for RDB snapshots (repl-id, repl-offset aux
  // fields) and what to do with the one a start-up load found; set by main().
  std::function<void(RdbSaveInfo*)> fill_repl_info;
  std::function<void(const DatasetLoadStats&)> on_startup_loaded;
  // Sentinel mode: what the sentinel knows (SENTINEL commands); set by main().
  SentinelState* sentinel = nullptr;
  // Cluster mode (cluster-enabled yes): slots, nodes, epochs, nodes.conf;
  // set by main(), nullptr otherwise.
  ClusterState* cluster = nullptr;
  // The cluster bus (set by its edge broker while it runs) and what the
  // bus needs from the node (installed by main).
  ClusterBus* cluster_bus = nullptr;
  ClusterBusHooks cluster_hooks;

  // RDB snapshots (SAVE, BGSAVE, save points); set by main().
  Snapshotter* snapshotter = nullptr;
  int64_t latest_fork_usec = 0;
  uint64_t total_forks = 0;
  // Start-up load (INFO persistence).
  uint64_t rdb_last_load_keys_loaded = 0;
  uint64_t rdb_last_load_keys_expired = 0;
  // Loading a dataset (start-up, DEBUG RELOAD), kept by LoadingRun: while
  // `loading`, commands without the `loading` flag answer -LOADING, save
  // points do not fire and a shutdown does not save. The progress fields
  // are INFO persistence's loading_* lines.
  bool loading = false;
  int64_t loading_start_s = 0;        // Unix time the load began
  uint64_t loading_total_bytes = 0;   // size of the file being loaded
  uint64_t loading_loaded_bytes = 0;  // bytes of it consumed so far
  uint64_t loading_rdb_used_mem = 0;  // its used-mem aux field
  // The start-up load, which the shard runs in steps (load_step_atom) while
  // clients are served; set by main(), cleared when done.
  class LoadingRun* startup_load = nullptr;

  // Process-wide facts for INFO (set once at start).
  bool daemonized = false;
  std::string config_file;

 private:
  Config* config_;
  const Clock* clock_;
};

}  // namespace troupe
