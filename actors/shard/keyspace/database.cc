// Implementation of Database (see database.h).
#include "actors/shard/keyspace/database.h"

#include <utility>

#include "actors/cluster/slot_math.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {

bool Database::IsExpired(const Entry* e) const {
  return e->has_expire() && e->expire_ms() <= owner_->now_ms();
}

void Database::Changed(std::string_view key) {
  ++owner_->dirty;
  if (owner_->on_key_changed) owner_->on_key_changed(index_, key);
}

void Database::FreeDetached(Entry* e) {
  if (e->has_expire()) --volatile_;
  entry::Free(e);
}

void Database::FreeRemoved(Entry* e) {
  CountSlot(e->key(), -1);
  FreeDetached(e);
}

void Database::CountSlot(std::string_view key, int delta) {
  if (slot_keys_.empty()) return;
  slot_keys_[static_cast<size_t>(KeySlot(key))] += static_cast<uint32_t>(delta);
}

void Database::TrackSlots() {
  slot_keys_.assign(kClusterSlots, 0);
  dict_.ForEach([this](const Entry* e) { CountSlot(e->key(), 1); });
}

Entry** Database::LiveLink(std::string_view key, uint32_t hash) {
  Entry** link = dict_.FindLink(key, hash);
  if (link == nullptr) return nullptr;
  if (!IsExpired(*link)) return link;
  // A replica keeps the key until its master's DEL: its clients no longer
  // see it, but the master's own commands still do (as in Redis), so a
  // write the master sent before expiring it applies to the same key.
  if (owner_->is_replica()) return owner_->applying_master_stream ? link : nullptr;
  Entry* e = dict_.Unlink(link);
  ++owner_->stats().expired_keys;
  std::string name(e->key());
  FreeRemoved(e);
  Changed(name);
  if (owner_->on_key_expired) owner_->on_key_expired(index_, name);
  return nullptr;
}

Entry* Database::LookupRead(std::string_view key) {
  Entry** link = LiveLink(key, static_cast<uint32_t>(HashKey(key)));
  if (link == nullptr) {
    ++owner_->stats().keyspace_misses;
    if (owner_->on_key_missed) owner_->on_key_missed(index_, key);
    return nullptr;
  }
  ++owner_->stats().keyspace_hits;
  owner_->Touch(*link);
  return *link;
}

Entry* Database::LookupWrite(std::string_view key) {
  Entry** link = LiveLink(key, static_cast<uint32_t>(HashKey(key)));
  if (link == nullptr) return nullptr;
  owner_->Touch(*link);
  return *link;
}

Entry* Database::Peek(std::string_view key) {
  Entry** link = LiveLink(key, static_cast<uint32_t>(HashKey(key)));
  return link ? *link : nullptr;
}

void Database::SetString(std::string_view key, std::string_view value, int64_t expire_ms,
                         bool keep_ttl) {
  uint32_t hash = static_cast<uint32_t>(HashKey(key));
  Entry** link = LiveLink(key, hash);
  if (link != nullptr) {
    Entry* old = *link;
    if (keep_ttl) expire_ms = old->expire_ms();
    bool same_shape = old->type() == ObjType::kString && old->has_expire() == (expire_ms >= 0) &&
                      value.size() <= entry::StringCapacity(old);
    if (same_shape) {
      // Overwrite in place: no allocation on the common SET-over-SET path.
      if (!value.empty()) std::memmove(old->value_data(), value.data(), value.size());
      old->val_len = static_cast<uint32_t>(value.size());
      old->meta &= ~Entry::kValueBits;
      if (expire_ms >= 0) old->set_expire_ms_in_place(expire_ms);
      // A new value: LRU restarts its clock, LFU keeps the key's counter.
      if (!owner_->lfu_mode()) old->set_lru(owner_->lru_clock());
    } else {
      uint32_t stamp = owner_->lfu_mode() ? old->lru() : owner_->NewObjectStamp();
      Entry* fresh = entry::NewString(key, hash, value, expire_ms, value.size(), stamp);
      dict_.Replace(link, fresh);
      FreeDetached(old);
      if (expire_ms >= 0) ++volatile_;
    }
  } else {
    dict_.Insert(entry::NewString(key, hash, value, expire_ms, value.size(), owner_->NewObjectStamp()));
    CountSlot(key, 1);
    if (expire_ms >= 0) ++volatile_;
    if (owner_->on_key_added) owner_->on_key_added(index_, key);
  }
  Changed(key);
}

void Database::OverwriteString(Entry* e, std::string_view key, std::string_view value) {
  if (e->type() != ObjType::kString || value.size() > entry::StringCapacity(e)) {
    SetString(key, value, -1, /*keep_ttl=*/true);
    return;
  }
  std::memcpy(e->value_data(), value.data(), value.size());
  e->val_len = static_cast<uint32_t>(value.size());
  e->meta &= ~Entry::kValueBits;
  if (!owner_->lfu_mode()) e->set_lru(owner_->lru_clock());
  Changed(key);
}

void Database::AddCollection(std::string_view key, ObjType type, Collection* value) {
  uint32_t hash = static_cast<uint32_t>(HashKey(key));
  dict_.Insert(entry::NewCollection(key, hash, type, value, -1, owner_->NewObjectStamp()));
  CountSlot(key, 1);
  if (owner_->on_key_added) owner_->on_key_added(index_, key);
  Changed(key);
}

