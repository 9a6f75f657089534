// WatchRegistry: the keys each client WATCHes, so that any write to one of
// them (from any connection, including expiry, FLUSHALL and SWAPDB) marks the
// watching clients' transactions as failed (EXEC then answers a null array).
// Threading: the shard's multiplexer thread only. No CAF header.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/client_state.h"

namespace troupe {

class WatchRegistry {
 public:
  void Watch(ClientState* c, int db, std::string_view key);
  void UnwatchAll(ClientState* c);
  // Called for every written key (Keyspace::on_key_changed).
  void KeyChanged(int db, std::string_view key);
  bool empty() const { return watchers_.empty(); }

 private:
  using Key = std::pair<int, std::string>;
  std::map<Key, std::vector<ClientState*>> watchers_;
};

}  // namespace troupe
