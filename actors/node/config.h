// Config: the single place where redis.conf and command-line directives are
// parsed, validated, stored, queried (CONFIG GET), changed (CONFIG SET) and
// written back (CONFIG REWRITE). DESIGN §6.6: all config parsing lives here.
//
// Who talks to it: main() builds it before the actor system exists; after
// start-up it is owned by the node and only touched on the multiplexer thread
// (CONFIG commands run inline in client sessions there). No CAF header.
//
// Every directive that Redis 7.0 accepts (and the 6.2 names it still takes as
// aliases) is in the directive table: implemented ones are honoured through
// ServerOptions, the rest are stored, shown by CONFIG GET, and produce one
// warning each at start-up ("not implemented yet"). A directive Redis itself
// does not know, or a bad value, is a fatal config error in Redis's format.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/common/status.h"

namespace troupe {

// One `save <seconds> <changes>` point.
struct SavePoint {
  int64_t seconds = 0;
  int64_t changes = 0;
};

// The typed view of the directives the server honours. Every field is kept in
// sync with the directive table by Config (at load and on CONFIG SET).
struct ServerOptions {
  // Addresses to listen on (`bind`); a leading '-' means "skip if unavailable".
  std::vector<std::string> bind = {"*", "-::*"};
  // TCP port (`port`); 0 disables TCP listening.
  int port = 6379;
  // Listen backlog (`tcp-backlog`).
  int tcp_backlog = 511;
  // Close idle clients after this many seconds, 0 = never (`timeout`).
  int64_t timeout_s = 0;
  // TCP keepalive period in seconds (`tcp-keepalive`).
  int64_t tcp_keepalive_s = 300;
  // Refuse non-loopback clients when no password and no explicit bind (`protected-mode`).
  bool protected_mode = true;
  // Number of logical databases (`databases`).
  int databases = 16;
  // Fork into the background (`daemonize`).
  bool daemonize = false;
  // Pid file path, empty = none (`pidfile`); Redis writes
  // /var/run/redis.pid when daemonized and no pidfile is given.
  std::string pidfile;
  // Log level: debug, verbose, notice, warning, nothing (`loglevel`).
  std::string loglevel = "notice";
  // Log file path, empty = standard output (`logfile`).
  std::string logfile;
  // Working directory; the process chdir()s there at start (`dir`).
  std::string dir = "./";
  // Password of the default user, empty = no AUTH needed (`requirepass`).
  std::string requirepass;
  // Maximum simultaneous clients (`maxclients`).
  int64_t maxclients = 10000;
  // Largest bulk string a client may send, bytes (`proto-max-bulk-len`).
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  // Largest query buffer of one client before it is closed (`client-query-buffer-limit`).
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  // Active expiry / cron frequency (`hz`), clamped to 1..500.
  int hz = 10;
  // RDB snapshot points (`save`); empty = no snapshots.
  std::vector<SavePoint> save_points = {{3600, 1}, {300, 100}, {60, 10000}};
  // RDB file name inside `dir` (`dbfilename`).
  std::string dbfilename = "dump.rdb";
  // LZF-compress strings in RDB files (`rdbcompression`).
  bool rdbcompression = true;
  // Write and verify the RDB's CRC64 trailer (`rdbchecksum`).
  bool rdbchecksum = true;
  // Append-only file enabled (`appendonly`).
  bool appendonly = false;
  // AOF fsync policy: "always", "everysec" or "no" (`appendfsync`).
  std::string appendfsync = "everysec";
  // AOF base name and folder inside `dir` (`appendfilename`, `appenddirname`).
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  // The AOF base file is an RDB snapshot rather than commands (`aof-use-rdb-preamble`).
  bool aof_use_rdb_preamble = true;
  // Load the valid prefix of an AOF whose last command is cut short (`aof-load-truncated`).
  bool aof_load_truncated = true;
  // Automatic BGREWRITEAOF: when the AOF grew by this percentage over its size
  // after the last rewrite, and is at least min-size bytes; 0 = off.
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  // `replicaof` / `slaveof` from the config file: host and port, empty = master.
  std::string replicaof_host;
  int replicaof_port = 0;
  // `replica-announce-ip`, empty = not set; `replica-announce-port`, 0 = the real port.
  std::string replica_announce_ip;
  int replica_announce_port = 0;
  // Credentials a replica uses with its master (`masterauth`, `masteruser`).
  std::string masterauth;
  std::string masteruser;
  // A replica refuses writes from clients (`replica-read-only`).
  bool replica_read_only = true;
  // A replica without a master link still answers reads (`replica-serve-stale-data`).
  bool replica_serve_stale_data = true;
  // Sentinel's promotion preference, 0 = never (`replica-priority`).
  int64_t replica_priority = 100;
  // Whether sentinels report this replica (`replica-announced`).
  bool replica_announced = true;
  // The master's backlog of recent stream bytes for partial resyncs, and how
  // long it is kept without replicas (`repl-backlog-size`, `repl-backlog-ttl`).
  int64_t repl_backlog_size = 1024 * 1024;
  int64_t repl_backlog_ttl_s = 3600;
  // Link timeout and the master's PING period (`repl-timeout`, `repl-ping-replica-period`).
  int64_t repl_timeout_s = 60;
  int64_t repl_ping_replica_period_s = 10;
  // Full syncs wait this long for more replicas before the snapshot starts
  // (`repl-diskless-sync`, `repl-diskless-sync-delay`); the snapshot goes
  // through the RDB file either way.
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay_s = 5;
  // Writes need this many replicas with a lag of at most max-lag seconds
  // (`min-replicas-to-write`, `min-replicas-max-lag`); 0 = no check.
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag_s = 10;
  // Cluster mode (`cluster-enabled`).
  bool cluster_enabled = false;
  // nodes.conf name (`cluster-config-file`).
  std::string cluster_config_file = "nodes.conf";
  // Node timeout in milliseconds (`cluster-node-timeout`).
  int64_t cluster_node_timeout_ms = 15000;
  // Without every slot served the cluster state is "fail" (`cluster-require-full-coverage`).
  bool cluster_require_full_coverage = true;
  // Reads are served while the cluster state is "fail" (`cluster-allow-reads-when-down`).
  bool cluster_allow_reads_when_down = false;
  // This replica never starts a failover (`cluster-replica-no-failover`).
  bool cluster_replica_no_failover = false;
  // Cluster bus port, 0 = port + 10000 (`cluster-port`).
  int cluster_port = 0;
  // What this node tells the cluster about itself; empty/0 = the real
  // address and ports (`cluster-announce-ip`, `cluster-announce-hostname`,
  // `cluster-announce-port`, `cluster-announce-bus-port`).
  std::string cluster_announce_ip;
  std::string cluster_announce_hostname;
  int cluster_announce_port = 0;
  int cluster_announce_bus_port = 0;
  // Slow log threshold in microseconds, negative disables (`slowlog-log-slower-than`).
  int64_t slowlog_log_slower_than_us = 10000;
  // Slow log capacity (`slowlog-max-len`).
  int64_t slowlog_max_len = 128;
  // Compact-encoding thresholds, as Redis's defaults.
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  // Largest sparse HyperLogLog before it turns dense (`hll-sparse-max-bytes`).
  int64_t hll_sparse_max_bytes = 3000;
  // Who may run DEBUG: "no", "yes" or "local" (`enable-debug-command`).
  std::string enable_debug_command = "no";
  // Eviction policy (`maxmemory-policy`). Troupe does not evict yet; an LFU
  // policy switches the keys' access tracking to LFU counters (OBJECT FREQ).
  std::string maxmemory_policy = "noeviction";
  // LFU counter growth and decay (`lfu-log-factor`, `lfu-decay-time` minutes).
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  // Keyspace notification classes (`notify-keyspace-events`), as Redis's
  // NOTIFY_* bits: K=1 E=2 g=4 $=8 l=16 s=32 h=64 z=128 x=256 e=512 t=1024
  // m=2048 d=8192 n=16384; 0 = off.
  uint32_t notify_keyspace_events = 0;
  // Sentinel mode (`--sentinel` on the command line, or the troupe-sentinel name).
  bool sentinel_mode = false;
};

// What the config model knows about one directive (for CONFIG GET/SET/REWRITE
// and for the start-up warning of unimplemented ones).
struct DirectiveInfo {
  std::string name;                  // canonical Redis 7.0 name, lower case
  std::vector<std::string> aliases;  // e.g. "slaveof" for "replicaof"
  bool implemented = false;          // honoured by Troupe today
  bool mutable_at_runtime = true;    // CONFIG SET allowed
  bool sensitive = false;            // value kept out of SLOWLOG / MONITOR (passwords)
};

// A config line Config accepts but does not interpret itself; it keeps it,
// in input order, for the part of the server that does: `rename-command`,
// `user`, `loadmodule`, module configs (`name.with.dot value`) and, in
// sentinel mode, `sentinel <option> ...` lines.
struct RawDirective {
  std::string name;               // lower-case directive, e.g. "sentinel"
  std::vector<std::string> args;  // arguments after the name, unquoted
  std::string file;               // config file it came from (absolute or as
                                  // written in `include`); "" = no file
  int line = 0;                   // 1-based line number, as Redis counts it
  std::string text;               // the trimmed line, for error reports
};

// Redis's fatal config report for one line, as FromArgs returns it; the
// sentinel uses it for errors in the `sentinel` lines it interprets:
//   "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
//   "Reading the configuration file, at line <line>\n>>> '<text>'\n<reason>"
std::string FormatConfigFileError(int line, const std::string& text,
                                  const std::string& reason);

class Config {
 public:
  Config();
  ~Config();
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  // Parses redis-server style arguments (argv[0] excluded):
  //   [config-file | -] [--directive arg ...] [--sentinel]
  // exactly as redis-server does: the file first (`include` followed), then
  // the command-line directives appended as extra config lines. On error the
  // Status message is Redis's complete multi-line report, e.g.
  //   "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
  //   "Reading the configuration file, at line 2\n>>> 'foo bar'\n"
  //   "Bad directive or wrong number of arguments"
  // `embedded_defaults` is used when no file is named (it may be empty).
  static Result<Config> FromArgs(const std::vector<std::string>& args);
  // As above, with the `embedded_defaults` text applied first when no file
  // is named (Troupe's own defaults: not reported by UnimplementedInUse, and
  // command-line errors keep Redis's line numbers), and sentinel mode set
  // before parsing when `sentinel_mode` (main() passes it for the
  // troupe-sentinel name, as redis-server does for redis-sentinel; a
  // --sentinel argument sets it too).
  static Result<Config> FromArgs(const std::vector<std::string>& args,
                                 const std::string& embedded_defaults,
                                 bool sentinel_mode = false);

