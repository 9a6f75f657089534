// ReplicationBacklog ring buffer (see backlog.h).
#include "actors/replication/backlog.h"

#include <algorithm>
#include <cstring>

namespace troupe {

ReplicationBacklog::ReplicationBacklog(size_t capacity, uint64_t next_offset)
    : buf_(std::max<size_t>(capacity, 1)), next_offset_(next_offset) {}

void ReplicationBacklog::Append(std::string_view bytes) {
  next_offset_ += bytes.size();
  size_t cap = buf_.size();
  if (bytes.size() >= cap) {  // only the newest `cap` bytes survive
    std::memcpy(buf_.data(), bytes.data() + bytes.size() - cap, cap);
    head_ = 0;
    histlen_ = cap;
    return;
  }
  size_t first = std::min(bytes.size(), cap - head_);
  std::memcpy(buf_.data() + head_, bytes.data(), first);
  std::memcpy(buf_.data(), bytes.data() + first, bytes.size() - first);
  head_ = (head_ + bytes.size()) % cap;
  histlen_ = std::min<uint64_t>(histlen_ + bytes.size(), cap);
}

std::string ReplicationBacklog::CopyFrom(uint64_t offset) const {
  if (!Covers(offset)) return {};
  size_t n = static_cast<size_t>(next_offset_ - offset);
  size_t cap = buf_.size();
  size_t start = (head_ + cap - n % cap) % cap;
  if (n == cap) start = head_;
  std::string out(n, '\0');
  size_t first = std::min(n, cap - start);
  std::memcpy(out.data(), buf_.data() + start, first);
  std::memcpy(out.data() + first, buf_.data(), n - first);
  return out;
}

void ReplicationBacklog::Resize(size_t capacity) {
  capacity = std::max<size_t>(capacity, 1);
  if (capacity == buf_.size()) return;
  uint64_t keep = std::min<uint64_t>(histlen_, capacity);
  std::string newest = CopyFrom(next_offset_ - keep);
  buf_.assign(capacity, '\0');
  std::memcpy(buf_.data(), newest.data(), newest.size());
  head_ = newest.size() % capacity;
  histlen_ = newest.size();
}

}  // namespace troupe
