// Implementation of BlockingRegistry (see blocking_registry.h).
#include "actors/shard/blocking/blocking_registry.h"

namespace troupe {

void BlockingRegistry::Block(BlockedClient* c) {
  if (c->active) return;
  c->active = true;
  ++blocked_;
  for (const auto& key : c->keys) {
    auto& queue = queues_[Key(c->db, key)];
    // A key named twice in one command is queued once.
    bool present = false;
    for (BlockedClient* other : queue) present = present || other == c;
    if (!present) queue.push_back(c);
  }
}

void BlockingRegistry::Unblock(BlockedClient* c) {
  if (!c->active) return;
  c->active = false;
  --blocked_;
  for (const auto& key : c->keys) {
    auto it = queues_.find(Key(c->db, key));
    if (it == queues_.end()) continue;
    it->second.remove(c);
    if (it->second.empty()) queues_.erase(it);
  }
}

void BlockingRegistry::KeyChanged(int db, std::string_view key) {
  if (queues_.empty()) return;
  Key k(db, std::string(key));
  if (queues_.count(k) == 0 || ready_set_.count(k) != 0) return;
  ready_set_.insert(k);
  ready_.push_back(std::move(k));
}

void BlockingRegistry::ServeReadyKeys() {
  if (serving_) return;  // a re-run's own writes are served by the outer loop
  serving_ = true;
  // Bounded: every round serves at least one client or drops a key.
  for (size_t rounds = 0; !ready_.empty() && rounds < 1000000; ++rounds) {
    Key key = std::move(ready_.front());
    ready_.pop_front();
    ready_set_.erase(key);
    auto it = queues_.find(key);
    if (it == queues_.end()) continue;
    // Clients may leave the queue while others are served: walk a copy.
    std::vector<BlockedClient*> waiting(it->second.begin(), it->second.end());
    for (BlockedClient* c : waiting) {
      if (!c->active) continue;
      if (c->retry()) Unblock(c);
    }
  }
  serving_ = false;
}

}  // namespace troupe