  // Parses a whole config text (used by FromArgs and by tests).
  static Result<Config> FromText(const std::string& text, const std::string& file_name);
  // As above, in sentinel mode (`sentinel ...` lines accepted and kept, port
  // 26379 and protected-mode no as defaults, like redis-sentinel).
  static Result<Config> FromText(const std::string& text, const std::string& file_name,
                                 bool sentinel_mode);

  const ServerOptions& options() const;

  // Absolute path of the config file, empty when started without one.
  const std::string& config_file() const;

  // CONFIG GET with one or more glob patterns: (name, value) pairs, each name
  // once, in table order. Values formatted as Redis shows them
  // (e.g. save -> "3600 1 300 100 60 10000", bind -> "* -::*", yes/no booleans,
  // memory sizes as plain byte counts).
  std::vector<std::pair<std::string, std::string>> Get(
      const std::vector<std::string>& patterns) const;

  // CONFIG SET name value [name value ...]: all or nothing. Error messages as
  // Redis 7.0: "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
  // "ERR CONFIG SET failed (possibly related to argument 'port') - ...",
  // "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config".
  Status Set(const std::vector<std::pair<std::string, std::string>>& changes);
  // As Set, for a client known to be local (loopback or Unix socket): the
  // protected configs (dir, dbfilename) are then allowed when
  // enable-protected-configs is "local". Set() treats the client as remote.
  Status Set(const std::vector<std::pair<std::string, std::string>>& changes,
             bool client_is_local);

