// SimSentinel: one simulated sentinel process — the real SentinelState (the
// same protocol code the servers run) on the node's SimClock, ticked every
// 100 ms of virtual time, with the edges the sentinel broker
// (actors/sentinel/sentinel.cc) has over TCP rebuilt on the simulated
// network, byte for byte:
//  - outbound (SentinelIo): a command link per instance and a pub/sub link
//    per master / replica, speaking RESP — CLIENT SETNAME on connect,
//    SUBSCRIBE __sentinel__:hello on the pub/sub link (each message there
//    goes to OnHello), replies matched to requests in order and flattened
//    as the broker does (RespReplyParser), reconnects at most once a second;
//  - inbound: what a sentinel process serves — each accepted connection is
//    a SimSession running the real command table in sentinel mode (PING,
//    SENTINEL is-master-down-by-addr, get-master-addr-by-name, ...) on this
//    sentinel's ServerContext, whose pub/sub carries the events the state
//    publishes (+sdown, +switch-master, ...), as the broker's Publish does.
// Events the state publishes also become trace lines and go to the
// scenario's event hook (the checkers).
//
// Who talks to it: SimNetwork, the scenario, the checkers (read-only
// state()). Threading: single-threaded.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "actors/sentinel/sentinel_state.h"
#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_network.h"

namespace troupe {

class SimSession;

class SimSentinel final : public SimEndpoint, public SentinelIo {
 public:
  // Called for every event the state publishes: (sentinel, type, text).
  using EventHook = std::function<void(SimSentinel&, const std::string&, const std::string&)>;

  SimSentinel(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options, const std::string& name,
              int port, uint64_t seed);
  ~SimSentinel() override;

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
  void OnAccept(ConnId conn) override;
  void OnMessage(ConnId conn, const SimMessage& msg) override;
  void OnClosed(ConnId conn) override;

  struct Server;  // the sentinel process's server side (sim_sentinel.cc)

 private:
  struct Link {
    SentinelInstance* ri = nullptr;
    bool pubsub = false;
    ConnId conn = 0;
    bool connected = false;
    bool connecting = false;
    int64_t last_attempt_ms = -1'000'000;
    std::string in;  // reply bytes not parsed yet
    std::deque<Reply> pending;
  };
  struct Links {
    Link cmd, pub;
  };

  void Tick();
  void Connect(Link& link);
  void Write(Link& link, const std::vector<std::string>& argv);
  void SendBytes(ConnId conn, std::string_view bytes);
  void OnLinkData(ConnId conn, Link& link, const std::string& bytes);
  void MarkDown(Link& link);
  void Drop(Link& link, const char* why);
  void CloseSession(ConnId conn);

  SimLoop* loop_;
  SimNetwork* net_;
  SimTrace* trace_;
  const SimOptions* options_;
  std::string name_;
  int port_;
  NodeId id_ = -1;
  SimClock clock_;
  std::unique_ptr<SentinelState> state_;
  std::unique_ptr<Server> server_;
  EventHook hook_;
  std::map<SentinelInstance*, std::unique_ptr<Links>> links_;
  std::map<ConnId, Link*> by_conn_;  // outbound links, by connection
  std::map<ConnId, std::unique_ptr<SimSession>> sessions_;  // inbound connections
  // Deferred work checks that this sentinel still exists.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace troupe
