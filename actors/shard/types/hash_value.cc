// Implementation of FieldTable and HashValue (see hash_value.h).
#include "actors/shard/types/hash_value.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "actors/shard/keyspace/dict.h"

namespace troupe {
namespace {

constexpr size_t kMinBuckets = 4;

FieldTable::Node** AllocateBuckets(size_t n) {
  void* p = std::calloc(n, sizeof(FieldTable::Node*));
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<FieldTable::Node**>(p);
}

void* Allocate(size_t bytes) {
  void* p = std::malloc(bytes);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

size_t NextPowerOfTwo(size_t n) {
  size_t p = kMinBuckets;
  while (p < n) p <<= 1;
  return p;
}

inline uint32_t Hash32(std::string_view key) { return static_cast<uint32_t>(HashKey(key)); }

}  // namespace

// ---------------------------------------------------------------- FieldTable

FieldTable::FieldTable() : buckets_(AllocateBuckets(kMinBuckets)), mask_(kMinBuckets - 1) {}

FieldTable::~FieldTable() {
  for (size_t i = 0; i <= mask_; ++i) {
    Node* n = buckets_[i];
    while (n != nullptr) {
      Node* next = n->next;
      std::free(n);
      n = next;
    }
  }
  std::free(buckets_);
}

size_t FieldTable::MemoryUsage() const {
  return sizeof(*this) + malloc_usable_size(buckets_) + node_bytes_;
}

FieldTable* FieldTable::Clone() const {
  auto* copy = new FieldTable();
  copy->Rehash(bucket_count());
  ForEach([&](const Node* n) {
    size_t bytes = Node::kHeader + n->key_len + n->val_len;
    auto* c = static_cast<Node*>(Allocate(bytes));
    std::memcpy(c, n, bytes);
    Node** bucket = &copy->buckets_[c->hash & copy->mask_];
    c->next = *bucket;
    *bucket = c;
    copy->node_bytes_ += malloc_usable_size(c);
    ++copy->size_;
  });
  return copy;
}

void FieldTable::Reserve(size_t n) {
  if (n > bucket_count()) Rehash(NextPowerOfTwo(n));
}

FieldTable::Node* FieldTable::NewNode(std::string_view key, std::string_view value, uint32_t hash) {
  auto* n = static_cast<Node*>(Allocate(Node::kHeader + key.size() + value.size()));
  n->next = nullptr;
  n->hash = hash;
  n->key_len = static_cast<uint32_t>(key.size());
  n->val_len = static_cast<uint32_t>(value.size());
  if (!key.empty()) std::memcpy(n->key_data(), key.data(), key.size());
  if (!value.empty()) std::memcpy(n->key_data() + key.size(), value.data(), value.size());
  return n;
}

FieldTable::Node** FieldTable::FindLink(std::string_view key, uint32_t hash) const {
  Node** link = &buckets_[hash & mask_];
  while (*link != nullptr) {
    const Node* n = *link;
    if (n->hash == hash && n->key_len == key.size() &&
        (key.empty() || std::memcmp(n->key_data(), key.data(), key.size()) == 0))
      return link;
    link = &(*link)->next;
  }
  return nullptr;
}

FieldTable::Node* FieldTable::Find(std::string_view key) const {
  Node** link = FindLink(key, Hash32(key));
  return link ? *link : nullptr;
}

bool FieldTable::Set(std::string_view key, std::string_view value) {
  uint32_t hash = Hash32(key);
  Node** link = FindLink(key, hash);
  if (link == nullptr) {
    if (size_ >= bucket_count()) Rehash(bucket_count() * 2);
    Node* n = NewNode(key, value, hash);
    Node** bucket = &buckets_[hash & mask_];
    n->next = *bucket;
    *bucket = n;
    node_bytes_ += malloc_usable_size(n);
    ++size_;
    return true;
  }
  Node* old = *link;
  size_t usable = malloc_usable_size(old);
  if (Node::kHeader + old->key_len + value.size() <= usable) {
    if (!value.empty()) std::memmove(old->key_data() + old->key_len, value.data(), value.size());
    old->val_len = static_cast<uint32_t>(value.size());
    return false;
  }
  Node* fresh = NewNode(key, value, hash);
  fresh->next = old->next;
  *link = fresh;
  node_bytes_ += malloc_usable_size(fresh);
  node_bytes_ -= usable;
  std::free(old);
  return false;
}

void FieldTable::InsertNew(std::string_view key, std::string_view value) {
  if (size_ >= bucket_count()) Rehash(bucket_count() * 2);
  uint32_t hash = Hash32(key);
  Node* n = NewNode(key, value, hash);
  Node** bucket = &buckets_[hash & mask_];
  n->next = *bucket;
  *bucket = n;
  node_bytes_ += malloc_usable_size(n);
  ++size_;
}

bool FieldTable::Erase(std::string_view key) {
  Node** link = FindLink(key, Hash32(key));
  if (link == nullptr) return false;
  Node* n = *link;
  *link = n->next;
  node_bytes_ -= malloc_usable_size(n);
  std::free(n);
  --size_;
  MaybeShrink();
  return true;
}

void FieldTable::EraseNode(Node* node) {
  Node** link = &buckets_[node->hash & mask_];
  while (*link != node) link = &(*link)->next;
  *link = node->next;
  node_bytes_ -= malloc_usable_size(node);
  std::free(node);
  --size_;
  MaybeShrink();
}

FieldTable::Node* FieldTable::Random(std::mt19937_64& rng) const {
  if (size_ == 0) return nullptr;
  for (;;) {
    Node* n = buckets_[rng() & mask_];
    if (n == nullptr) continue;
    size_t len = 0;
    for (Node* p = n; p != nullptr; p = p->next) ++len;
    for (size_t k = rng() % len; k > 0; --k) n = n->next;
    return n;
  }
}

void FieldTable::Nodes(std::vector<Node*>* out) const {
  out->reserve(out->size() + size_);
  for (size_t i = 0; i <= mask_; ++i)
    for (Node* n = buckets_[i]; n != nullptr; n = n->next) out->push_back(n);
}

void FieldTable::Rehash(size_t buckets) {
  Node** fresh = AllocateBuckets(buckets);
  size_t mask = buckets - 1;
  for (size_t i = 0; i <= mask_; ++i) {
    Node* n = buckets_[i];
    while (n != nullptr) {
      Node* next = n->next;
      Node** bucket = &fresh[n->hash & mask];
      n->next = *bucket;
      *bucket = n;
      n = next;
    }
  }
  std::free(buckets_);
  buckets_ = fresh;
  mask_ = mask;
}

void FieldTable::MaybeShrink() {
  if (bucket_count() > kMinBuckets && size_ * 8 < bucket_count()) Rehash(NextPowerOfTwo(size_));
}

// ----------------------------------------------------------------- HashValue

static_assert(sizeof(HashValue) == 24, "a hash object must stay one 32-byte malloc chunk");

HashValue::~HashValue() {
  if (listpack())
    std::free(data_);
  else
    delete table();
}

size_t HashValue::MemoryUsage() const {
  size_t n = sizeof(*this);
  if (!listpack()) return n + table()->MemoryUsage();
  return n + (data_ ? malloc_usable_size(data_) : 0);
}

Collection* HashValue::Clone() const {
  auto* copy = new HashValue();
  if (!listpack()) {
    copy->data_ = table()->Clone();
    copy->count_ = kTableFlag;
    return copy;
  }
  if (bytes_ > 0) {
    copy->data_ = Allocate(bytes_);
    std::memcpy(copy->data_, data_, bytes_);
  }
  copy->bytes_ = bytes_;
  copy->count_ = count_;
  return copy;
}

size_t HashValue::PairBytes(std::string_view field, std::string_view value) {
  return compact::VarintSize(field.size()) + field.size() + compact::VarintSize(value.size()) +
         value.size();
}

size_t HashValue::FindItem(std::string_view field) const {
  const char* b = buf();
  size_t off = 0;
  while (off < bytes_) {
    size_t start = off;
    std::string_view f = compact::ReadItem(b, &off);
    if (f == field) return start;
    size_t hdr;
    uint64_t vlen = compact::GetVarint(b + off, &hdr);
    off += hdr + vlen;
  }
  return kNotFound;
}

void HashValue::Reserve(size_t bytes) {
  if (data_ != nullptr && malloc_usable_size(data_) >= bytes) return;
  void* p = std::realloc(data_, bytes);
  if (p == nullptr) throw std::bad_alloc();
  data_ = p;
}

void HashValue::ReserveExtra(size_t bytes) {
  if (listpack()) Reserve(bytes_ + bytes);
}

bool HashValue::Get(std::string_view field, std::string_view* value) const {
  if (!listpack()) {
    const FieldTable::Node* n = table()->Find(field);
    if (n == nullptr) return false;
    *value = n->value();
    return true;
  }
  size_t off = FindItem(field);
  if (off == kNotFound) return false;
  compact::ReadItem(buf(), &off);
  *value = compact::ReadItem(buf(), &off);
  return true;
}

bool HashValue::Set(std::string_view field, std::string_view value, const HashLimits& limits) {
  if (listpack() && (field.size() > limits.max_value || value.size() > limits.max_value))
    ConvertToTable();
  if (!listpack()) return table()->Set(field, value);

  size_t off = FindItem(field);
  size_t new_item = compact::VarintSize(value.size()) + value.size();
  if (off != kNotFound) {
    // Replace the value item in place, moving the tail when its size changes.
    compact::ReadItem(buf(), &off);
    size_t hdr;
    size_t old_len = compact::GetVarint(buf() + off, &hdr);
    size_t old_item = hdr + old_len;
    if (new_item > old_item) Reserve(bytes_ + new_item - old_item);
    char* b = buf();
    if (new_item != old_item)
      std::memmove(b + off + new_item, b + off + old_item, bytes_ - off - old_item);
    size_t k = compact::PutVarint(b + off, value.size());
    if (!value.empty()) std::memcpy(b + off + k, value.data(), value.size());
    bytes_ = static_cast<uint32_t>(bytes_ + new_item - old_item);
    // Redis checks the size after an update too (the limit may have been
    // lowered by CONFIG SET since the hash grew).
    if (count_ > limits.max_entries) ConvertToTable();
    return false;
  }
  size_t need = compact::VarintSize(field.size()) + field.size() + new_item;
  Reserve(bytes_ + need);
  char* p = buf() + bytes_;
  p += compact::PutVarint(p, field.size());
  if (!field.empty()) std::memcpy(p, field.data(), field.size());
  p += field.size();
  p += compact::PutVarint(p, value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  bytes_ = static_cast<uint32_t>(bytes_ + need);
  ++count_;
  if (count_ > limits.max_entries) ConvertToTable();
  return true;
}

bool HashValue::Delete(std::string_view field) {
  if (!listpack()) return table()->Erase(field);
  size_t off = FindItem(field);
  if (off == kNotFound) return false;
  size_t end = off;
  compact::ReadItem(buf(), &end);
  compact::ReadItem(buf(), &end);
  char* b = buf();
  std::memmove(b + off, b + end, bytes_ - end);
  bytes_ = static_cast<uint32_t>(bytes_ - (end - off));
  --count_;
  // Give memory back once the buffer is mostly empty.
  size_t usable = malloc_usable_size(data_);
  if (bytes_ == 0) {
    std::free(data_);
    data_ = nullptr;
  } else if (usable > 64 && usable > 2 * static_cast<size_t>(bytes_)) {
    void* p = std::realloc(data_, bytes_);
    if (p != nullptr) data_ = p;
  }
  return true;
}

void HashValue::ConvertToTable() {
  if (!listpack()) return;
  auto* t = new FieldTable();
  t->Reserve(count_);
  ForEach([&](std::string_view f, std::string_view v) { t->InsertNew(f, v); });
  std::free(data_);
  data_ = t;
  bytes_ = 0;
  count_ = kTableFlag;
}

std::vector<std::pair<std::string_view, std::string_view>> HashValue::Items() const {
  std::vector<std::pair<std::string_view, std::string_view>> items;
  items.reserve(size());
  ForEach([&](std::string_view f, std::string_view v) { items.emplace_back(f, v); });
  return items;
}

std::pair<std::string_view, std::string_view> HashValue::RandomField(std::mt19937_64& rng) const {
  if (!listpack()) {
    const FieldTable::Node* n = table()->Random(rng);
    return {n->key(), n->value()};
  }
  size_t skip = static_cast<size_t>(rng() % count_);
  const char* b = buf();
  size_t off = 0;
  for (;;) {
    std::string_view f = compact::ReadItem(b, &off);
    std::string_view v = compact::ReadItem(b, &off);
    if (skip-- == 0) return {f, v};
  }
}

}  // namespace troupe
