// Implementation of Keyspace (see keyspace.h).
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {

Keyspace::Keyspace(int databases, const Clock* clock) : clock_(clock), rng_(std::random_device{}()) {
  dbs_.reserve(static_cast<size_t>(databases));
  for (int i = 0; i < databases; ++i) dbs_.push_back(std::make_unique<Database>(i, this));
  UpdateTime();
}

namespace {
constexpr uint32_t kLfuInitialCounter = 5;
uint32_t MinutesClock(int64_t unix_ms) { return static_cast<uint32_t>(unix_ms / 60000) & 0xFFFF; }
}  // namespace

uint32_t Keyspace::NewObjectStamp() const {
  if (!lfu_mode_) return lru_clock_;
  return (MinutesClock(now_ms_) << 8) | kLfuInitialCounter;
}

uint32_t Keyspace::LfuCounter(const Entry* e) const {
  uint32_t stamp = e->lru();
  uint32_t last = stamp >> 8, counter = stamp & 0xFF;
  uint32_t now = MinutesClock(now_ms_);
  uint32_t elapsed = now >= last ? now - last : 65535 - last + now;
  uint32_t periods = lfu_decay_minutes_ > 0 ? elapsed / static_cast<uint32_t>(lfu_decay_minutes_) : 0;
  return periods > counter ? 0 : counter - periods;
}

void Keyspace::Touch(Entry* e) {
  if (fork_child_active) return;  // no copy-on-write for an access stamp
  if (!lfu_mode_) {
    e->set_lru(lru_clock_);
    return;
  }
  uint32_t counter = LfuCounter(e);
  if (counter < 255) {
    // Logarithmic increment: the higher the counter, the less likely a bump.
    double base = counter > kLfuInitialCounter ? counter - kLfuInitialCounter : 0;
    double p = 1.0 / (base * lfu_log_factor_ + 1);
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < p) ++counter;
  }
  e->set_lru((MinutesClock(now_ms_) << 8) | counter);
}

void Keyspace::Swap(int a, int b) {
  if (a == b) return;
  dbs_[static_cast<size_t>(a)]->SwapContents(*dbs_[static_cast<size_t>(b)]);
}

void Keyspace::FlushAll() {
  for (auto& db : dbs_) db->Clear();
}

size_t Keyspace::TotalKeys() const {
  size_t n = 0;
  for (const auto& db : dbs_) n += db->size();
  return n;
}

void Keyspace::ActiveExpireCycle(int64_t budget_us) {
  UpdateTime();
  int64_t start = clock_->MonotonicUs();
  // Visit the databases round-robin in slices of buckets until the budget
  // is spent or every database had one slice.
  constexpr size_t kBucketsPerSlice = 4096;
  for (size_t visited = 0; visited < dbs_.size(); ++visited) {
    Database& db = *dbs_[expire_db_cursor_ % dbs_.size()];
    expire_db_cursor_ = (expire_db_cursor_ + 1) % dbs_.size();
    if (db.volatile_count() == 0) continue;
    // Keep sweeping this database while the sweep keeps finding expired keys.
    for (int round = 0; round < 16; ++round) {
      size_t removed = db.ExpireSweep(kBucketsPerSlice);
      if (removed == 0 || clock_->MonotonicUs() - start > budget_us) break;
    }
    if (clock_->MonotonicUs() - start > budget_us) break;
  }
  stats_.expire_cycle_cpu_ms += static_cast<uint64_t>((clock_->MonotonicUs() - start) / 1000);
  for (auto& db : dbs_) db->ShrinkIfSparse();
}

}  // namespace troupe
