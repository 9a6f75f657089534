// SetValue: the value of a set key (SADD, SMEMBERS, SINTER, SPOP ...).
//
// A set has Redis 7.0's two encodings, under the names OBJECT ENCODING
// reports:
//   intset     a sorted array of integers in one buffer, laid out exactly as
//              Redis's intset (uint32 encoding = bytes per element 2|4|8,
//              uint32 length, then the elements, all little-endian), so the
//              RDB codec stores it as Redis's RDB_TYPE_SET_INTSET blob. Used
//              while every member is an integer (in Redis's strict string2ll
//              sense) and there are at most set-max-intset-entries members.
//   hashtable  a FieldTable (hash_value.h) of members without values. A set
//              never converts back, as in Redis.
// Conversions happen inside Add(), given the limit of the moment.
//
// Used by the set commands (set_family.cc), SORT and the RDB codec
// (rdb_set.cc). Plain data structure, no CAF header; single-threaded (the
// shard's multiplexer thread). Views returned into the set are valid until
// its next mutation; intset members are formatted into a caller's buffer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "actors/common/strings.h"
#include "actors/shard/keyspace/entry.h"
#include "actors/shard/types/hash_value.h"

namespace troupe {

// Limit of the intset encoding (set-max-intset-entries).
struct SetLimits {
  size_t max_intset_entries = 512;
};

// Read access to an intset buffer (Redis's layout, little-endian host).
namespace intset {
constexpr size_t kHeader = 8;
inline uint32_t EncodingOf(const char* is) {
  uint32_t e;
  std::memcpy(&e, is, 4);
  return e;
}
inline uint32_t LengthOf(const char* is) {
  uint32_t n;
  std::memcpy(&n, is + 4, 4);
  return n;
}
inline int64_t GetAt(const char* is, uint32_t encoding, size_t i) {
  const char* p = is + kHeader + i * encoding;
  switch (encoding) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}
// Bytes per element needed to hold v.
inline uint32_t EncodingFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}
}  // namespace intset

class SetValue final : public Collection {
 public:
  // An empty set in the intset encoding (what Redis starts a SUNIONSTORE,
  // SINTERSTORE or SDIFFSTORE result with).
  SetValue();
  // An empty set in the encoding Redis gives a set created for `first`
  // (SADD, SMOVE): intset for an integer, hashtable otherwise.
  static SetValue* ForMember(std::string_view first);
  // A set adopting `blob`, an intset in Redis's layout (RDB); nullptr and
  // *error when the blob is not a valid intset.
  static SetValue* FromIntsetBlob(std::string_view blob, std::string* error);
  ~SetValue() override;
  SetValue(const SetValue&) = delete;
  SetValue& operator=(const SetValue&) = delete;

  // Collection.
  size_t MemoryUsage() const override;
  Collection* Clone() const override;
  const char* Encoding() const override { return is_intset() ? "intset" : "hashtable"; }

  bool is_intset() const { return (flags_ & kTableFlag) == 0; }
  size_t size() const { return is_intset() ? intset::LengthOf(buf()) : table()->size(); }

  bool Contains(std::string_view member) const;
  // Adds member; true when it is new. Converts to a hashtable when the
  // member is not an integer or the intset would exceed the limit.
  bool Add(std::string_view member, const SetLimits& limits);
  // Removes member; returns whether it was there.
  bool Remove(std::string_view member);
  // Converts to the hashtable encoding (no-op when already there).
  void ConvertToTable();
  // Re-encodes the set the way Redis does when it rebuilds a set from the
  // members that stay (SPOP taking most of a set): a hashtable whose
  // members are all integers, no more than the limit, becomes an intset.
  void Reencode(const SetLimits& limits);
  // Presizes a hashtable for `n` members.
  void Reserve(size_t n) {
    if (!is_intset()) table()->Reserve(n);
  }

  // Calls fn(std::string_view member) for every member (intsets in
  // ascending order).
  template <class F>
  void ForEach(F&& fn) const;
  // A uniformly chosen member (the set must not be empty); intset members
  // are formatted into *scratch.
  std::string_view RandomMember(std::mt19937_64& rng, std::string* scratch) const;
  // `count` distinct random members (count < size()), fn(member) for each.
  template <class F>
  void SampleDistinct(std::mt19937_64& rng, size_t count, F&& fn) const;
  // Removes `count` distinct random members (count <= size()), calling
  // fn(member) for each just before it goes.
  template <class F>
  void PopRandom(std::mt19937_64& rng, size_t count, F&& fn);

