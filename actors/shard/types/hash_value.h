// HashValue: the value of a hash key (HSET, HGET, HGETALL, HRANDFIELD,
// HSCAN ...), and FieldTable, the chained hash table of byte strings that
// backs the "hashtable" encodings of both hashes and sets (set_value.h).
//
// A hash has Redis 7.0's two encodings, under the names OBJECT ENCODING
// reports:
//   listpack   one contiguous buffer of [varint length][bytes] items,
//              field and value alternating, searched linearly. Used while
//              the hash has at most hash-max-listpack-entries fields and no
//              field or value longer than hash-max-listpack-value bytes.
//   hashtable  a FieldTable: one heap node per field holding the field and
//              its value. A hash never converts back, as in Redis.
// Conversions happen inside Set(), given the limits of the moment
// (HashLimits, read from the config by the caller).
//
// Used by the hash commands (hash_family.cc), SORT (BY/GET hash fields) and
// the RDB codec (rdb_hash.cc). Plain data structure, no CAF header;
// single-threaded (the shard's multiplexer thread). Views returned into the
// value are valid until its next mutation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "actors/shard/keyspace/entry.h"

namespace troupe {

// The bits of v in reverse order (the SCAN cursor arithmetic).
inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

// A chained hash table of byte-string keys, each with an optional byte-string
// value (sets store none). Power-of-two bucket array; grows at load factor 1
// and shrinks below 1/8 so random sampling stays O(1). Scan() uses Redis's
// reverse-binary cursor: every key present for a whole scan is returned at
// least once, across resizes.
class FieldTable {
 public:
  // One key (and value) in one allocation: this header (kHeader = 20
  // bytes; the key starts where sizeof(Node) would pad), then the key
  // bytes, then the value bytes.
  struct Node {
    Node* next;
    uint32_t hash;  // low 32 bits of HashKey(key)
    uint32_t key_len;
    uint32_t val_len;

    static constexpr size_t kHeader = sizeof(Node*) + 3 * sizeof(uint32_t);
    const char* key_data() const { return reinterpret_cast<const char*>(this) + kHeader; }
    char* key_data() { return reinterpret_cast<char*>(this) + kHeader; }
    std::string_view key() const { return {key_data(), key_len}; }
    std::string_view value() const { return {key_data() + key_len, val_len}; }
  };

  FieldTable();
  ~FieldTable();
  FieldTable(const FieldTable&) = delete;
  FieldTable& operator=(const FieldTable&) = delete;

  size_t size() const { return size_; }
  size_t bucket_count() const { return mask_ + 1; }
  // Heap bytes: buckets, nodes and this object.
  size_t MemoryUsage() const;
  FieldTable* Clone() const;
  // Presizes for `n` keys (no effect when the table is already larger).
  void Reserve(size_t n);

  Node* Find(std::string_view key) const;
  // Adds key -> value, or replaces the value of an existing key; returns
  // true when the key is new.
  bool Set(std::string_view key, std::string_view value);
  // Adds a key known to be absent.
  void InsertNew(std::string_view key, std::string_view value);
  // Removes key; returns whether it was there.
  bool Erase(std::string_view key);
  // Removes the given node (which must be in the table).
  void EraseNode(Node* node);
  // A random node (uniform bucket, then uniform within its chain); nullptr
  // when empty.
  Node* Random(std::mt19937_64& rng) const;

  // One SCAN step: calls fn(const Node*) for every node of the bucket at
  // `cursor` and returns the next cursor (0 when the iteration is over).
  template <class F>
  uint64_t Scan(uint64_t cursor, F&& fn) const;
  // Calls fn(const Node*) for every node; no mutation during the walk.
  template <class F>
  void ForEach(F&& fn) const {
    for (size_t i = 0; i <= mask_; ++i)
      for (const Node* n = buckets_[i]; n != nullptr; n = n->next) fn(n);
  }
  // Appends every node to *out (for sampling).
  void Nodes(std::vector<Node*>* out) const;

 private:
  static Node* NewNode(std::string_view key, std::string_view value, uint32_t hash);
  Node** FindLink(std::string_view key, uint32_t hash) const;
  void Rehash(size_t buckets);
  void MaybeShrink();