bool Database::Delete(std::string_view key) {
  uint32_t hash = static_cast<uint32_t>(HashKey(key));
  Entry** link = LiveLink(key, hash);
  if (link == nullptr) return false;
  FreeRemoved(dict_.Unlink(link));
  Changed(key);
  return true;
}

bool Database::SetExpire(std::string_view key, int64_t when_ms) {
  Entry** link = LiveLink(key, static_cast<uint32_t>(HashKey(key)));
  if (link == nullptr) return false;
  Entry* e = *link;
  if (e->has_expire()) {
    e->set_expire_ms_in_place(when_ms);
  } else {
    dict_.Replace(link, entry::WithExpire(e, when_ms));
    entry::FreeShell(e);
    ++volatile_;
  }
  Changed(key);
  return true;
}

bool Database::Persist(std::string_view key) {
  Entry** link = LiveLink(key, static_cast<uint32_t>(HashKey(key)));
  if (link == nullptr || !(*link)->has_expire()) return false;
  Entry* old = *link;
  dict_.Replace(link, entry::WithExpire(old, -1));
  entry::FreeShell(old);
  --volatile_;
  Changed(key);
  return true;
}

Entry* Database::ResizeString(std::string_view key, size_t new_len, bool greedy) {
  Entry** link = LiveLink(key, static_cast<uint32_t>(HashKey(key)));
  if (link == nullptr) return nullptr;
  Entry* old = *link;
  Entry* fresh = entry::ResizeString(old, new_len, greedy);
  if (fresh != old) {
    dict_.Replace(link, fresh);
    entry::FreeShell(old);
  }
  fresh->meta |= Entry::kRawString;
  Changed(key);
  return fresh;
}

Entry* Database::Detach(std::string_view key) {
  Entry** link = LiveLink(key, static_cast<uint32_t>(HashKey(key)));
  if (link == nullptr) return nullptr;
  Entry* e = dict_.Unlink(link);
  if (e->has_expire()) --volatile_;
  CountSlot(key, -1);
  Changed(key);
  return e;
}

void Database::Attach(Entry* e) {
  if (e->has_expire()) ++volatile_;
  dict_.Insert(e);
  CountSlot(e->key(), 1);
  if (owner_->on_key_added) owner_->on_key_added(index_, e->key());
  Changed(e->key());
}

Entry* Database::AttachRenamed(Entry* e, std::string_view new_key) {
  uint32_t hash = static_cast<uint32_t>(HashKey(new_key));
  Entry* fresh;
  if (e->type() == ObjType::kString) {
    fresh = entry::NewString(new_key, hash, e->str(), e->expire_ms(), e->val_len, e->lru());
  } else {
    fresh = entry::NewCollection(new_key, hash, e->type(), e->collection(), e->expire_ms(), e->lru());
  }
  fresh->meta |= e->meta & Entry::kValueBits;
  entry::FreeShell(e);
  Attach(fresh);
  return fresh;
}

void Database::Clear() {
  dict_.Clear();
  if (!slot_keys_.empty()) slot_keys_.assign(kClusterSlots, 0);
  volatile_ = 0;
  avg_ttl_ms_ = 0;
  sweep_position_ = 0;
}

bool Database::RandomKey(std::string* out) {
  // Bounded: a database full of expired keys gives up rather than spinning.
  for (int attempt = 0; attempt < 100 && dict_.size() > 0; ++attempt) {
    Entry* e = dict_.Random(owner_->rng());
    if (e == nullptr) return false;
    if (!IsExpired(e)) {
      out->assign(e->key());
      return true;
    }
    if (!owner_->is_replica()) {
      std::string name(e->key());
      Delete(name);  // LiveLink sees it expired and removes it
    } else if (attempt >= 99) {
      out->assign(e->key());  // replicas may return a logically expired key
      return true;
    }
  }
  return false;
}

size_t Database::ExpireSweep(size_t max_buckets) {
  if (volatile_ == 0 || owner_->is_replica()) return 0;
  size_t removed = 0;
  int64_t now = owner_->now_ms();
  std::vector<std::string> expired;
  dict_.SweepBuckets(&sweep_position_, max_buckets, [&](Entry** link) {
    Entry* e = *link;
    if (!e->has_expire()) return false;
    int64_t ttl = e->expire_ms() - now;
    if (ttl > 0) {
      avg_ttl_ms_ = avg_ttl_ms_ == 0 ? ttl : (avg_ttl_ms_ / 50) * 49 + ttl / 50;
      return false;
    }
    dict_.Unlink(link);
    expired.emplace_back(e->key());
    FreeRemoved(e);
    ++removed;
    return true;
  });
  owner_->stats().expired_keys += removed;
  for (const auto& key : expired) {
    Changed(key);
    if (owner_->on_key_expired) owner_->on_key_expired(index_, key);
  }
  if (volatile_ == 0) avg_ttl_ms_ = 0;
  return removed;
}

void Database::SwapContents(Database& other) {
  std::swap(dict_, other.dict_);
  std::swap(volatile_, other.volatile_);
  std::swap(avg_ttl_ms_, other.avg_ttl_ms_);
  std::swap(sweep_position_, other.sweep_position_);
  std::swap(slot_keys_, other.slot_keys_);
}

}  // namespace troupe
