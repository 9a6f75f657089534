// SimOptions: every knob of a troupe-sim run in one struct, each field with
// its default. The seed drives every random choice of the run (scheduling
// order among simultaneous events, network delays, faults, the workload,
// the sentinels' own generators, the cluster world's generator); the options are printed first, so a run
// is reproduced from the printed line alone.
//
// Who talks to it: sim_main.cc fills it from the command line (ParseFaults
// for --faults), the scenario and every simulated component read it.
// Threading: plain data, single-threaded simulator.
#pragma once

#include <cstdint>
#include <string>

#include "actors/common/status.h"

namespace troupe {

enum class DelayDistribution {
  kUniform,      // uniform in [delay_min_ms, delay_max_ms]
  kExponential,  // delay_min_ms + exponential with mean delay_mean_ms, capped at delay_max_ms
};

struct SimOptions {
  // ---- The run ------------------------------------------------------------
  uint64_t seed = 42;                 // drives every choice
  std::string scenario = "sentinel-failover";
  int64_t duration_ms = 600'000;      // total simulated time (fault phase + heal phase)
  int64_t heal_ms = 120'000;          // the last heal_ms are the heal phase (no new faults)
  bool print_trace = false;           // --trace: print every trace line as it happens
  int trace_tail = 40;                // trace lines printed with a violation
  uint64_t max_steps = 50'000'000;    // hard limit on events in one run

  // ---- Deployment ---------------------------------------------------------
  int sentinels = 3;                  // 3 or 5 SentinelState objects
  int quorum = 2;                     // sentinel monitor ... quorum
  int data_nodes = 3;                 // master + (data_nodes - 1) replicas
  int64_t down_after_ms = 5'000;      // sentinel down-after-milliseconds
  int64_t failover_timeout_ms = 30'000;  // sentinel failover-timeout
  int64_t repl_timeout_ms = 60'000;   // data nodes: repl-timeout

  // ---- Network --------------------------------------------------------------
  DelayDistribution delay_distribution = DelayDistribution::kUniform;
  int64_t delay_min_ms = 1;           // one-way delay of a message, lower bound
  int64_t delay_max_ms = 20;          // upper bound (a cap for the exponential)
  int64_t delay_mean_ms = 5;          // mean of the exponential part
  int64_t connect_timeout_ms = 5'000; // a connect to an unreachable node fails after this
  int64_t stall_retry_ms = 200;       // a message stuck behind a partition is retried this often
  int64_t stall_reset_ms = 30'000;    // ... and the connection resets when stuck this long (TCP gives up)

  // ---- Faults (--faults) ------------------------------------------------------
  bool fault_delay = true;            // random delays (off: every message takes delay_min_ms)
  bool fault_drop = true;             // drops: a dropped message resets its connection
  double drop_probability = 0.0005;   // per message, in the fault phase
  // Duplication: a message delivered twice. Only where a link carries whole
  // messages (the cluster bus's frames): a byte stream (RESP over TCP)
  // never repeats bytes, so the RESP scenarios do not use it.
  bool fault_dup = true;
  double dup_probability = 0.001;     // per message, in the fault phase
  bool fault_crash = true;            // data node crash + restart
  bool fault_isolate = true;          // partition: one node alone
  bool fault_split = true;            // partition: {master, 1 replica, 1 sentinel} | {rest} (Jepsen 2013)
  bool fault_flap = true;             // partition: one node isolated and healed repeatedly
  bool fault_clock = true;            // clock jumps (sentinels and data nodes)
  int64_t fault_interval_ms = 20'000; // mean time between two faults (exponential)
  int64_t fault_min_ms = 2'000;       // a crash / partition lasts between fault_min_ms ...
  int64_t fault_max_ms = 40'000;      // ... and fault_max_ms
  int64_t clock_jump_max_ms = 10'000; // a clock jump moves a node's wall clock by up to +-this
  double crash_master_bias = 0.6;     // probability that a crash / isolation picks the current master

  // ---- Workload ---------------------------------------------------------------
  int64_t write_interval_ms = 100;    // the client writes key:i = i every this often
  int max_inflight_writes = 64;       // per connection; further writes are skipped

  // ---- The real data nodes (SimServerNode) and their client: scenarios ----------
  // `replication` and `sentinel-failover` (there the master moves; the
  // client WAITs for data_nodes - 1 replicas)
  int replicas = 2;                   // --replicas N: replicas of the one master (replication scenario)
  int64_t repl_backlog_bytes = 8'192; // repl-backlog-size: small, so a long outage needs a full resync
  int64_t snapshot_min_ms = 20;       // the in-process BGSAVE of a full sync hands its RDB over after
  int64_t snapshot_max_ms = 1'500;    // ... snapshot_min_ms .. snapshot_max_ms (uniform)
  int64_t save_interval_ms = 20'000;  // each node saves its dump.rdb (kept in memory) about this often
  double segment_probability = 0.3;   // a byte-stream write is cut into two TCP segments
  double crash_keep_rdb = 0.5;        // replication: a crashed replica restarts from its dump.rdb, else with no file
  double shutdown_save = 0.3;         // replication: a replica "crash" is a SHUTDOWN that saves its dump.rdb first
                                      // (sentinel-failover: a crashed node keeps every write, as appendfsync always)
  bool fault_link = true;             // link drops: a replica's connections to its master reset
  int wait_every = 3;                 // the client sends WAIT <replicas> <wait_timeout_ms> every this many writes
  int64_t wait_timeout_ms = 1'000;    // ... and WAIT's timeout
  int multi_every = 5;                // every multi_every-th write is MULTI / SET / SET / EXEC (0 = never)

  // ---- Scenario `cluster-gossip` (the real ClusterState / ClusterBus) ----------------
  int cluster_masters = 3;            // --masters N: masters, the 16384 slots split evenly among them
  int cluster_replicas = 1;           // --cluster-replicas N: replicas per master
  int64_t cluster_node_timeout_ms = 5'000;  // --node-timeout: cluster-node-timeout
  bool cluster_create_drops = false;  // drops also while the cluster is created (create-drops=1): a lost
                                      // MEET then leaves a node knowing nobody (docs/SIMULATION.md)

  // ---- Test-only ----------------------------------------------------------------
  bool vote_twice = false;            // sets SentinelState::test_vote_twice on every sentinel
  int test_skip_write_every = 0;      // the master leaves every Nth write batch out of its stream
                                      // (Replication::test_skip_write_every; 0 = off)
  bool test_corrupt_slots = false;    // cluster-gossip: once in the fault phase, one node's slot table
                                      // is changed behind its bus (a master's slots given to another)
};

// Applies a --faults list: comma-separated names (delay, drop, crash,
// isolate, split, flap, clock, link, partition = isolate+split+flap, all, none),
// and name=value settings (drop=0.01, interval=5000, jump=2000,
// delay=exp, delay-max=50, fault-max=20000; for the replication scenario
// save=MS, segment=P, keep-rdb=P, shutdown-save=P; for cluster-gossip
// create-drops=0|1). Unknown names are an error.
Status ParseFaults(const std::string& list, SimOptions* options);

// One line describing every option (the header of a run).
std::string DescribeOptions(const SimOptions& options);

}  // namespace troupe
