// Dict: the chained hash table that holds one database's entries.
//
// Power-of-two bucket array, intrusive chains through Entry::next, grows at
// load factor 1 and shrinks below 1/8 (shrinking only when asked, so that
// iteration by the expiry cycle stays valid). SCAN uses Redis's reverse-binary
// cursor, which returns every element present for the whole scan even across
// resizes. Keys are hashed with a per-process random seed (hash flooding).
// Plain data structure; no CAF header; single-threaded (the shard's thread).
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string_view>
#include <vector>

#include "actors/shard/keyspace/entry.h"

namespace troupe {

// 64-bit keyed hash of a byte string.
uint64_t HashKey(std::string_view key);
// troupe-sim only: replaces the per-process random seed, so that iteration
// order (and with it the bytes of an RDB snapshot) replays from the run's
// seed. Call only while no Dict, hash or set value exists (between runs).
void SetHashSeedForSimulation(uint64_t seed);

class Dict {
 public:
  Dict();
  ~Dict();
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& other) noexcept;
  Dict& operator=(Dict&& other) noexcept;

  size_t size() const { return size_; }
  size_t bucket_count() const { return mask_ + 1; }

  // The link (pointer to the pointer) that refers to `key`'s entry, or
  // nullptr when absent. Valid until the next insertion or resize.
  Entry** FindLink(std::string_view key, uint32_t hash);
  Entry* Find(std::string_view key, uint32_t hash) {
    Entry** link = FindLink(key, hash);
    return link ? *link : nullptr;
  }
  // Adds an entry whose key is not present. May grow the table.
  void Insert(Entry* e);
  // Removes the entry at `link` from its chain and returns it (not freed).
  Entry* Unlink(Entry** link);
  // Puts `replacement` (same key) in place of the entry at `link`.
  void Replace(Entry** link, Entry* replacement);
  // Frees every entry.
  void Clear();
  // Halves the table while it is less than 1/8 full.
  void ShrinkIfSparse();
  // Grows the table at once to hold `n` entries without a resize on the
  // way (loading a file that announces its size). Never shrinks.
  void Reserve(size_t n);

  // One SCAN step: calls fn for every entry of the bucket(s) at `cursor`
  // and returns the next cursor (0 when done).
  uint64_t Scan(uint64_t cursor, const std::function<void(const Entry*)>& fn) const;
  // Visits up to `max_buckets` buckets starting at bucket `*position`,
  // calling fn(link) for each entry; fn may unlink and free the entry and
  // returns true when it did. *position advances and wraps to 0.
  template <class F>
  void SweepBuckets(size_t* position, size_t max_buckets, F&& fn);
  // A uniformly chosen bucket's random entry, or nullptr when empty.
  Entry* Random(std::mt19937_64& rng) const;
  // Calls fn for every entry (no mutation during the walk).
  template <class F>
  void ForEach(F&& fn) const {
    for (size_t i = 0; i <= mask_; ++i)
      for (Entry* e = buckets_[i]; e != nullptr; e = e->next) fn(e);
  }

 private:
  void Rehash(size_t new_bucket_count);

  Entry** buckets_;
  size_t mask_;
  size_t size_ = 0;
};

template <class F>
void Dict::SweepBuckets(size_t* position, size_t max_buckets, F&& fn) {
  for (size_t n = 0; n < max_buckets && size_ > 0; ++n) {
    if (*position > mask_) *position = 0;
    Entry** link = &buckets_[*position];
    while (*link != nullptr) {
      if (!fn(link)) link = &(*link)->next;
    }
    ++*position;
  }
}

}  // namespace troupe
