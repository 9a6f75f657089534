// Implementation of WatchRegistry (see watch_registry.h).
#include "actors/shard/transaction/watch_registry.h"

#include <algorithm>

namespace troupe {

void WatchRegistry::Watch(ClientState* c, int db, std::string_view key) {
  for (const auto& [d, k] : c->watched)
    if (d == db && k == key) return;
  c->watched.emplace_back(db, std::string(key));
  watchers_[Key(db, std::string(key))].push_back(c);
}

void WatchRegistry::UnwatchAll(ClientState* c) {
  for (const auto& k : c->watched) {
    auto it = watchers_.find(k);
    if (it == watchers_.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), c), v.end());
    if (v.empty()) watchers_.erase(it);
  }
  c->watched.clear();
  c->dirty_cas = false;
}

void WatchRegistry::KeyChanged(int db, std::string_view key) {
  if (watchers_.empty()) return;
  auto it = watchers_.find(Key(db, std::string(key)));
  if (it == watchers_.end()) return;
  for (ClientState* c : it->second) c->dirty_cas = true;
}

}  // namespace troupe
