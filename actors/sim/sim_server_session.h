// SimSession: one inbound connection of a simulated server node
// (sim_server_node.h), doing what net/client_session.cc does for a TCP
// client, on simulated time: RESP bytes in (RespParser), each command
// through the real CommandTable::Dispatch on the node's keyspace, the reply
// bytes out; clients parked by blocking commands (WAIT) through the real
// BlockingRegistry, re-run when woken and at their timeout; a connection
// that became a replica (PSYNC) carries the replication stream
// (ClientState::send_raw) and no replies.
// What it leaves out of the real session: CLIENT PAUSE, MONITOR, pub/sub
// pushes, CLIENT REPLY modes, output limits (the scenario does not use them).
//
// Who talks to it: SimServerNode creates one per accepted connection, feeds
// it the bytes that arrive and destroys it when the connection closes (the
// destructor unregisters the client, as a closing session does).
// Threading: single-threaded simulator.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/shard/blocking/blocking_registry.h"
#include "actors/shard/commands/command.h"
#include "net/client_state.h"
#include "net/resp_parser.h"

namespace troupe {

class Keyspace;
class ServerContext;

class SimSession final : public SessionHooks {
 public:
  // What the session needs from its node.
  struct Env {
    Keyspace* keyspace = nullptr;
    ServerContext* server = nullptr;
    std::function<void(std::string_view)> send;  // bytes to the peer, now
    std::function<void()> close;                 // close the connection soon (never inside a call)
    // Runs `fn` after `delay_ms` of virtual time, unless the node's process
    // died meanwhile; the session checks it still exists itself.
    std::function<void(int64_t delay_ms, std::function<void()> fn)> later;
    // When set, INFO replies pass through it before they leave (the
    // simulator's host facts: sim_info_scrub.h).
    std::function<void(std::string* reply)> filter_info;
  };

  SimSession(Env env, const std::string& peer_addr);
  ~SimSession() override;
  SimSession(const SimSession&) = delete;
  SimSession& operator=(const SimSession&) = delete;

  // Bytes arrived from the peer.
  void OnBytes(std::string_view bytes);
  ClientState& client() { return client_; }

  // SessionHooks.
  void BlockOn(const std::vector<std::string>& keys, int64_t timeout_ms, bool null_array,
               bool rerun_on_timeout) override;

 private:
  // Runs every complete command held, unless parked or closing.
  void ProcessInput();
  void Execute();
  // Re-runs the parked command (BlockingRegistry::ServeReadyKeys); true when served.
  bool RetryBlocked();
  void TimedOut(uint64_t seq);
  void ResumeAfterBlock();
  void Send(const std::vector<char>& out);

  Env env_;
  ClientState client_;
  RespParser parser_;
  std::string in_;
  std::vector<std::string_view> argv_;
  bool closing_ = false;
  // Blocking (as client_session.cc).
  BlockedClient blocked_;
  std::vector<std::string> blocked_argv_;
  bool blocked_null_array_ = true;
  bool blocked_rerun_on_timeout_ = false;
  uint64_t block_seq_ = 0;
  bool in_retry_ = false;
  bool reblocked_ = false;
  // Deferred work checks that the session still exists.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace troupe
