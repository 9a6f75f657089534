// BlockingRegistry: which clients are parked by a blocking command (BLPOP,
// BZPOPMIN, BLMOVE, ...) on which keys, in the order they blocked, and the
// keys written since the last check.
//
// After every command the client session calls ServeReadyKeys(): for each
// written key it re-runs the commands of the clients blocked on it, oldest
// first (BlockedClient::retry, which writes the reply to that client's own
// connection), until the data is gone; a client whose re-run finds nothing
// stays parked in its place. This is Redis's order: a push wakes the
// longest-waiting client before any other command runs.
// Threading: the shard's multiplexer thread only. No CAF header.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe {

struct BlockedClient {
  uint64_t client_id = 0;
  int db = 0;
  std::vector<std::string> keys;
  bool active = false;            // parked right now
  // Re-runs the blocked command; returns true when it was served (it did
  // not block again). Set by the owning session.
  std::function<bool()> retry;
};

class BlockingRegistry {
 public:
  // Parks `c` on its keys (c->active becomes true).
  void Block(BlockedClient* c);
  // Removes `c` from every queue (c->active becomes false). Idempotent.
  void Unblock(BlockedClient* c);
  // Called for every written key (Keyspace::on_key_changed).
  void KeyChanged(int db, std::string_view key);
  // Serves the clients blocked on the keys written since the last call.
  void ServeReadyKeys();
  bool has_ready_keys() const { return !ready_.empty(); }
  size_t blocked_clients() const { return blocked_; }

 private:
  using Key = std::pair<int, std::string>;
  std::map<Key, std::list<BlockedClient*>> queues_;
  std::deque<Key> ready_;
  std::set<Key> ready_set_;
  size_t blocked_ = 0;
  bool serving_ = false;
};

}  // namespace troupe
