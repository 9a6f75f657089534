// --faults parsing and the options header line (see sim_options.h).
#include "actors/sim/sim_options.h"

#include <cstdlib>
#include <sstream>
#include <vector>

namespace troupe {
namespace {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

void SetAll(SimOptions* o, bool on) {
  o->fault_delay = o->fault_drop = o->fault_crash = o->fault_isolate = o->fault_split = o->fault_flap =
      o->fault_clock = o->fault_link = o->fault_dup = on;
}

}  // namespace

Status ParseFaults(const std::string& list, SimOptions* o) {
  std::vector<std::string> items = SplitComma(list);
  // A list of names selects exactly those faults; settings alone keep the rest.
  bool any_name = false;
  for (const std::string& item : items)
    if (item.find('=') == std::string::npos) any_name = true;
  if (any_name) SetAll(o, false);
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      if (item == "all") SetAll(o, true);
      else if (item == "none") SetAll(o, false);
      else if (item == "delay") o->fault_delay = true;
      else if (item == "drop") o->fault_drop = true;
      else if (item == "dup") o->fault_dup = true;
      else if (item == "crash") o->fault_crash = true;
      else if (item == "isolate") o->fault_isolate = true;
      else if (item == "split") o->fault_split = true;
      else if (item == "flap") o->fault_flap = true;
      else if (item == "clock") o->fault_clock = true;
      else if (item == "link") o->fault_link = true;
      else if (item == "partition") o->fault_isolate = o->fault_split = o->fault_flap = true;
      else return Status::Error("unknown fault '" + item + "'");
      continue;
    }
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    int64_t n = 0;
    if (key == "segment" || key == "keep-rdb" || key == "shutdown-save") {
      char* end = nullptr;
      double p = std::strtod(value.c_str(), &end);
      if (*end != '\0' || p < 0 || p > 1) return Status::Error(key + "= needs a probability in [0,1]");
      (key == "segment" ? o->segment_probability : key == "keep-rdb" ? o->crash_keep_rdb : o->shutdown_save) = p;
    } else if (key == "drop") {
      char* end = nullptr;
      double p = std::strtod(value.c_str(), &end);
      if (*end != '\0' || p < 0 || p > 1) return Status::Error("drop= needs a probability in [0,1]");
      o->drop_probability = p;
      o->fault_drop = p > 0;
    } else if (key == "dup") {
      char* end = nullptr;
      double p = std::strtod(value.c_str(), &end);
      if (*end != '\0' || p < 0 || p > 1) return Status::Error("dup= needs a probability in [0,1]");
      o->dup_probability = p;
      o->fault_dup = p > 0;
    } else if (key == "delay") {
      if (value == "uniform") o->delay_distribution = DelayDistribution::kUniform;
      else if (value == "exp") o->delay_distribution = DelayDistribution::kExponential;
      else return Status::Error("delay= is uniform or exp");
      o->fault_delay = true;
    } else if (!ParseInt(value, &n)) {
      return Status::Error("'" + item + "' needs a non-negative integer");
    } else if (key == "interval" && n > 0) {
      o->fault_interval_ms = n;
    } else if (key == "jump") {
      o->clock_jump_max_ms = n;
    } else if (key == "delay-min") {
      o->delay_min_ms = n;
    } else if (key == "delay-max" && n >= o->delay_min_ms) {
      o->delay_max_ms = n;
    } else if (key == "delay-mean") {
      o->delay_mean_ms = n;
    } else if (key == "fault-min") {
      o->fault_min_ms = n;
    } else if (key == "fault-max" && n >= o->fault_min_ms) {
      o->fault_max_ms = n;
    } else if (key == "save" && n >= 1000) {
      o->save_interval_ms = n;
    } else if (key == "create-drops" && n <= 1) {
      o->cluster_create_drops = n == 1;
    } else {
      return Status::Error("unknown or out-of-range setting '" + item + "'");
    }
  }
  return Status::Ok();
}

std::string DescribeOptions(const SimOptions& o) {
  std::ostringstream s;
  auto yn = [](bool b) { return b ? "on" : "off"; };
  s << "seed=" << o.seed << " scenario=" << o.scenario << " duration_ms=" << o.duration_ms
    << " heal_ms=" << o.heal_ms << " sentinels=" << o.sentinels << " quorum=" << o.quorum
    << " data_nodes=" << o.data_nodes << " down_after_ms=" << o.down_after_ms
    << " failover_timeout_ms=" << o.failover_timeout_ms << " repl_timeout_ms=" << o.repl_timeout_ms
    << " delay=" << (o.delay_distribution == DelayDistribution::kUniform ? "uniform" : "exp") << "("
    << o.delay_min_ms << ".." << o.delay_max_ms << ",mean=" << o.delay_mean_ms << ")ms"
    << " connect_timeout_ms=" << o.connect_timeout_ms << " stall_reset_ms=" << o.stall_reset_ms
    << " faults: delay=" << yn(o.fault_delay) << " drop=" << yn(o.fault_drop) << "(p=" << o.drop_probability
    << ") dup=" << yn(o.fault_dup) << "(p=" << o.dup_probability << ", cluster bus only)"
    << " crash=" << yn(o.fault_crash) << " isolate=" << yn(o.fault_isolate) << " split=" << yn(o.fault_split)
    << " flap=" << yn(o.fault_flap) << " clock=" << yn(o.fault_clock) << "(+-" << o.clock_jump_max_ms
    << "ms) interval_ms=" << o.fault_interval_ms << " fault_ms=" << o.fault_min_ms << ".." << o.fault_max_ms
    << " write_interval_ms=" << o.write_interval_ms << (o.vote_twice ? " TEST:vote_twice" : "");
  if (o.scenario == "replication" || o.scenario == "sentinel-failover")
    s << " replicas=" << (o.scenario == "replication" ? o.replicas : o.data_nodes - 1) << " repl_backlog_bytes=" << o.repl_backlog_bytes << " snapshot_ms="
      << o.snapshot_min_ms << ".." << o.snapshot_max_ms << " save_interval_ms=" << o.save_interval_ms
      << " segment_p=" << o.segment_probability << " crash_keep_rdb=" << o.crash_keep_rdb << " shutdown_save=" << o.shutdown_save
      << " link=" << yn(o.fault_link) << " wait_every=" << o.wait_every << " wait_timeout_ms="
      << o.wait_timeout_ms << " multi_every=" << o.multi_every
      << (o.test_skip_write_every > 0 ? " TEST:skip_write_every=" + std::to_string(o.test_skip_write_every) : "");
  if (o.scenario == "cluster-gossip")
    s << " masters=" << o.cluster_masters << " cluster_replicas=" << o.cluster_replicas
      << " node_timeout_ms=" << o.cluster_node_timeout_ms << " link=" << yn(o.fault_link)
      << " create_drops=" << yn(o.cluster_create_drops)
      << (o.test_corrupt_slots ? " TEST:corrupt_slots" : "");
  return s.str();
}

}  // namespace troupe
