// Invariant: a write acknowledged by WAIT to all replicas survives. At the
// end of the run (after the heal phase, every node up and converged), every
// write the client saw covered by a WAIT that answered the number of
// replicas (SimReplClient::Write::wait_acked_ms) must be present, with its
// value, on every data node — the master and each replica. WAIT's promise
// is that those replicas had acknowledged an offset past the write; a
// replica that later loses it (a resync from a snapshot without it, a
// stream that skipped it, a partial resync from the wrong offset) breaks it.
// Both the replication scenario (no failover) and the sentinel-failover
// scenario (any number of failovers; a crashed node keeps what it applied,
// as with appendfsync always) run it.
//
// Who talks to it: those scenarios, at the end. Single-threaded.
#include <map>
#include <string>
#include <vector>

#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class WaitAckedWritesSurvive final : public SimChecker {
 public:
  const char* name() const override { return "wait-acked-writes-survive"; }

  Status AfterStep(SimWorld&) override { return Status::Ok(); }

  Status AtEnd(SimWorld& world) override {
    if (!world.repl_client) return Status::Ok();
    std::vector<std::map<std::string, std::string>> datasets;
    for (auto& node : world.servers) datasets.push_back(node->Dataset());
    for (const SimReplClient::Write& w : world.repl_client->writes()) {
      if (w.wait_acked_ms < 0) continue;
      ++checked_;
      for (size_t i = 0; i < world.servers.size(); ++i) {
        const SimServerNode& node = *world.servers[i];
        if (!node.up()) return Status::Error(node.name() + " is down at the end: cannot hold " + w.key);
        auto it = datasets[i].find("0:" + w.key);
        if (it == datasets[i].end() || it->second != w.value)
          return Status::Error("SET " + w.key + " " + w.value + ", acknowledged by WAIT to all replicas at " +
                               std::to_string(w.wait_acked_ms) + " ms, is " +
                               (it == datasets[i].end() ? "missing" : "'" + it->second + "'") + " on " +
                               node.name());
      }
    }
    return Status::Ok();
  }

  std::string Summary() const override {
    return std::to_string(checked_) + " WAIT-acknowledged writes present on every node";
  }

 private:
  uint64_t checked_ = 0;
};

}  // namespace

std::unique_ptr<SimChecker> MakeWaitAckedWritesSurviveChecker() {
  return std::make_unique<WaitAckedWritesSurvive>();
}

}  // namespace troupe
