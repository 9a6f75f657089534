// Allocation helpers for Entry (see entry.h for the layout).
#include "actors/shard/keyspace/entry.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace troupe {
namespace entry {
namespace {

Entry* Allocate(size_t bytes) {
  void* p = std::malloc(bytes);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<Entry*>(p);
}

Entry* InitHeader(Entry* e, uint32_t hash, size_t key_len, ObjType type, int64_t expire_ms,
                  uint32_t lru) {
  e->next = nullptr;
  e->hash = hash;
  e->key_len = static_cast<uint32_t>(key_len);
  e->val_len = 0;
  e->meta = static_cast<uint32_t>(type) | (expire_ms >= 0 ? Entry::kHasExpire : 0);
  e->set_lru(lru);
  if (expire_ms >= 0) e->set_expire_ms_in_place(expire_ms);
  return e;
}

}  // namespace

Entry* NewString(std::string_view key, uint32_t hash, std::string_view value, int64_t expire_ms,
                 size_t capacity, uint32_t lru) {
  capacity = std::max(capacity, value.size());
  Entry* e = Allocate(SizeFor(expire_ms >= 0, key.size(), capacity));
  InitHeader(e, hash, key.size(), ObjType::kString, expire_ms, lru);
  std::memcpy(const_cast<char*>(e->key_data()), key.data(), key.size());
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
  e->val_len = static_cast<uint32_t>(value.size());
  return e;
}

Entry* NewCollection(std::string_view key, uint32_t hash, ObjType type, Collection* c,
                     int64_t expire_ms, uint32_t lru) {
  Entry* e = Allocate(SizeFor(expire_ms >= 0, key.size(), sizeof(Collection*)));
  InitHeader(e, hash, key.size(), type, expire_ms, lru);
  std::memcpy(const_cast<char*>(e->key_data()), key.data(), key.size());
  std::memcpy(e->value_data(), &c, sizeof(c));
  return e;
}

void Free(Entry* e) {
  if (e == nullptr) return;
  if (e->type() != ObjType::kString) delete e->collection();
  std::free(e);
}

void FreeShell(Entry* e) { std::free(e); }

size_t StringCapacity(const Entry* e) {
  size_t usable = malloc_usable_size(const_cast<Entry*>(e));
  size_t used = e->header_size() + e->key_len;
  return usable > used ? usable - used : 0;
}

size_t MemoryUsage(const Entry* e) {
  size_t n = malloc_usable_size(const_cast<Entry*>(e));
  if (e->type() != ObjType::kString) n += e->collection()->MemoryUsage();
  return n;
}

Entry* WithExpire(Entry* e, int64_t expire_ms) {
  size_t value_bytes = e->type() == ObjType::kString ? e->val_len : sizeof(Collection*);
  Entry* n = Allocate(SizeFor(expire_ms >= 0, e->key_len, value_bytes));
  InitHeader(n, e->hash, e->key_len, e->type(), expire_ms, e->lru());
  n->meta |= e->meta & Entry::kValueBits;
  std::memcpy(const_cast<char*>(n->key_data()), e->key_data(), e->key_len);
  std::memcpy(n->value_data(), e->value_data(), value_bytes);
  n->val_len = e->val_len;
  return n;
}

Entry* ResizeString(Entry* e, size_t new_len, bool greedy) {
  if (new_len <= StringCapacity(e)) {
    if (new_len > e->val_len) std::memset(e->value_data() + e->val_len, 0, new_len - e->val_len);
    e->val_len = static_cast<uint32_t>(new_len);
    return e;
  }
  size_t capacity = new_len;
  if (greedy) capacity = new_len < (1u << 20) ? new_len * 2 : new_len + (1u << 20);
  Entry* n = NewString(e->key(), e->hash, e->str(), e->expire_ms(), capacity, e->lru());
  std::memset(n->value_data() + e->val_len, 0, new_len - e->val_len);
  n->val_len = static_cast<uint32_t>(new_len);
  return n;
}

}  // namespace entry
}  // namespace troupe
