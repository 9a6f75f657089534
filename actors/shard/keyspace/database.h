// Database: one logical database (SELECT n) — its entries, their TTLs, lazy
// expiry on access and the bucket sweep of the active expiry cycle.
// Owned by Keyspace; single-threaded (the shard's thread); no CAF header.
// Entry pointers returned here are valid only until the next mutation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/shard/keyspace/dict.h"
#include "actors/shard/keyspace/entry.h"

namespace troupe {

class Keyspace;

class Database {
 public:
  Database(int index, Keyspace* owner) : index_(index), owner_(owner) {}

  int index() const { return index_; }
  size_t size() const { return dict_.size(); }
  size_t volatile_count() const { return volatile_; }
  int64_t avg_ttl_ms() const { return avg_ttl_ms_; }

  // Lookup for reading: expired keys are removed (or hidden on replicas),
  // hits/misses are counted and the LRU clock refreshed.
  Entry* LookupRead(std::string_view key);
  // Lookup for writing: same expiry handling, no hit/miss statistics.
  Entry* LookupWrite(std::string_view key);
  // Lookup that neither counts nor touches the LRU clock (OBJECT, TYPE...).
  Entry* Peek(std::string_view key);

  // Creates or overwrites `key` with a string. expire_ms < 0 = no TTL;
  // keep_ttl keeps the old TTL of an existing key.
  void SetString(std::string_view key, std::string_view value, int64_t expire_ms = -1,
                 bool keep_ttl = false);
  // Replaces the value of string entry `e` (found by a lookup of `key` in
  // this command) keeping its TTL; in place when it fits, so counters do
  // not pay a second hash lookup.
  void OverwriteString(Entry* e, std::string_view key, std::string_view value);
  // Adds a collection under `key`, which must be absent. Takes ownership.
  void AddCollection(std::string_view key, ObjType type, Collection* value);
  // Records that the value of `key` was changed in place (a collection
  // mutated through its Entry): counts a change for RDB save points, and
  // tells WATCH, blocked clients and other observers. Every in-place write
  // must call it once per key it changed.
  void Modified(std::string_view key) { Changed(key); }
  // Adds encoding hints (Entry::kValueBits) to an existing string value,
  // for commands that build values the way Redis reports differently.
  void MarkEncoding(std::string_view key, uint32_t bits) {
    if (Entry* e = Peek(key)) e->meta |= bits & Entry::kValueBits;
  }
  // Removes `key`; returns whether it existed (expired keys do not count).
  bool Delete(std::string_view key);
  // Sets the absolute expire time of an existing key. Returns false if absent.
  bool SetExpire(std::string_view key, int64_t when_ms);
  // Removes the TTL; returns whether there was one.
  bool Persist(std::string_view key);
  // Resizes an existing string value (APPEND, SETRANGE, SETBIT); returns
  // the (possibly moved) entry whose value_data() may be written.
  Entry* ResizeString(std::string_view key, size_t new_len, bool greedy);
  // Takes `key`'s entry out of the table; the caller owns it.
  Entry* Detach(std::string_view key);
  // Puts a detached entry back (its key must be absent here); renames it
  // when `new_key` is given.
  void Attach(Entry* e);
  Entry* AttachRenamed(Entry* e, std::string_view new_key);
  // Removes every key.
  void Clear();
  // A random non-expired key, or false when empty.
  bool RandomKey(std::string* out);
  // One SCAN step over this database.
  uint64_t Scan(uint64_t cursor, const std::function<void(const Entry*)>& fn) const {
    return dict_.Scan(cursor, fn);
  }
  // Calls fn for every entry, expired ones included.
  template <class F>
  void ForEach(F&& fn) const {
    dict_.ForEach(std::forward<F>(fn));
  }
  // True when the entry's TTL has passed at the current command time.
  bool IsExpired(const Entry* e) const;
  // Active expiry: visits up to max_buckets buckets; returns keys removed.
  size_t ExpireSweep(size_t max_buckets);
  // Releases table memory after many deletions.
  void ShrinkIfSparse() { dict_.ShrinkIfSparse(); }
  // Makes room for `keys` entries at once (RDB loading's size hint).
  void Reserve(size_t keys) { dict_.Reserve(keys); }
  // Exchanges the contents of two databases (SWAPDB).
  void SwapContents(Database& other);

  // Cluster mode: keep a count of keys per hash slot (database 0), so
  // COUNTKEYSINSLOT answers at once and GETKEYSINSLOT stops scanning when it
  // has them all. Off (and free) otherwise.
  void TrackSlots();
  bool tracks_slots() const { return !slot_keys_.empty(); }
  uint32_t KeysInSlot(int slot) const {
    return slot_keys_.empty() ? 0 : slot_keys_[static_cast<size_t>(slot)];
  }

 private:
  void CountSlot(std::string_view key, int delta);
  // Shared by the lookups: returns the live entry at key or nullptr,
  // deleting it first when it has expired (masters only).
  Entry** LiveLink(std::string_view key, uint32_t hash);
  void Changed(std::string_view key);
  void FreeDetached(Entry* e);  // an entry replaced by another under the same key
  void FreeRemoved(Entry* e);   // an entry whose key left the table

  int index_;
  Keyspace* owner_;
  Dict dict_;
  size_t volatile_ = 0;
  size_t sweep_position_ = 0;
  int64_t avg_ttl_ms_ = 0;
  std::vector<uint32_t> slot_keys_;  // keys per hash slot; empty = not tracked
};

}  // namespace troupe
