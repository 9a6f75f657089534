// troupe-sim: runs a deployment's protocol code (the real SentinelState;
// the real keyspace, command table, Replication and ReplicaLink; the real
// ClusterState and ClusterBus) on simulated time and a simulated network,
// reproducibly from one seed (docs/SIMULATION.md).
//
//   troupe-sim --scenario sentinel-failover|replication|cluster-gossip --seed 42 --duration 600s
//              [--heal 120s] [--sentinels 3|5] [--replicas N] [--backlog BYTES]
//              [--masters N] [--cluster-replicas N] [--node-timeout 5s]
//              [--faults LIST] [--trace]
//
// Prints the seed and every option first, then (with --trace) every trace
// line, then the result: the checkers' summaries, the trace hash, and the
// speed in simulated seconds per wall second. Exit status 0 when every
// invariant held, 1 on a violation (the step, the violation and the trace
// tail are printed), 2 on a usage error.
//
// Output goes through a dedicated spdlog logger with a bare pattern; the
// protocol code's own logging (the default logger) is off unless --log.
// Threading: single-threaded.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "actors/sim/sim_world.h"

namespace {

// "600s", "600000ms", "10m" or a bare number of seconds.
bool ParseDuration(const std::string& s, int64_t* ms) {
  if (s.empty()) return false;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  std::string unit(end);
  if (v < 0) return false;
  if (unit.empty() || unit == "s") *ms = v * 1000;
  else if (unit == "ms") *ms = v;
  else if (unit == "m") *ms = v * 60'000;
  else return false;
  return true;
}

const char kUsage[] =
    "usage: troupe-sim --scenario sentinel-failover|replication|cluster-gossip --seed N --duration 600s\n"
    "                  [--heal 120s] [--sentinels 3|5] [--replicas N] [--backlog BYTES]\n"
    "                  [--masters N] [--cluster-replicas N] [--node-timeout 5s]\n"
    "                  [--faults LIST] [--trace] [--log]\n"
    "                  [--test-vote-twice] [--test-skip-write N] [--test-corrupt-slots]\n"
    "  --faults: comma list of delay,drop,crash,isolate,split,flap,clock,link,partition,all,none\n"
    "            and settings drop=P interval=MS jump=MS delay=uniform|exp delay-min=MS\n"
    "            delay-max=MS delay-mean=MS fault-min=MS fault-max=MS\n"
    "            (replication) save=MS segment=P keep-rdb=P shutdown-save=P\n"
    "            (cluster-gossip) create-drops=0|1";

}  // namespace

