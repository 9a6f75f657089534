// SimReplClient: the workload of the `replication` and `sentinel-failover`
// scenarios. One client connection to the master, speaking RESP bytes
// (requests written with
// AppendRespArray, replies read with RespReplyParser): every
// write_interval_ms it sends SET key:<i> <i> (every multi_every-th time a
// MULTI / SET / SET / EXEC transaction instead), pipelined up to
// max_inflight_writes, and after every wait_every writes a
// WAIT <replicas> <wait_timeout_ms>.
//
// What it records, per write: acknowledged by the master (+OK), and
// acknowledged by WAIT to all replicas — a WAIT on the same connection
// that answered at least <replicas> covers every write acknowledged on
// that connection before it (WAIT counts replicas whose offset reached the
// client's last write). A closed connection forgets the writes no WAIT
// covered yet (a WAIT on a new connection says nothing about them);
// writes without a reply are indeterminate.
//
// Under sentinels (SetMasterResolver) the master is looked up before every
// write, as a client asks SENTINEL get-master-addr-by-name; when the answer
// changes, the connection to the old master is closed and one to the new
// master opened.
//
// Who talks to it: SimNetwork, the scenario (Start / Stop), the checkers
// (writes()). Threading: single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_network.h"

namespace troupe {

struct RespReply;

class SimReplClient final : public SimEndpoint {
 public:
  struct Write {
    std::string key, value;
    int64_t acked_ms = -1;       // +OK from the master (-1 = not acknowledged)
    int64_t wait_acked_ms = -1;  // covered by a WAIT that all replicas acknowledged
  };

  SimReplClient(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options, int master_port,
                int replicas);

  void Start(int port);
  // The master's port now (0: unknown), asked before every write.
  void SetMasterResolver(std::function<int()> resolve) { resolve_ = std::move(resolve); }
  // No new writes after this (the replicas catch up before the final check).
  void Stop() { stopped_ = true; }
  NodeId id() const { return id_; }
  const std::vector<Write>& writes() const { return writes_; }
  uint64_t acked() const { return acked_; }
  uint64_t wait_acked() const { return wait_acked_; }
  uint64_t errors() const { return errors_; }
  uint64_t indeterminate() const { return indeterminate_; }
  uint64_t waits_full() const { return waits_full_; }
  uint64_t waits_short() const { return waits_short_; }

  void OnConnected(ConnId conn, bool ok) override;
  void OnMessage(ConnId conn, const SimMessage& msg) override;
  void OnClosed(ConnId conn) override;

 private:
  // A reply the connection waits for, in order.
  struct Expect {
    enum class Kind { kSet, kMulti, kQueued, kExec, kWait };
    Kind kind;
    std::vector<size_t> writes;  // the writes it acknowledges (kSet, kExec)
  };

  void Tick();
  void Send(const std::vector<std::string>& argv, Expect expect);
  void OnReply(const RespReply& reply);
  void Lost();

  SimLoop* loop_;
  SimNetwork* net_;
  SimTrace* trace_;
  const SimOptions* options_;
  int master_port_;
  int replicas_;
  std::function<int()> resolve_;
  NodeId id_ = -1;
  bool stopped_ = false;
  ConnId conn_ = 0;
  bool connected_ = false;
  int64_t last_connect_ms_ = -1'000'000;
  std::string in_;
  std::deque<Expect> expect_;
  std::vector<size_t> uncovered_;  // acknowledged on this connection, no full WAIT since
  uint64_t since_wait_ = 0;        // writes sent since the last WAIT
  uint64_t rounds_ = 0;            // writes and transactions sent (multi_every)
  std::vector<Write> writes_;
  uint64_t acked_ = 0, wait_acked_ = 0, errors_ = 0, indeterminate_ = 0, waits_full_ = 0, waits_short_ = 0;
};

}  // namespace troupe
