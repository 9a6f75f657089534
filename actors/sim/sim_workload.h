// SimClient: the simulated workload. Every write_interval_ms it asks one
// sentinel it can reach (picked by the seed) for the master address —
// SENTINEL get-master-addr-by-name, read from that sentinel's state via
// FindMaster / CurrentMasterAddress — and sends SET key:<i> <i> to that
// address over the simulated network, pipelining up to max_inflight_writes
// per connection. Acknowledged writes are recorded (key, value, node, time)
// so the run can report how many acknowledged writes a failover lost.
//
// Who talks to it: SimNetwork, the scenario (Start / Stop), the report.
// Threading: single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_network.h"
#include "actors/sim/sim_sentinel.h"

namespace troupe {

class SimClient final : public SimEndpoint {
 public:
  struct Ack {
    std::string key, value;
    int port;        // the data node that acknowledged it
    int64_t t_ms;
  };

  SimClient(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options,
            const std::vector<std::unique_ptr<SimSentinel>>* sentinels);

  void Start(int port);
  // No new writes after this (the replicas catch up before the final check).
  void Stop() { stopped_ = true; }
  NodeId id() const { return id_; }
  const std::vector<Ack>& acked() const { return acked_; }
  uint64_t attempted() const { return attempted_; }
  uint64_t errors() const { return errors_; }
  uint64_t indeterminate() const { return indeterminate_; }

  void OnConnected(ConnId conn, bool ok) override;
  void OnMessage(ConnId conn, const SimMessage& msg) override;
  void OnClosed(ConnId conn) override;

 private:
  struct Conn {
    ConnId id = 0;
    bool connected = false;
    std::deque<std::pair<std::string, std::string>> inflight;
  };
  void WriteOne();
  Conn* ByConn(ConnId conn, int* port);

  SimLoop* loop_;
  SimNetwork* net_;
  SimTrace* trace_;
  const SimOptions* options_;
  const std::vector<std::unique_ptr<SimSentinel>>* sentinels_;
  NodeId id_ = -1;
  bool stopped_ = false;
  uint64_t next_key_ = 0;
  std::map<int, Conn> conns_;  // by data node port
  std::vector<Ack> acked_;
  uint64_t attempted_ = 0, errors_ = 0, indeterminate_ = 0;
};

}  // namespace troupe