int main(int argc, char** argv) {
  auto out = spdlog::stdout_logger_st("troupe-sim");
  out->set_pattern("%v");
  spdlog::set_level(spdlog::level::off);  // the protocol code's own log lines
  out->set_level(spdlog::level::info);

  troupe::SimOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--trace") {
      o.print_trace = true;
    } else if (a == "--test-vote-twice") {
      o.vote_twice = true;  // test-only: proves the one-leader-per-epoch checker can fail
    } else if (a == "--test-corrupt-slots") {
      o.test_corrupt_slots = true;  // test-only: proves the cluster checkers can fail
    } else if (a == "--log") {
      spdlog::set_level(spdlog::level::debug);
      out->set_level(spdlog::level::info);
    } else if (a == "--scenario" && value(&v)) {
      o.scenario = v;
    } else if (a == "--seed" && value(&v)) {
      o.seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--duration" && value(&v) && ParseDuration(v, &o.duration_ms)) {
    } else if (a == "--heal" && value(&v) && ParseDuration(v, &o.heal_ms)) {
    } else if (a == "--test-skip-write" && value(&v) && std::atoi(v.c_str()) > 0) {
      o.test_skip_write_every = std::atoi(v.c_str());  // test-only: proves the replication checkers can fail
    } else if (a == "--replicas" && value(&v) && std::atoi(v.c_str()) >= 1 && std::atoi(v.c_str()) <= 8) {
      o.replicas = std::atoi(v.c_str());
    } else if (a == "--backlog" && value(&v) && std::atoll(v.c_str()) >= 1) {
      o.repl_backlog_bytes = std::atoll(v.c_str());
    } else if (a == "--masters" && value(&v) && std::atoi(v.c_str()) >= 1 && std::atoi(v.c_str()) <= 16) {
      o.cluster_masters = std::atoi(v.c_str());
    } else if (a == "--cluster-replicas" && value(&v) && v.size() == 1 && v[0] >= '0' && v[0] <= '4') {
      o.cluster_replicas = v[0] - '0';
    } else if (a == "--node-timeout" && value(&v) && ParseDuration(v, &o.cluster_node_timeout_ms) &&
               o.cluster_node_timeout_ms >= 100) {
    } else if (a == "--sentinels" && value(&v) && (v == "3" || v == "5")) {
      o.sentinels = std::atoi(v.c_str());
      o.quorum = o.sentinels / 2 + 1;
    } else if (a == "--faults" && value(&v)) {
      troupe::Status s = troupe::ParseFaults(v, &o);
      if (!s.ok()) {
        out->error("troupe-sim: {}\n{}", s.message(), kUsage);
        return 2;
      }
    } else if (a == "--help" || a == "-h") {
      out->info("{}", kUsage);
      return 0;
    } else {
      out->error("troupe-sim: bad argument '{}'\n{}", a, kUsage);
      return 2;
    }
  }
  if (o.scenario != "sentinel-failover" && o.scenario != "replication" && o.scenario != "cluster-gossip") {
    out->error("troupe-sim: unknown scenario '{}' (sentinel-failover, replication or cluster-gossip)", o.scenario);
    return 2;
  }
  if (o.heal_ms >= o.duration_ms) o.heal_ms = o.duration_ms / 2;

  out->info("troupe-sim {}", troupe::DescribeOptions(o));
  auto start = std::chrono::steady_clock::now();
  std::function<void(const std::string&)> line;
  if (o.print_trace) line = [&out](const std::string& l) { out->info("{}", l); };
  troupe::SimResult r = o.scenario == "replication"      ? troupe::RunReplication(o, line)
                        : o.scenario == "cluster-gossip" ? troupe::RunClusterGossip(o, line)
                                                         : troupe::RunSentinelFailover(o, line);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (!r.ok) {
    out->info("VIOLATION of {} at step {} (t={} ms): {}", r.checker, r.violation_step, r.violation_ms, r.violation);
    out->info("trace tail (last {} lines):", r.trace_tail.size());
    for (const std::string& l : r.trace_tail) out->info("  {}", l);
  }
  for (const std::string& s : r.summaries) out->info("{}", s);
  if (o.scenario == "cluster-gossip") {
    out->info("steps={} trace_lines={} messages={} resets={} faults={}", r.steps, r.trace_lines, r.messages,
              r.resets, r.faults);
    out->info("cluster: crashes={} partitions={} promotions={} votes={}", r.crashes, r.partitions, r.promotions,
              r.votes);
  } else {
    out->info("steps={} trace_lines={} messages={} resets={} faults={} switch_master_events={}", r.steps,
              r.trace_lines, r.messages, r.resets, r.faults, r.switch_master_events);
    out->info("writes: attempted={} acked={} failed={} acked_but_lost={}", r.writes_attempted, r.writes_acked,
              r.writes_failed, r.writes_lost);
  }
  if (o.scenario == "replication" || o.scenario == "sentinel-failover")
    out->info("replication: wait_acked_writes={} waits_all={} waits_fewer={} full_syncs={} partial_syncs={} "
              "crashes={}",
              r.writes_wait_acked, r.waits_full, r.waits_short, r.full_syncs, r.partial_syncs, r.crashes);
  double sim_s = static_cast<double>(r.simulated_ms) / 1000.0;
  out->info("simulated {:.1f} s in {:.3f} s wall: {:.0f} simulated s per wall s", sim_s, wall,
            wall > 0 ? sim_s / wall : 0.0);
  out->info("trace_hash={:016x}", r.trace_hash);
  out->info("result: {} (seed {})", r.ok ? "ok" : "VIOLATION", o.seed);
  return r.ok ? 0 : 1;
}
