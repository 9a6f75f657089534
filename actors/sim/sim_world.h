// SimWorld: everything one troupe-sim run is made of (the loop, the trace,
// the network, the sentinels, the data nodes, the client, the phase), the
// invariant-checker interface, and a run's result. The replication scenario
// fills `servers` (the real server code) and `repl_client`; the
// sentinel-failover scenario those and `sentinels`; the cluster-gossip
// scenario `cluster` (N real ClusterState + ClusterBus nodes). The scenario builds the
// world and drives it; checkers (actors/sim/checkers/, one per file) read
// it after every step.
//
// Threading: single-threaded; a run owns its world.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/common/status.h"
#include "actors/sim/sim_cluster_world.h"
#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_network.h"
#include "actors/sim/sim_options.h"
#include "actors/sim/sim_repl_client.h"
#include "actors/sim/sim_sentinel.h"
#include "actors/sim/sim_server_node.h"
#include "actors/sim/sim_trace.h"

namespace troupe {

struct SimWorld {
  explicit SimWorld(const SimOptions& o)
      : options(o), loop(o.seed), trace(static_cast<size_t>(o.trace_tail)), net(&loop, &trace, &options) {}
  SimOptions options;
  SimLoop loop;
  SimTrace trace;
  SimNetwork net;
  std::vector<std::unique_ptr<SimSentinel>> sentinels;
  std::vector<std::unique_ptr<SimServerNode>> servers;  // servers[0] is the first master
  std::unique_ptr<SimReplClient> repl_client;
  std::unique_ptr<SimClusterWorld> cluster;
  int64_t heal_start_ms = 0;  // the heal phase starts here ...
  int64_t end_ms = 0;         // ... and the run ends here
  bool healing = false;

  SimServerNode* ServerByPort(int port) {
    for (auto& d : servers)
      if (d->port() == port) return d.get();
    return nullptr;
  }
};

// An invariant checker. AfterStep runs after every event of the loop;
// the first non-ok Status stops the run as a violation.
class SimChecker {
 public:
  virtual ~SimChecker() = default;
  virtual const char* name() const = 0;
  // Every event a sentinel publishes (+sdown, +elected-leader, ...).
  virtual void OnSentinelEvent(SimWorld& world, SimSentinel& sentinel, const std::string& type,
                               const std::string& text) {}
  virtual Status AfterStep(SimWorld& world) = 0;
  // The cluster-gossip scenario: after every event of the cluster world
  // (`node`: the node whose code ran, -1 for none), and every bus message
  // a node sends.
  virtual Status AfterClusterEvent(SimWorld& world, int node) { return Status::Ok(); }
  virtual void OnClusterSend(SimWorld& world, int from, int to, const cluster::bus::BusMessage& msg) {}
  // Once, at the end of the run.
  virtual Status AtEnd(SimWorld& world) { return Status::Ok(); }
  // A line for the report (may be empty).
  virtual std::string Summary() const { return ""; }
};

// The checkers (each in its own file under actors/sim/checkers/).
std::unique_ptr<SimChecker> MakeOneLeaderPerEpochChecker();
std::unique_ptr<SimChecker> MakeOneMasterPerEpochChecker();
std::unique_ptr<SimChecker> MakeConvergenceChecker();
std::unique_ptr<SimChecker> MakeReplOffsetMonotonicChecker();
std::unique_ptr<SimChecker> MakeWaitAckedWritesSurviveChecker();
std::unique_ptr<SimChecker> MakeReplConvergenceChecker();
std::unique_ptr<SimChecker> MakeClusterOneSlotMapAfterHealChecker();
std::unique_ptr<SimChecker> MakeClusterSlotEpochsChecker();
std::unique_ptr<SimChecker> MakeClusterOneVotePerEpochChecker();

struct SimResult {
  bool ok = true;
  std::string checker;            // the checker that failed
  std::string violation;          // what it said
  uint64_t violation_step = 0;
  int64_t violation_ms = 0;
  uint64_t steps = 0;
  int64_t simulated_ms = 0;
  uint64_t trace_hash = 0;
  uint64_t trace_lines = 0;
  std::vector<std::string> trace_tail;
  uint64_t messages = 0, resets = 0, faults = 0;
  uint64_t writes_attempted = 0, writes_acked = 0, writes_lost = 0, writes_failed = 0;
  uint64_t elections = 0, switch_master_events = 0;
  // The replication scenario: writes WAIT acknowledged by every replica,
  // WAITs answered with all / fewer replicas, full syncs loaded and
  // partial resyncs (+CONTINUE) by replicas, replica crashes / shutdowns.
  uint64_t writes_wait_acked = 0, waits_full = 0, waits_short = 0, full_syncs = 0, partial_syncs = 0,
           crashes = 0;
  // The cluster-gossip scenario: replicas that became masters (elections
  // won), votes sent (auth-ack), node crashes, partitions.
  uint64_t promotions = 0, votes = 0, partitions = 0;
  std::vector<std::string> summaries;  // one line per checker
};

// The sentinel-failover scenario (scenario_sentinel_failover.cc). `line`,
// when set, gets every trace line (--trace).
SimResult RunSentinelFailover(const SimOptions& options, std::function<void(const std::string&)> line = nullptr);
// The replication scenario (scenario_replication.cc).
SimResult RunReplication(const SimOptions& options, std::function<void(const std::string&)> line = nullptr);
// The cluster-gossip scenario (scenario_cluster_gossip.cc).
SimResult RunClusterGossip(const SimOptions& options, std::function<void(const std::string&)> line = nullptr);

}  // namespace troupe
