// SimSentinel: one simulated sentinel — a real SentinelState (the same
// protocol code the servers run) on the node's SimClock, ticked every 100 ms
// of virtual time, with SimSentinelIo implementing SentinelIo over the
// simulated network the way the sentinel broker (sentinel.cc) does over TCP:
// a command link per instance (replies matched to requests in order), a
// pub/sub link per master / replica subscribed to __sentinel__:hello (each
// message there goes to OnHello), reconnects at most once a second. As a
// server it answers PING and SENTINEL is-master-down-by-addr (through the
// state's IsMasterDownByAddr, the 3-element reply of sentinel.cc).
// Events the state publishes (+sdown, +elected-leader, +switch-master ...)
// become trace lines and go to the scenario's event hook (the checkers).
//
// Who talks to it: SimNetwork, the scenario, the checkers (read-only
// state()). Threading: single-threaded.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/sentinel/sentinel_state.h"
#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_network.h"

namespace troupe {

class SimSentinel final : public SimEndpoint, public SentinelIo {
 public:
  // Called for every event the state publishes: (sentinel, type, text).
  using EventHook = std::function<void(SimSentinel&, const std::string&, const std::string&)>;

  SimSentinel(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options, const std::string& name,
              int port, uint64_t seed);

  // Registers on the network, monitors `master_port` and starts ticking.
  void Start(int master_port, EventHook hook);

  const std::string& name() const { return name_; }
  int port() const { return port_; }
  NodeId id() const { return id_; }
  SentinelState& state() { return *state_; }
  const SentinelState& state() const { return *state_; }
  SimClock& clock() { return clock_; }
  // The master address this sentinel would give a client (its config epoch
  // and port), as SENTINEL get-master-addr-by-name; false if unknown.
  bool CurrentMaster(int* port, int64_t* config_epoch);

  // ---- SentinelIo ------------------------------------------------------------
  void Command(SentinelInstance& ri, const std::vector<std::string>& argv, Reply done) override;
  void EnsureLinks(SentinelInstance& ri) override;
  void CloseLinks(SentinelInstance& ri) override;
  void Publish(const std::string& channel, const std::string& message) override;
  void FlushConfig() override {}

  // ---- SimEndpoint ------------------------------------------------------------
  void OnConnected(ConnId conn, bool ok) override;
  void OnAccept(ConnId conn) override {}
  void OnMessage(ConnId conn, const SimMessage& msg) override;
  void OnClosed(ConnId conn) override;

 private:
  struct Link {
    ConnId conn = 0;
    bool connected = false;
    bool connecting = false;
    int64_t last_attempt_ms = -1'000'000;
    std::deque<Reply> pending;
  };
  struct Links {
    Link cmd, pub;
  };
  struct ConnRef {
    SentinelInstance* ri;
    bool pubsub;
  };

  void Tick();
  void Connect(SentinelInstance& ri, Link& link, bool pubsub);
  void LinkLost(ConnId conn);
  void Serve(ConnId conn, const SimMessage& msg);

  SimLoop* loop_;
  SimNetwork* net_;
  SimTrace* trace_;
  const SimOptions* options_;
  std::string name_;
  int port_;
  NodeId id_ = -1;
  SimClock clock_;
  std::unique_ptr<SentinelState> state_;
  EventHook hook_;
  std::map<SentinelInstance*, Links> links_;
  std::map<ConnId, ConnRef> by_conn_;
};

}  // namespace troupe
