// Keyspace: the logical databases (SELECT 0..N-1) of one shard, the cached
// command time used for expiry decisions, and the keyspace statistics that
// INFO reports. Owned by the shard actor; client sessions call into it inline
// on the same thread (DESIGN §3 "Hot path"). No CAF header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "actors/common/clock.h"
#include "actors/shard/keyspace/database.h"

namespace troupe {

struct KeyspaceStats {
  uint64_t keyspace_hits = 0;     // read lookups that found a key
  uint64_t keyspace_misses = 0;   // read lookups that did not
  uint64_t expired_keys = 0;      // keys removed because their TTL passed
  uint64_t expired_stale_perc = 0;
  uint64_t expire_cycle_cpu_ms = 0;
};

class Keyspace {
 public:
  Keyspace(int databases, const Clock* clock);

  int db_count() const { return static_cast<int>(dbs_.size()); }
  Database& db(int index) { return *dbs_[static_cast<size_t>(index)]; }
  const Database& db(int index) const { return *dbs_[static_cast<size_t>(index)]; }

  // Refreshes the cached time; called once before each command so that one
  // command sees one instant (as Redis does).
  void UpdateTime() {
    now_ms_ = clock_->UnixMs();
    lru_clock_ = static_cast<uint32_t>(now_ms_ / 1000) & Entry::kLruMask;
  }
  int64_t now_ms() const { return now_ms_; }
  uint32_t lru_clock() const { return lru_clock_; }
  const Clock& clock() const { return *clock_; }

  // Access tracking in the entries' 24 LRU bits. With an LFU policy they
  // hold Redis's layout instead: minutes clock (16 bits) and a logarithmic
  // access counter (8 bits), so OBJECT FREQ answers as Redis does.
  void SetLfu(bool on, int log_factor, int decay_minutes) {
    lfu_mode_ = on;
    lfu_log_factor_ = log_factor;
    lfu_decay_minutes_ = decay_minutes;
  }
  bool lfu_mode() const { return lfu_mode_; }
  // The access stamp of a new value.
  uint32_t NewObjectStamp() const;
  // Records an access to `e` (lookups that count as use).
  void Touch(Entry* e);
  // The LFU counter of `e` after decay (OBJECT FREQ).
  uint32_t LfuCounter(const Entry* e) const;

  // SWAPDB: exchanges two databases' contents.
  void Swap(int a, int b);
  // FLUSHALL.
  void FlushAll();
  // Total keys over all databases.
  size_t TotalKeys() const;

  // Active expiry: one pass over the databases, within `budget_us`.
  void ActiveExpireCycle(int64_t budget_us);

  // Replicas keep logically expired keys until the master deletes them.
  bool is_replica() const { return is_replica_; }
  // Set while a replica applies its master's stream (ReplicaLink).
  bool applying_master_stream = false;
  void set_is_replica(bool v) { is_replica_ = v; }

  KeyspaceStats& stats() { return stats_; }
  // Changes since the last save (RDB save points, INFO persistence).
  uint64_t dirty = 0;
  // A forked child (BGSAVE) shares the keyspace's pages copy-on-write:
  // meanwhile reads leave access stamps alone, so a GET copies no page
  // (Redis skips LRU/LFU updates while it has a child, too). Set by the
  // code that forks, cleared when the child is reaped.
  bool fork_child_active = false;
  std::mt19937_64& rng() { return rng_; }

  // Called with (db index, key) after every change of a key (WATCH,
  // keyspace notifications, client-side caching); may be empty.
  std::function<void(int, std::string_view)> on_key_changed;
  // Keyspace-notification sources Database reports as (db index, key); each
  // may be empty. A key removed because its TTL passed, lazily on access or
  // by the active expiry cycle (Redis's "expired" event); a key added to a
  // database (Redis's dbAdd, the "new" event); a read lookup that found no
  // key (the "keymiss" event, counted where keyspace_misses is).
  std::function<void(int, std::string_view)> on_key_expired;
  std::function<void(int, std::string_view)> on_key_added;
  std::function<void(int, std::string_view)> on_key_missed;

 private:
  std::vector<std::unique_ptr<Database>> dbs_;
  const Clock* clock_;
  int64_t now_ms_ = 0;
  uint32_t lru_clock_ = 0;
  bool is_replica_ = false;
  KeyspaceStats stats_;
  std::mt19937_64 rng_;
  size_t expire_db_cursor_ = 0;
  bool lfu_mode_ = false;
  int lfu_log_factor_ = 10;
  int lfu_decay_minutes_ = 1;
};

}  // namespace troupe