  // Records a setting the server changed by itself, bypassing CONFIG SET's
  // immutable / protected refusals: REPLICAOF / SLAVEOF change `replicaof`
  // ({"10.0.0.1", "7001"} or {"no", "one"}), so that CONFIG GET and CONFIG
  // REWRITE show it as Redis does. `args` are the directive's arguments as in
  // a config line; the error is Redis's argument error (e.g. "Invalid master
  // port"). No OnApply / OnChange callback runs.
  Status SetFromServer(const std::string& name, const std::vector<std::string>& args);

  // Registers a callback run after a successful CONFIG SET changed `name`
  // (canonical name); the node uses it to apply loglevel, maxclients, etc.
  void OnChange(const std::string& name, std::function<void(const ServerOptions&)> fn);

  // Registers a check run during CONFIG SET after `name` (canonical name)
  // got a new value, before the OnChange callbacks: it applies the value and
  // may refuse it (e.g. the new port can't be bound). On refusal every value
  // of that CONFIG SET is restored, the appliers already run are run again
  // with the old values, and Set fails with
  // "ERR CONFIG SET failed (possibly related to argument '<name>') - <message>".
  void OnApply(const std::string& name, std::function<Status(const ServerOptions&)> fn);

  // CONFIG REWRITE: rewrites config_file() keeping comments and unknown lines,
  // replacing changed directives in place and appending new ones, as Redis
  // does. Error when started without a config file:
  // "ERR The server is running without a config file".
  Status Rewrite() const;
  // Sentinel mode: as Rewrite, and every `sentinel ...` line of the file is
  // replaced by `sentinel_lines` (complete lines, e.g.
  // "sentinel monitor mymaster 127.0.0.1 7001 2"), reusing the old lines of
  // the same `sentinel <option>` in place. Rewrite() keeps them untouched.
  Status Rewrite(const std::vector<std::string>& sentinel_lines) const;

  // Directives that were set (in the file or on the command line) but are not
  // implemented yet: one start-up warning each.
  // Only directives whose value differs from Redis's default are listed (a
  // stock redis.conf restating defaults gives no warning), plus
  // rename-command / user / loadmodule / module configs when present.
  std::vector<std::string> UnimplementedInUse() const;

  // The lines Config keeps for others (see RawDirective), in input order.
  const std::vector<RawDirective>& raw_directives() const;

  // The whole directive table (for docs and tests).
  static const std::vector<DirectiveInfo>& Directives();

  // Marks sentinel mode (argv[0] named troupe-sentinel, or --sentinel).
  // Only the flag: `sentinel` lines parse only when sentinel mode is known
  // before parsing (FromArgs' `sentinel_mode` argument or --sentinel).
  void set_sentinel_mode(bool on);
  bool sentinel_mode() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a Redis memory size: "1gb", "512mb", "100k" (1000), "100kb" (1024), "42".
Result<int64_t> ParseMemory(const std::string& text);

}  // namespace troupe