  Node** buckets_;
  size_t mask_;
  size_t size_ = 0;
  size_t node_bytes_ = 0;  // malloc_usable_size of all nodes
};

template <class F>
uint64_t FieldTable::Scan(uint64_t cursor, F&& fn) const {
  if (size_ == 0) return 0;
  const uint64_t m = mask_;
  for (const Node* n = buckets_[cursor & m]; n != nullptr; n = n->next) fn(n);
  // Increment the reversed cursor over the unmasked bits (Redis's dictScan).
  cursor |= ~m;
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

// Limits of the listpack encoding (hash-max-listpack-entries / -value).
struct HashLimits {
  size_t max_entries = 512;
  size_t max_value = 64;
};

class HashValue final : public Collection {
 public:
  HashValue() = default;
  ~HashValue() override;
  HashValue(const HashValue&) = delete;
  HashValue& operator=(const HashValue&) = delete;

  // Collection.
  size_t MemoryUsage() const override;
  Collection* Clone() const override;
  const char* Encoding() const override { return listpack() ? "listpack" : "hashtable"; }

  bool listpack() const { return (count_ & kTableFlag) == 0; }
  size_t size() const { return listpack() ? count_ : table()->size(); }

  // The value of `field`, if present.
  bool Get(std::string_view field, std::string_view* value) const;
  bool Contains(std::string_view field) const {
    std::string_view unused;
    return Get(field, &unused);
  }
  // Sets field to value; true when the field is new. Converts to a
  // hashtable first when the field or the value is longer than
  // limits.max_value, and afterwards when the hash has more than
  // limits.max_entries fields (checked on updates too, as Redis does).
  bool Set(std::string_view field, std::string_view value, const HashLimits& limits);
  // Removes field; returns whether it was there.
  bool Delete(std::string_view field);
  // Converts to the hashtable encoding (no-op when already there).
  void ConvertToTable();
  // Room for `bytes` more listpack bytes, so that a multi-field HSET
  // grows the buffer once (no-op for a hashtable).
  void ReserveExtra(size_t bytes);
  // Bytes one field/value pair takes in the listpack.
  static size_t PairBytes(std::string_view field, std::string_view value);

  // Calls fn(field, value) for every field, in storage order.
  template <class F>
  void ForEach(F&& fn) const;
  // Every (field, value), in storage order.
  std::vector<std::pair<std::string_view, std::string_view>> Items() const;

  // A uniformly chosen field; the hash must not be empty.
  std::pair<std::string_view, std::string_view> RandomField(std::mt19937_64& rng) const;
  // `count` distinct random fields (count < size()), fn(field, value) for
  // each, in random order.
  template <class F>
  void SampleDistinct(std::mt19937_64& rng, size_t count, F&& fn) const;

  // One HSCAN step. A listpack hash is returned whole and the next cursor
  // is 0, as in Redis; a hashtable is walked bucket by bucket until `count`
  // fields are collected (or count*10 buckets were visited).
  template <class F>
  uint64_t Scan(uint64_t cursor, size_t count, F&& fn) const;

 private:
  static constexpr uint32_t kTableFlag = 0x80000000u;
  static constexpr size_t kNotFound = ~size_t{0};

  FieldTable* table() const { return static_cast<FieldTable*>(data_); }
  char* buf() const { return static_cast<char*>(data_); }
  // Listpack helpers: offset of `field`'s item, or kNotFound.
  size_t FindItem(std::string_view field) const;
  void Reserve(size_t bytes);

  // Listpack: data_ is the items buffer (or null when empty), bytes_ its
  // used bytes, count_ the number of fields. Hashtable: data_ is the
  // FieldTable and count_ is kTableFlag. 24 bytes with the vtable pointer.
  void* data_ = nullptr;
  uint32_t bytes_ = 0;
  uint32_t count_ = 0;
};

// Varint ([7 bits]... little-endian groups) helpers shared by the compact
// encodings.
namespace compact {
inline size_t VarintSize(uint64_t n) {
  size_t k = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++k;
  }
  return k;
}
inline size_t PutVarint(char* p, uint64_t n) {
  size_t k = 0;
  while (n >= 0x80) {
    p[k++] = static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  p[k++] = static_cast<char>(n);
  return k;
}
// Reads a varint at p; returns its value and sets *size to its bytes.
inline uint64_t GetVarint(const char* p, size_t* size) {
  uint64_t v = 0;
  size_t k = 0;
  int shift = 0;
  for (;;) {
    uint8_t b = static_cast<uint8_t>(p[k++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  *size = k;
  return v;
}
// Reads the item at offset `off` of buf: its bytes; advances *off past it.
inline std::string_view ReadItem(const char* buf, size_t* off) {
  size_t hdr;
  uint64_t len = GetVarint(buf + *off, &hdr);
  std::string_view item(buf + *off + hdr, len);
  *off += hdr + len;
  return item;
}
}  // namespace compact

template <class F>
void HashValue::ForEach(F&& fn) const {
  if (!listpack()) {
    table()->ForEach([&](const FieldTable::Node* n) { fn(n->key(), n->value()); });
    return;
  }
  const char* b = buf();
  size_t off = 0;
  while (off < bytes_) {
    std::string_view field = compact::ReadItem(b, &off);
    std::string_view value = compact::ReadItem(b, &off);
    fn(field, value);
  }
}

template <class F>
void HashValue::SampleDistinct(std::mt19937_64& rng, size_t count, F&& fn) const {
  if (listpack() || count * 3 > size()) {
    // Partial Fisher-Yates over all fields.
    auto items = Items();
    for (size_t i = 0; i < count; ++i) {
      size_t j = i + static_cast<size_t>(rng() % (items.size() - i));
      std::swap(items[i], items[j]);
      fn(items[i].first, items[i].second);
    }
    return;
  }
  // Few of many: draw until `count` distinct nodes were seen.
  std::unordered_set<const FieldTable::Node*> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    const FieldTable::Node* n = table()->Random(rng);
    if (seen.insert(n).second) fn(n->key(), n->value());
  }
}

template <class F>
uint64_t HashValue::Scan(uint64_t cursor, size_t count, F&& fn) const {
  if (listpack()) {
    ForEach(fn);
    return 0;
  }
  size_t found = 0;
  size_t iterations = count * 10;
  do {
    cursor = table()->Scan(cursor, [&](const FieldTable::Node* n) {
      fn(n->key(), n->value());
      ++found;
    });
  } while (cursor != 0 && iterations-- > 0 && found < count);
  return cursor;
}

}  // namespace troupe