  // One SSCAN step: an intset is returned whole with next cursor 0 (as in
  // Redis); a hashtable is walked bucket by bucket until `count` members
  // were collected or count*10 buckets visited.
  template <class F>
  uint64_t Scan(uint64_t cursor, size_t count, F&& fn) const;

  // The intset buffer in Redis's layout (intset encoding only).
  std::string_view IntsetBlob() const { return {buf(), intset::kHeader + size() * encoding()}; }

 private:
  static constexpr uint32_t kTableFlag = 1;

  FieldTable* table() const { return static_cast<FieldTable*>(data_); }
  const char* buf() const { return static_cast<const char*>(data_); }
  char* mbuf() { return static_cast<char*>(data_); }
  uint32_t encoding() const { return intset::EncodingOf(buf()); }
  // Intset operations.
  bool IntsetFind(int64_t v, size_t* pos) const;
  bool IntsetAdd(int64_t v);
  bool IntsetRemove(int64_t v);
  void IntsetRemoveIndices(const std::vector<uint32_t>& sorted_indices);

  // Intset: data_ is the intset buffer (never null). Hashtable: data_ is
  // the FieldTable and flags_ has kTableFlag. 24 bytes with the vtable.
  void* data_ = nullptr;
  uint32_t flags_ = 0;
};

template <class F>
void SetValue::ForEach(F&& fn) const {
  if (!is_intset()) {
    table()->ForEach([&](const FieldTable::Node* n) { fn(n->key()); });
    return;
  }
  const char* is = buf();
  uint32_t enc = intset::EncodingOf(is), len = intset::LengthOf(is);
  char text[24];
  for (uint32_t i = 0; i < len; ++i) {
    size_t n = FormatInt64(intset::GetAt(is, enc, i), text);
    fn(std::string_view(text, n));
  }
}

template <class F>
void SetValue::SampleDistinct(std::mt19937_64& rng, size_t count, F&& fn) const {
  if (is_intset()) {
    const char* is = buf();
    uint32_t enc = encoding(), len = intset::LengthOf(is);
    std::vector<uint32_t> idx(len);
    for (uint32_t i = 0; i < len; ++i) idx[i] = i;
    char text[24];
    for (size_t i = 0; i < count; ++i) {
      size_t j = i + static_cast<size_t>(rng() % (len - i));
      std::swap(idx[i], idx[j]);
      size_t n = FormatInt64(intset::GetAt(is, enc, idx[i]), text);
      fn(std::string_view(text, n));
    }
    return;
  }
  if (count * 3 > size()) {
    std::vector<FieldTable::Node*> nodes;
    table()->Nodes(&nodes);
    for (size_t i = 0; i < count; ++i) {
      size_t j = i + static_cast<size_t>(rng() % (nodes.size() - i));
      std::swap(nodes[i], nodes[j]);
      fn(nodes[i]->key());
    }
    return;
  }
  std::unordered_set<const FieldTable::Node*> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    const FieldTable::Node* n = table()->Random(rng);
    if (seen.insert(n).second) fn(n->key());
  }
}

template <class F>
void SetValue::PopRandom(std::mt19937_64& rng, size_t count, F&& fn) {
  if (!is_intset()) {
    for (size_t i = 0; i < count; ++i) {
      FieldTable::Node* n = table()->Random(rng);
      fn(n->key());
      table()->EraseNode(n);
    }
    return;
  }
  const char* is = buf();
  uint32_t enc = encoding(), len = intset::LengthOf(is);
  std::vector<uint32_t> idx(len);
  for (uint32_t i = 0; i < len; ++i) idx[i] = i;
  char text[24];
  for (size_t i = 0; i < count; ++i) {
    size_t j = i + static_cast<size_t>(rng() % (len - i));
    std::swap(idx[i], idx[j]);
    size_t n = FormatInt64(intset::GetAt(is, enc, idx[i]), text);
    fn(std::string_view(text, n));
  }
  idx.resize(count);
  std::sort(idx.begin(), idx.end());
  IntsetRemoveIndices(idx);
}

template <class F>
uint64_t SetValue::Scan(uint64_t cursor, size_t count, F&& fn) const {
  if (is_intset()) {
    ForEach(fn);
    return 0;
  }
  size_t found = 0;
  size_t iterations = count * 10;
  do {
    cursor = table()->Scan(cursor, [&](const FieldTable::Node* n) {
      fn(n->key());
      ++found;
    });
  } while (cursor != 0 && iterations-- > 0 && found < count);
  return cursor;
}

}  // namespace troupe
