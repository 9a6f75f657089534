// Implementation of Dict (see dict.h).
#include "actors/shard/keyspace/dict.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace troupe {
namespace {

constexpr size_t kInitialBuckets = 4;

uint64_t Mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint64_t& SeedRef() {
  static uint64_t seed = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  return seed;
}

uint64_t Seed() { return SeedRef(); }

Entry** AllocateBuckets(size_t n) {
  void* p = std::calloc(n, sizeof(Entry*));
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<Entry**>(p);
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

}  // namespace

void SetHashSeedForSimulation(uint64_t seed) { SeedRef() = seed; }

uint64_t HashKey(std::string_view key) {
  constexpr uint64_t k1 = 0xa0761d6478bd642fULL, k2 = 0xe7037ed1a0b428dbULL,
                     k3 = 0x8ebc6af09c88c6e3ULL;
  const auto* p = reinterpret_cast<const unsigned char*>(key.data());
  size_t len = key.size();
  uint64_t h = Seed() ^ Mix(len, k1);
  while (len >= 16) {
    h = Mix(Read64(p) ^ k1, Read64(p + 8) ^ h);
    p += 16;
    len -= 16;
  }
  uint64_t a = 0, b = 0;
  if (len >= 8) {
    a = Read64(p);
    p += 8;
    len -= 8;
  }
  std::memcpy(&b, p, len);
  return Mix(Mix(a ^ k2, b ^ h) ^ k3, key.size() ^ k1);
}

Dict::Dict() : buckets_(AllocateBuckets(kInitialBuckets)), mask_(kInitialBuckets - 1) {}

Dict::~Dict() {
  if (buckets_ != nullptr) {
    Clear();
    std::free(buckets_);
  }
}

Dict::Dict(Dict&& other) noexcept : buckets_(other.buckets_), mask_(other.mask_), size_(other.size_) {
  other.buckets_ = nullptr;
  other.mask_ = 0;
  other.size_ = 0;
}

Dict& Dict::operator=(Dict&& other) noexcept {
  if (this != &other) {
    this->~Dict();
    new (this) Dict(std::move(other));
  }
  return *this;
}

Entry** Dict::FindLink(std::string_view key, uint32_t hash) {
  Entry** link = &buckets_[hash & mask_];
  while (*link != nullptr) {
    Entry* e = *link;
    if (e->hash == hash && e->key_len == key.size() &&
        std::memcmp(e->key_data(), key.data(), key.size()) == 0)
      return link;
    link = &e->next;
  }
  return nullptr;
}

void Dict::Insert(Entry* e) {
  if (size_ >= mask_ + 1) Rehash((mask_ + 1) * 2);
  Entry** bucket = &buckets_[e->hash & mask_];
  e->next = *bucket;
  *bucket = e;
  ++size_;
}

Entry* Dict::Unlink(Entry** link) {
  Entry* e = *link;
  *link = e->next;
  e->next = nullptr;
  --size_;
  return e;
}

void Dict::Replace(Entry** link, Entry* replacement) {
  replacement->next = (*link)->next;
  *link = replacement;
}

void Dict::Clear() {
  for (size_t i = 0; i <= mask_; ++i) {
    Entry* e = buckets_[i];
    while (e != nullptr) {
      Entry* next = e->next;
      entry::Free(e);
      e = next;
    }
    buckets_[i] = nullptr;
  }
  size_ = 0;
  if (mask_ + 1 > kInitialBuckets) {
    std::free(buckets_);
    buckets_ = AllocateBuckets(kInitialBuckets);
    mask_ = kInitialBuckets - 1;
  }
}

void Dict::ShrinkIfSparse() {
  size_t buckets = mask_ + 1;
  if (buckets <= kInitialBuckets || size_ * 8 >= buckets) return;
  size_t target = kInitialBuckets;
  while (target < size_) target *= 2;
  Rehash(target);
}

void Dict::Reserve(size_t n) {
  size_t want = mask_ + 1;
  while (want < n) want *= 2;
  if (want > mask_ + 1) Rehash(want);
}

void Dict::Rehash(size_t new_bucket_count) {
  Entry** fresh = AllocateBuckets(new_bucket_count);
  size_t new_mask = new_bucket_count - 1;
  for (size_t i = 0; i <= mask_; ++i) {
    Entry* e = buckets_[i];
    while (e != nullptr) {
      Entry* next = e->next;
      Entry** bucket = &fresh[e->hash & new_mask];
      e->next = *bucket;
      *bucket = e;
      e = next;
    }
  }
  std::free(buckets_);
  buckets_ = fresh;
  mask_ = new_mask;
}

uint64_t Dict::Scan(uint64_t cursor, const std::function<void(const Entry*)>& fn) const {
  if (size_ == 0) return 0;
  for (const Entry* e = buckets_[cursor & mask_]; e != nullptr; e = e->next) fn(e);
  // Increment the reversed cursor's unmasked high bits (Redis's algorithm).
  cursor |= ~static_cast<uint64_t>(mask_);
  cursor = ReverseBits(cursor);
  cursor++;
  cursor = ReverseBits(cursor);
  return cursor;
}

Entry* Dict::Random(std::mt19937_64& rng) const {
  if (size_ == 0) return nullptr;
  // Random probes first; a very sparse table falls back to a linear walk
  // from a random bucket so the cost stays bounded.
  size_t start = rng() & mask_;
  for (size_t attempt = 0;; ++attempt) {
    size_t index = attempt < 64 ? (rng() & mask_) : ((start + attempt) & mask_);
    Entry* head = buckets_[index];
    if (head == nullptr) continue;
    size_t chain = 0;
    for (Entry* e = head; e != nullptr; e = e->next) ++chain;
    size_t pick = rng() % chain;
    Entry* e = head;
    while (pick-- > 0) e = e->next;
    return e;
  }
}

}  // namespace troupe
